/**
 * The waiters of one client: everyone waiting for an instance to finish (`waitForCompletion`, and through it the HTTP
 * waits and check-status helpers), looked up by instance ID. The client subscribes to the hub once, however many
 * waiters there are, and a notice reaches only the waiters of its instance: waiting costs O(1) per notice.
 *
 * Where the hub's notices are complete (`TaskHub.noticesComplete`: every finish reaches the subscription, from any
 * process), there is no polling but a slow safety read (a notice lost while a PostgreSQL listener reconnects).
 * Elsewhere (another process may finish the instance on a SQLite file) one shared loop reads all watched instances,
 * a few hundred per query, instead of one poll per waiter.
 * @module
 */
import { isTerminalStatus, TERMINAL_STATUSES } from "../core/runtime-status.js";
import type { InstanceRecord, TaskHub, TaskHubNotice } from "../task-hub/task-hub.js";

/** Longest pause of the shared read when the hub's notices are not complete. */
const POLL_MAX_MS = 1000;
/** First pause of the shared read after a new waiter arrives (then doubling up to {@link POLL_MAX_MS}). */
const POLL_MIN_MS = 50;
/** The safety read's pause when notices are complete. */
const SAFETY_POLL_MS = 10_000;
/** The longest delay `setTimeout` takes. */
const MAX_TIMER_MS = 2_147_483_647;
/** Instances read per query of the shared read. */
const POLL_BATCH = 500;

/** One `wait` in progress. */
interface Waiter {
  readonly resolve: (record: InstanceRecord | undefined) => void;
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
  readonly #byInstance = new Map<string, Set<Waiter>>();
  #unsubscribe: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #pollMs = POLL_MIN_MS;
  #polling = false;

  constructor(private readonly hub: TaskHub) {}

  /** Number of waits in progress (for tests and health). */
  get size(): number {
    let n = 0;
    for (const set of this.#byInstance.values()) n += set.size;
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
    let set = this.#byInstance.get(instanceId);
    if (!set) this.#byInstance.set(instanceId, (set = new Set()));
    set.add(waiter);
    this.#unsubscribe ??= this.hub.subscribe((notice) => this.#onNotice(notice));
    this.#pollSoon();
    return { finished, cancel: () => waiter.resolve(undefined) };
  }

  #remove(instanceId: string, waiter: Waiter): void {
    const set = this.#byInstance.get(instanceId);
    if (!set) return;
    set.delete(waiter);
    if (set.size > 0) return;
    this.#byInstance.delete(instanceId);
    if (this.#byInstance.size > 0) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
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
    const set = this.#byInstance.get(record.instanceId);
    if (set) for (const waiter of [...set]) waiter.resolve(record);
  }

  /** (Re)schedules the shared read: soon after a new waiter when notices are not complete, else the safety pace. */
  #pollSoon(): void {
    if (this.hub.noticesComplete) {
      if (this.#pollTimer === undefined) this.#schedule(SAFETY_POLL_MS);
      return;
    }
    this.#pollMs = POLL_MIN_MS;
    if (this.#polling) return; // the running read schedules the next with the reset pace
    clearTimeout(this.#pollTimer);
    this.#schedule(this.#pollMs);
  }

  #schedule(ms: number): void {
    this.#pollTimer = setTimeout(() => void this.#poll(), ms);
    this.#pollTimer.unref();
  }

  /** Reads every watched instance that has finished, a batch per query, and ends their waits. */
  async #poll(): Promise<void> {
    this.#pollTimer = undefined;
    if (this.#byInstance.size === 0) return;
    this.#polling = true;
    try {
      const ids = [...this.#byInstance.keys()];
      for (let i = 0; i < ids.length; i += POLL_BATCH) {
        const page = await this.hub.listInstances({
          instanceIds: ids.slice(i, i + POLL_BATCH),
          statuses: TERMINAL_STATUSES,
          pageSize: POLL_BATCH,
        });
        for (const record of page.instances) this.#finish(record);
      }
    } catch {
      // Storage trouble: the waits keep going, the next read tries again.
    } finally {
      this.#polling = false;
    }
    if (this.#byInstance.size === 0) return;
    const complete = this.hub.noticesComplete === true;
    const pause = complete ? SAFETY_POLL_MS : this.#pollMs;
    if (!complete) this.#pollMs = Math.min(this.#pollMs * 2, POLL_MAX_MS);
    this.#schedule(pause);
  }
}
