/**
 * The worker's cache of live orchestrator sessions (like Durable Functions' extended sessions): a cached session
 * continues from where it stopped instead of replaying its whole history on every step. Sized by memory rather than
 * by a count: each session weighs its history events plus {@link SESSION_WEIGHT} for its live state (measured: about
 * 5 kB for a session with 15 events, so roughly 300 bytes per unit), and the cache keeps the most recently used
 * sessions up to `maxHistoryEvents` units. An optional count bound stays for those who want one.
 * @module
 */
import type { OrchestrationSession } from "../orchestration/orchestration-session.js";

/** What a session weighs beyond its history events: its suspended orchestrator, promises and maps. */
export const SESSION_WEIGHT = 10;

/** Bounds of a {@link SessionCache}. */
export interface SessionCacheOptions {
  /** Most sessions kept (0 disables the cache; `Infinity`: no count bound, only the weight). */
  readonly maxSessions: number;
  /** Most weight (history events plus {@link SESSION_WEIGHT} per session) summed over kept sessions. */
  readonly maxHistoryEvents: number;
}

function weightOf(session: OrchestrationSession): number {
  return session.historyLength + SESSION_WEIGHT;
}

/** An LRU map instanceId → session. */
export class SessionCache {
  readonly #sessions = new Map<string, OrchestrationSession>();
  #events = 0;

  constructor(private readonly options: SessionCacheOptions) {}

  /** Number of cached sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Takes the session out of the cache (the caller owns it until it puts it back). */
  take(instanceId: string): OrchestrationSession | undefined {
    const session = this.#sessions.get(instanceId);
    if (session) {
      this.#sessions.delete(instanceId);
      this.#events -= weightOf(session);
    }
    return session;
  }

  /** Puts a session back, evicting the least recently used ones beyond the bounds. */
  put(instanceId: string, session: OrchestrationSession): void {
    if (this.options.maxSessions <= 0 || weightOf(session) > this.options.maxHistoryEvents) return;
    this.take(instanceId);
    this.#sessions.set(instanceId, session);
    this.#events += weightOf(session);
    for (const [id, old] of this.#sessions) {
      if (this.#sessions.size <= this.options.maxSessions && this.#events <= this.options.maxHistoryEvents)
        break;
      this.#sessions.delete(id);
      this.#events -= weightOf(old);
    }
  }

  /** The weight held (history events plus {@link SESSION_WEIGHT} per session). */
  get weight(): number {
    return this.#events;
  }

  /** Drops everything. */
  clear(): void {
    this.#sessions.clear();
    this.#events = 0;
  }
}
