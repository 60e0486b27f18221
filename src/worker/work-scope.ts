/**
 * Which work the code running now belongs to: the activities, orchestration steps and entity steps in flight in this
 * process (every worker's), and, when tracked, the one whose code scheduled the callback running now (an
 * `AsyncLocalStorage` around the run, which follows timers, event emitters and promises). `exitOnUncaughtErrors`
 * reads it to name the work an error thrown outside any awaited promise most likely came from.
 *
 * An `AsyncLocalStorage` in use costs something on every promise of the process (Node 20), so by default only
 * redeliveries are tracked (`deliveryCount` above 1: the runs after a crash, which is where a poison crashes again),
 * and the storage is switched off whenever no tracked run is in flight. A first crash is then named by the list of
 * the work in flight, which is always kept (a set insertion and deletion per run).
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { LogFields } from "../core/logger.js";

/** One run of work in flight. */
export interface WorkInFlight {
  readonly kind: "activity" | "orchestration" | "entity";
  /** How log lines name it, e.g. `activity 'Charge' (attempt 1, delivery 2) of instance 'order-1'`. */
  readonly description: string;
  /** The fields of log lines about it (`instanceId`, `activity`, ...), with the worker's `workerId`. */
  readonly fields: LogFields;
  /** Delivered before (its `deliveryCount` is above 1). */
  readonly redelivery: boolean;
}

/** Which runs are tracked: none, redeliveries only, or all (see the module). */
export type WorkTracking = "none" | "redeliveries" | "all";

const scope = new AsyncLocalStorage<WorkInFlight>();
const inFlight = new Set<WorkInFlight>();
let tracking: WorkTracking = "none";
let tracked = 0;

/** Chooses which runs begun from now on are tracked. */
export function trackWorkScopes(which: WorkTracking): void {
  tracking = which;
}

/** Runs `run` as `work`: listed in flight until it settles, and, when tracked, the scope of what it schedules. */
export async function runAs<T>(work: WorkInFlight, run: () => Promise<T>): Promise<T> {
  const track = tracking === "all" || (tracking === "redeliveries" && work.redelivery);
  inFlight.add(work);
  if (track) tracked++;
  try {
    return await (track ? scope.run(work, run) : run());
  } finally {
    inFlight.delete(work);
    // No tracked run left: the storage stops costing (callbacks the runs left behind are no longer attributed).
    if (track && --tracked === 0 && tracking !== "all") scope.disable();
  }
}

/** The tracked run whose code scheduled the callback running now, if any. */
export function currentWork(): WorkInFlight | undefined {
  return scope.getStore();
}

/** Every run in flight in this process, oldest first. */
export function workInFlight(): WorkInFlight[] {
  return [...inFlight];
}
