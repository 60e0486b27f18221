/**
 * The waits of `WaitForInstanceStart` and `WaitForInstanceCompletion`, driven by the hub's notices rather than by
 * polling. A completion wait is the client's own (`CompletionWaiters`: one hub subscription for every waiter, notices
 * of finished instances reach it from any process). A start wait listens to the in-process notices of each step (the
 * sidecar's hub commits the steps of the SDK workers and of the host's own worker), with a slow safety read for a
 * step committed by another process, whose intermediate statuses are not published.
 *
 * Every wait ends early when its call is cancelled (`signal`) and at its limit (the call's gRPC deadline).
 * @module
 */
import { CompletionWaiters } from "../client/completion-waiters.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import type { InstanceRecord } from "../core/records.js";
import type { TaskHub, TaskHubNotice } from "../task-hub/task-hub.js";

/** How a wait ended: the instance reached the state, does not exist, or the wait was given up (limit or cancel). */
export type WaitOutcome =
  | { readonly kind: "reached"; readonly record: InstanceRecord }
  | { readonly kind: "missing" }
  | { readonly kind: "gave-up"; readonly record: InstanceRecord; readonly cancelled: boolean };

/** The pause between the safety reads of a start wait (a step committed by another process sends no notice). */
export const START_SAFETY_READ_MS = 2000;

/** The longest delay `setTimeout` takes. */
const MAX_TIMER_MS = 2_147_483_647;

/** True when the instance has started: any status but Pending. */
const started = (record: InstanceRecord): boolean => record.status !== "Pending";

/** The start and completion waits of one hub. */
export class InstanceWaits {
  readonly #completions: CompletionWaiters;
  /** Start waits by instance ID: each is called with the instance's ID when a notice may mean it started. */
  readonly #starts = new Map<string, Set<() => void>>();
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly hub: TaskHub) {
    this.#completions = new CompletionWaiters(hub);
  }

  /** Number of start waits in progress (tests). */
  get startWaits(): number {
    let n = 0;
    for (const set of this.#starts.values()) n += set.size;
    return n;
  }

  /** Waits until the instance is Completed, Failed or Terminated, for at most `timeoutMs` (Infinity: no limit). */
  async completion(instanceId: string, timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome> {
    // Watched before the first read, so that a finish between the two is not missed.
    const watch = this.#completions.watch(instanceId, timeoutMs);
    const cancel = (): void => watch.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    try {
      const record = await this.hub.getInstance(instanceId);
      if (!record) return { kind: "missing" };
      if (isTerminalStatus(record.status)) return { kind: "reached", record };
      if (signal.aborted) return { kind: "gave-up", record, cancelled: true };
      const finished = await watch.finished;
      if (finished) return { kind: "reached", record: finished };
      return this.#lastRead(instanceId, record, (r) => isTerminalStatus(r.status), signal);
    } finally {
      signal.removeEventListener("abort", cancel);
      watch.cancel();
    }
  }

  /** Waits until the instance has started (any status but Pending), for at most `timeoutMs` (Infinity: no limit). */
  async start(instanceId: string, timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome> {
    let wake!: () => void;
    let woken = new Promise<void>((resolve) => (wake = resolve));
    const listener = (): void => wake();
    this.#addStart(instanceId, listener);
    const deadline = performance.now() + Math.max(0, timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => wake();
    signal.addEventListener("abort", stop, { once: true });
    try {
      let record = await this.hub.getInstance(instanceId);
      for (;;) {
        if (!record) return { kind: "missing" };
        if (started(record)) return { kind: "reached", record };
        const left = deadline - performance.now();
        if (signal.aborted || left <= 0) return { kind: "gave-up", record, cancelled: signal.aborted };
        // A notice, the safety read's pause or the limit, whichever comes first.
        timer = setTimeout(wake, Math.min(left, START_SAFETY_READ_MS, MAX_TIMER_MS));
        await woken;
        clearTimeout(timer);
        woken = new Promise<void>((resolve) => (wake = resolve));
        if (signal.aborted) return { kind: "gave-up", record, cancelled: true };
        record = await this.hub.getInstance(instanceId);
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
      this.#removeStart(instanceId, listener);
    }
  }

  /** The read after a completion wait gave up: the instance may have finished meanwhile. */
  async #lastRead(
    instanceId: string,
    before: InstanceRecord,
    reached: (record: InstanceRecord) => boolean,
    signal: AbortSignal,
  ): Promise<WaitOutcome> {
    if (signal.aborted) return { kind: "gave-up", record: before, cancelled: true };
    const record = await this.hub.getInstance(instanceId);
    if (!record) return { kind: "missing" };
    return reached(record) ? { kind: "reached", record } : { kind: "gave-up", record, cancelled: false };
  }

  #addStart(instanceId: string, listener: () => void): void {
    let set = this.#starts.get(instanceId);
    if (!set) this.#starts.set(instanceId, (set = new Set()));
    set.add(listener);
    this.#unsubscribe ??= this.hub.subscribe((notice) => this.#onNotice(notice));
  }

  #removeStart(instanceId: string, listener: () => void): void {
    const set = this.#starts.get(instanceId);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0) return;
    this.#starts.delete(instanceId);
    if (this.#starts.size > 0) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #onNotice(notice: TaskHubNotice): void {
    if (notice.kind !== "instance-updated" || notice.status === "Pending") return;
    for (const listener of this.#starts.get(notice.instanceId) ?? []) listener();
  }
}
