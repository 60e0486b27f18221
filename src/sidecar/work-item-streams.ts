/**
 * The connected SDK workers' work-item streams (`GetWorkItems`) and the work dispatched on them.
 *
 * Each dispatched work item gets a fresh completion token; the SDK echoes it in its completion, which settles the
 * dispatch. The token is the dispatch's lease here: a completion whose token is not (or no longer) pending is refused
 * (stale: the stream it was sent on closed, the dispatch timed out or was completed already). When a stream closes,
 * every dispatch still pending on it is rejected with a `RemoteWorkerLostError` at once, so that the worker releases
 * the work item for another stream. Work goes to the connected stream that takes its name and has the fewest
 * dispatches pending.
 * @module
 */
import { randomUUID } from "node:crypto";
import { RemoteWorkerLostError } from "../core/errors.js";
import { systemClock, type Clock } from "../task-hub/clock.js";
import type { RemoteWorkKind } from "../worker/remote-work.js";

/** What the streams need of one `GetWorkItems` server stream. */
export interface WorkItemSink {
  /** Writes one `WorkItem` message (its `completionToken` filled in). */
  write(workItem: object): void;
  /** Ends the stream (the sidecar stops). */
  end(): void;
}

/** The names a stream takes, per kind (the request's `workItemFilters`); absent kind: every name. */
export type StreamFilters = Partial<Record<RemoteWorkKind, ReadonlySet<string>>>;

/** One connected stream. */
export interface ConnectedStream {
  readonly id: number;
  readonly filters: StreamFilters;
  /** Dispatches pending on it. */
  readonly pending: Set<string>;
}

/** Options of one dispatch. */
export interface DispatchOptions {
  /** Another key the completion may come with when the SDK sends no token (old SDKs): instance ID, task. */
  readonly fallbackKey: string;
  /** The dispatch is given up (rejected) at this time, epoch ms (the hub lease's end). */
  readonly expiresAt?: number | undefined;
  /** Aborting gives the dispatch up (rejected with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
}

interface Pending {
  readonly kind: RemoteWorkKind;
  readonly stream: ConnectedStream;
  readonly fallbackKey: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** How often an idle stream gets a `healthPing` work item (keeps proxies and load balancers from closing it). */
export const HEALTH_PING_MS = 30_000;

/** The connected streams and their pending dispatches. */
export class WorkItemStreams {
  readonly #streams = new Map<
    number,
    { stream: ConnectedStream; sink: WorkItemSink; ping: NodeJS.Timeout }
  >();
  readonly #pending = new Map<string, Pending>();
  /** Fallback key -> token, for completions without a token. */
  readonly #byFallback = new Map<string, string>();
  readonly #listeners = new Set<() => void>();
  #nextId = 1;
  #closed = false;

  /**
   * @param clock The hub's clock: dispatches expire with the hub leases, which it decides.
   * @param healthPingMs How often each stream gets a `healthPing` (default {@link HEALTH_PING_MS}).
   */
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly healthPingMs: number = HEALTH_PING_MS,
  ) {}

  /** Number of connected streams. */
  get size(): number {
    return this.#streams.size;
  }

