/**
 * The waiters of one client: everyone waiting for an instance to finish (`waitForCompletion`, and through it the HTTP
 * waits and check-status helpers), looked up by instance ID. The client subscribes to the hub once, however many
 * waiters there are, and a notice reaches only the waiters of its instance: waiting costs O(1) per notice.
 *
 * Where the hub's notices are complete (`TaskHub.noticesComplete`: every finish reaches the subscription, from any
 * process), there is no polling but a slow safety read (a notice lost while a PostgreSQL listener reconnects).
 * Elsewhere (another process may finish the instance on a SQLite file) one shared loop reads the watched instances
 * that are due, a few hundred per query, instead of one poll per waiter: each instance at its own pace (50 ms after
 * its wait starts, doubling up to once a second), on a grid so that instances of one pace are read together. (Each
 * wait's first read is batched too: `BatchedReads`.)
 * @module
 */
import { isTerminalStatus, TERMINAL_STATUSES } from "../core/runtime-status.js";
import type { InstanceRecord, TaskHub, TaskHubNotice } from "../task-hub/task-hub.js";
import { readInstances } from "./batched-reads.js";

/** Longest pause between two reads of a watched instance when the hub's notices are not complete. */
const POLL_MAX_MS = 1000;
/** First pause before a new wait's instance is read again (then doubling up to {@link POLL_MAX_MS}). */
const POLL_MIN_MS = 50;
/** The safety read's pause when notices are complete. */
const SAFETY_POLL_MS = 10_000;
/** The longest delay `setTimeout` takes. */
const MAX_TIMER_MS = 2_147_483_647;

/** One `wait` in progress. */
interface Waiter {
  readonly resolve: (record: InstanceRecord | undefined) => void;
}

/** The waits on one instance, and when the shared read reads it next. */
interface Watched {
  readonly waiters: Set<Waiter>;
  /** Pause before its next read: doubling from {@link POLL_MIN_MS} to {@link POLL_MAX_MS}, or the safety pause. */
  pace: number;
  /** When it is read next (`performance.now()`), on a grid of its pace, so that the reads of one pace go together. */
  due: number;
}

/** The next point of the `pace` grid at least `pace` after `now`. */
function nextDue(now: number, pace: number): number {
  return Math.ceil((now + pace) / pace) * pace;
}

/** A registered wait: its outcome, and how to give it up. */
export interface Watch {
  /** The finished instance, or `undefined` when `timeoutMs` passed first. */
  readonly finished: Promise<InstanceRecord | undefined>;
  /** Ends the wait (idempotent); `finished` then resolves `undefined` if it had not resolved. */
  readonly cancel: () => void;
}

/** Waiters by instance ID, for one hub. */
export class CompletionWaiters {
  readonly #byInstance = new Map<string, Watched>();
  #unsubscribe: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  /** When {@link #pollTimer} fires (Infinity: not set). */
  #pollAt = Number.POSITIVE_INFINITY;
  #polling = false;

  constructor(private readonly hub: TaskHub) {}

  /** Number of waits in progress (for tests and health). */
  get size(): number {
    let n = 0;
    for (const watched of this.#byInstance.values()) n += watched.waiters.size;
    return n;
  }

  /**
   * Starts watching `instanceId` for a finish, before the caller's first read (so no finish between the read and the
   * watch is missed). Resolves `undefined` after `timeoutMs` (real time: the hub's clock may be virtual).
   */
  watch(instanceId: string, timeoutMs: number): Watch {
    let settle!: (record: InstanceRecord | undefined) => void;
    const finished = new Promise<InstanceRecord | undefined>((resolve) => (settle = resolve));
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const waiter: Waiter = {
      resolve: (record) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#remove(instanceId, waiter);
        settle(record);
      },
    };
    // setTimeout fires at once beyond 2^31 - 1 ms: long waits re-arm.
    const deadline = performance.now() + Math.max(0, timeoutMs);
    const arm = (): void => {
      const left = deadline - performance.now();
      if (left <= 0) waiter.resolve(undefined);
      else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
    if (done) return { finished, cancel: () => undefined };
    const pace = this.hub.noticesComplete ? SAFETY_POLL_MS : POLL_MIN_MS;
    let watched = this.#byInstance.get(instanceId);
    if (!watched) this.#byInstance.set(instanceId, (watched = { waiters: new Set(), pace, due: 0 }));
    watched.waiters.add(waiter);
    // A new wait is read again soon (the caller reads it first), the others at their own pace.
    watched.pace = pace;
    watched.due = nextDue(performance.now(), pace);
    this.#unsubscribe ??= this.hub.subscribe((notice) => this.#onNotice(notice));
    this.#pollBy(watched.due);
    return { finished, cancel: () => waiter.resolve(undefined) };
  }

  #remove(instanceId: string, waiter: Waiter): void {
    const watched = this.#byInstance.get(instanceId);
    if (!watched) return;
    watched.waiters.delete(waiter);
    if (watched.waiters.size > 0) return;
    this.#byInstance.delete(instanceId);
    if (this.#byInstance.size > 0) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#pollAt = Number.POSITIVE_INFINITY;
  }

  #onNotice(notice: TaskHubNotice): void {
    if (notice.kind !== "instance-updated" || !isTerminalStatus(notice.status)) return;
    if (!this.#byInstance.has(notice.instanceId)) return;
    if (notice.record) this.#finish(notice.record);
    else
      void this.hub.getInstance(notice.instanceId).then(
        (record) => {
          if (record && isTerminalStatus(record.status)) this.#finish(record);
        },
        () => undefined, // a failed read: the shared read tries again
      );
  }

  #finish(record: InstanceRecord): void {
    const watched = this.#byInstance.get(record.instanceId);
    if (watched) for (const waiter of [...watched.waiters]) waiter.resolve(record);
  }

  /** Makes the shared read run by `at` (a running read schedules the next itself). */
  #pollBy(at: number): void {
    if (this.#polling || at >= this.#pollAt) return;
    clearTimeout(this.#pollTimer);
    this.#pollAt = at;
    this.#pollTimer = setTimeout(() => void this.#poll(), Math.max(0, at - performance.now()));
    this.#pollTimer.unref();
  }

  /**
   * Reads the watched instances that are due, a batch per query, ends the waits of those that finished, and sets the
   * others' next read: a new wait's instance is read again after 50 ms, 100 ms, ... up to every second (or every
   * 10 s, as a safety net, when notices are complete), so that 10,000 long waits cost 20 queries a second and waits
   * that keep arriving do not make every other instance be read again.
   */
  async #poll(): Promise<void> {
    this.#pollTimer = undefined;
    this.#pollAt = Number.POSITIVE_INFINITY;
    const due: string[] = [];
    const now = performance.now();
    for (const [id, watched] of this.#byInstance) if (watched.due <= now + 1) due.push(id);
    this.#polling = true;
    try {
      for (const record of await readInstances(this.hub, due, TERMINAL_STATUSES)) this.#finish(record);
    } catch {
      // Storage trouble: the waits keep going, the next read tries again.
    } finally {
      this.#polling = false;
    }
    const after = performance.now();
    const complete = this.hub.noticesComplete === true;
    for (const id of due) {
      const watched = this.#byInstance.get(id);
      if (!watched) continue;
      watched.pace = complete ? SAFETY_POLL_MS : Math.min(watched.pace * 2, POLL_MAX_MS);
      watched.due = nextDue(after, watched.pace);
    }
    let next = Number.POSITIVE_INFINITY;
    for (const watched of this.#byInstance.values()) next = Math.min(next, watched.due);
    if (next < Number.POSITIVE_INFINITY) this.#pollBy(next);
  }
}
