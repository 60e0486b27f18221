/**
 * The worker's dispatch loop, one per kind of work item: take up to the free slots and start them; take again at once
 * only when the take came back full, else sleep until new work is notified (in-process notices, backend
 * notifications, timers coming due) or, as a fallback for notices that cannot arrive, until the poll interval passes
 * (backing off while idle). Every take is a database round trip, so a take that is known to find nothing is not made.
 * @module
 */
import { errorFields } from "../core/logger.js";
import type { WorkerContext } from "./worker-context.js";
import type { WorkSignal } from "./work-signal.js";

/** What a dispatch loop works with. */
export interface DispatchLoopOptions {
  readonly signal: WorkSignal;
  /** Work items in flight (and slots reserved). */
  readonly inFlight: { readonly size: number };
  /** Most work items in flight. */
  readonly limit: number;
  /** Takes up to `max` work items; returns a starter for each. */
  readonly take: (max: number) => Promise<(() => void)[]>;
  /** The loop runs while this is true. */
  readonly running: () => boolean;
  readonly maxPollIntervalMs: number;
  readonly onTakeFailed: (error: unknown, retryMs: number) => void;
  /** Called on each healthy turn of the loop: a take that answered, or a wait for a free slot (readiness). */
  readonly onTurn?: (() => void) | undefined;
}

/** Runs the loop until `running()` turns false. */
export async function dispatchLoop(options: DispatchLoopOptions): Promise<void> {
  const { signal, inFlight, limit, take, maxPollIntervalMs } = options;
  let idleDelay = 10;
  while (options.running()) {
    const free = limit - inFlight.size;
    if (free <= 0) {
      options.onTurn?.();
      await signal.wait(50);
      continue;
    }
    signal.reset();
    const max = Math.min(free, 100);
    let starts: (() => void)[];
    try {
      starts = await take(max);
    } catch (error) {
      options.onTakeFailed(error, idleDelay);
      await delay(idleDelay).promise;
      idleDelay = Math.min(idleDelay * 2, maxPollIntervalMs);
      continue;
    }
    options.onTurn?.();
    for (const begin of starts) begin();
    if (starts.length > 0) idleDelay = 10;
    if (starts.length === max) continue; // there may be more
    // Drained. A notice wakes the loop at once; a timeout means nothing was notified: poll, backing off.
    if (!(await signal.wait(idleDelay))) idleDelay = Math.min(idleDelay * 2, maxPollIntervalMs);
  }
}

/** The options of a worker's loop for one kind of work item, but `limit` and `take`. */
export function workerLoopOptions(
  ctx: WorkerContext,
  signal: WorkSignal,
  inFlight: { readonly size: number },
  kind: "activities" | "orchestrations",
): Omit<DispatchLoopOptions, "limit" | "take"> {
  return {
    signal,
    inFlight,
    running: () => ctx.running,
    maxPollIntervalMs: ctx.settings.maxPollIntervalMs,
    onTurn: () => (ctx.lastTurnAt[kind] = performance.now()),
    onTakeFailed: (error: unknown, retryMs: number) =>
      ctx.log.error(
        `Worker ${ctx.workerId}: taking work failed, retrying in ${retryMs} ms: ${String(error)}`,
        {
          workerId: ctx.workerId,
          kind,
          retryInMs: retryMs,
          ...errorFields(error),
        },
      ),
  };
}

/** A cancellable sleep. */
export function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