  /** Number of dispatches waiting for their completion. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Adds a stream. Returns its `disconnect` function: call it when the stream closes (cancelled, errored, ended);
   * its pending dispatches are then rejected with a `RemoteWorkerLostError`.
   */
  connect(sink: WorkItemSink, filters: StreamFilters = {}): () => void {
    if (this.#closed) {
      sink.end();
      return () => undefined;
    }
    const stream: ConnectedStream = { id: this.#nextId++, filters, pending: new Set() };
    const ping = setInterval(() => {
      try {
        sink.write({ healthPing: {} });
      } catch {
        // a broken stream reports its close
      }
    }, this.healthPingMs);
    ping.unref();
    this.#streams.set(stream.id, { stream, sink, ping });
    for (const listener of this.#listeners) listener();
    return () => this.#disconnect(stream.id, "its work-item stream closed");
  }

  /** True when a connected stream takes work of `kind` named `name`. */
  accepts(kind: RemoteWorkKind, name: string): boolean {
    for (const { stream } of this.#streams.values()) if (takes(stream, kind, name)) return true;
    return false;
  }

  /** Calls `listener` whenever a stream connects; returns the unsubscribe function. */
  onConnected(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends a work item built by `build(completionToken)` on the least busy stream that takes `name`, and resolves with
   * the value its completion carries (see {@link complete}).
   * @throws RemoteWorkerLostError (rejects) when no stream takes it, when its stream closes first, or when the
   *   sidecar closes; rejects with a `TimeoutError`-like `RemoteWorkerLostError` when `expiresAt` passes.
   */
  dispatch<T>(
    kind: RemoteWorkKind,
    name: string,
    build: (token: string) => object,
    options: DispatchOptions,
  ): Promise<T> {
    const entry = this.#pick(kind, name);
    if (!entry)
      return Promise.reject(new RemoteWorkerLostError(`No connected SDK worker takes ${kind} '${name}'.`));
    const token = randomUUID();
    return new Promise<T>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const onAbort = (): void => settle(() => reject(options.signal?.reason));
      const settle = (then: () => void): void => {
        if (!this.#pending.delete(token)) return;
        entry.stream.pending.delete(token);
        if (this.#byFallback.get(options.fallbackKey) === token) this.#byFallback.delete(options.fallbackKey);
        cancelTimer?.();
        options.signal?.removeEventListener("abort", onAbort);
        then();
      };
      this.#pending.set(token, {
        kind,
        stream: entry.stream,
        fallbackKey: options.fallbackKey,
        resolve: (value) => settle(() => resolve(value as T)),
        reject: (error) => settle(() => reject(error)),
      });
      entry.stream.pending.add(token);
      this.#byFallback.set(options.fallbackKey, token);
      if (options.expiresAt !== undefined) {
        cancelTimer = this.clock.setTimer(
          () =>
            this.#pending
              .get(token)
              ?.reject(
                new RemoteWorkerLostError(
                  `The SDK worker did not complete ${kind} '${name}' before the work item's lease ended.`,
                ),
              ),
          Math.max(0, options.expiresAt - this.clock.now()),
        );
      }
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        entry.sink.write(build(token));
      } catch (error) {
        this.#pending
          .get(token)
          ?.reject(new RemoteWorkerLostError(`Sending the work item failed: ${String(error)}`));
      }
    });
  }

  /**
   * Settles the dispatch `token` of `kind` (or, with an empty token, the one under `fallbackKey`) with `value`.
   * Returns false, settling nothing, when no such dispatch is pending (a stale or unknown token).
   */
  complete(kind: RemoteWorkKind, token: string, fallbackKey: string, value: unknown): boolean {
    const pending = this.#find(kind, token, fallbackKey);
    if (!pending) return false;
    pending.resolve(value);
    return true;
  }

  /**
   * Gives the dispatch `token` back (`Abandon*WorkItem`): rejected with a `RemoteWorkerLostError`, so that the work
   * item is released for another stream. Returns false when no such dispatch is pending.
   */
  abandon(kind: RemoteWorkKind, token: string, fallbackKey: string): boolean {
    const pending = this.#find(kind, token, fallbackKey);
    if (!pending) return false;
    pending.reject(new RemoteWorkerLostError(`The SDK worker abandoned the ${kind} work item.`));
    return true;
  }

  /** Ends every stream and rejects every pending dispatch; later connections are ended at once. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const [id, { sink }] of [...this.#streams]) {
      this.#disconnect(id, "the sidecar is stopping");
      try {
        sink.end();
      } catch {
        // already closed
      }
    }
  }

  #find(kind: RemoteWorkKind, token: string, fallbackKey: string): Pending | undefined {
    const key = token !== "" ? token : this.#byFallback.get(fallbackKey);
    const pending = key === undefined ? undefined : this.#pending.get(key);
    return pending && pending.kind === kind && (token !== "" || pending.fallbackKey === fallbackKey)
      ? pending
      : undefined;
  }

  #pick(kind: RemoteWorkKind, name: string): { stream: ConnectedStream; sink: WorkItemSink } | undefined {
    let best: { stream: ConnectedStream; sink: WorkItemSink } | undefined;
    for (const entry of this.#streams.values())
      if (takes(entry.stream, kind, name) && (!best || entry.stream.pending.size < best.stream.pending.size))
        best = entry;
    return best;
  }

  #disconnect(id: number, why: string): void {
    const entry = this.#streams.get(id);
    if (!entry) return;
    this.#streams.delete(id);
    clearInterval(entry.ping);
    for (const token of [...entry.stream.pending])
      this.#pending.get(token)?.reject(new RemoteWorkerLostError(`The SDK worker went away: ${why}.`));
  }
}

function takes(stream: ConnectedStream, kind: RemoteWorkKind, name: string): boolean {
  const names = stream.filters[kind];
  return names === undefined || names.has(name);
}
