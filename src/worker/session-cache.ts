/**
 * The worker's cache of live orchestrator sessions (like Durable Functions' extended sessions): a cached session
 * continues from where it stopped instead of replaying its whole history on every step. Bounded by count and by
 * the total number of history events held.
 * @module
 */
import type { OrchestrationSession } from "../orchestration/orchestration-session.js";

/** Bounds of a {@link SessionCache}. */
export interface SessionCacheOptions {
  /** Most sessions kept (0 disables the cache). */
  readonly maxSessions: number;
  /** Most history events summed over kept sessions. */
  readonly maxHistoryEvents: number;
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
      this.#events -= session.historyLength;
    }
    return session;
  }

  /** Puts a session back, evicting the least recently used ones beyond the bounds. */
  put(instanceId: string, session: OrchestrationSession): void {
    if (this.options.maxSessions <= 0 || session.historyLength > this.options.maxHistoryEvents) return;
    this.take(instanceId);
    this.#sessions.set(instanceId, session);
    this.#events += session.historyLength;
    for (const [id, old] of this.#sessions) {
      if (this.#sessions.size <= this.options.maxSessions && this.#events <= this.options.maxHistoryEvents)
        break;
      this.#sessions.delete(id);
      this.#events -= old.historyLength;
    }
  }

  /** Drops everything. */
  clear(): void {
    this.#sessions.clear();
    this.#events = 0;
  }
}
