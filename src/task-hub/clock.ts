/**
 * The clock seam: the one place the engine reads time from, so that tests can run it on virtual time (a
 * `ManualClock` from `taskhub/testing`). The default is {@link systemClock}.
 *
 * **What reads {@link Clock.now}.** The task hubs (lease expiries, which messages are visible, timers coming due,
 * delayed starts, creation and update times, worker heartbeats, retention of workers seen), the worker (the time of
 * each episode, stamped on its `OrchestratorStarted` event; activity result timestamps), the client (event
 * timestamps, the default upper bound of a purge) and the schedules (the anchor of a new schedule). The pure
 * orchestration executor reads no clock: its time comes from `OrchestratorStarted` events. No SQL statement reads
 * the database server's time: every time a statement compares is a parameter taken from the clock, so virtual time
 * works the same on SQLite and PostgreSQL.
 *
 * **What waits on {@link Clock.setTimer}.** Waits for a time the hub decides by: the worker's wake-up at the earliest
 * message it was told of that is not visible yet (durable timers, delayed starts, retries, abandoned work), and the
 * renewal of a running activity's lease (it keeps pace with the lease's expiry, which is clock time). On a manual
 * clock these fire only when the clock is advanced.
 *
 * **What stays on real time** (`setTimeout`; durations measured with the monotonic `performance.now()`): waits that
 * bound I/O or latency, not times the hub stores. The dispatch loops' poll intervals and back-off (they find work
 * other processes committed, and expired leases: on a manual clock a lease expires when the clock passes it, and the
 * next poll sees it), retry back-off after storage errors, the activity hold (`activityHoldMs`), the shutdown
 * timeout, the heartbeat interval, `waitForCompletion`'s timeout and polling, `cleanEntityStorage`'s wait, SQLite's
 * busy waits, the host's server shutdown.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";

/** Where time comes from. */
export interface Clock {
  /** The current time, in epoch milliseconds. */
  now(): number;
  /**
   * Calls `callback` once, when `ms` milliseconds have passed on this clock (a timer due now fires as soon as the
   * clock lets it: the system clock on a next turn of the event loop, a manual clock when it is next moved). Returns
   * a function that cancels the timer (harmless after it fired). Timers do not keep the process alive.
   */
  setTimer(callback: () => void, ms: number): () => void;
}

/** The longest delay `setTimeout` takes (longer ones fire at once, with a warning). */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The system clock: `Date.now()` and `setTimeout`. Its timers are unreferenced (a pending timer never holds the
 * process) and never fire early: when a callback runs, `now()` has reached the due time (`setTimeout` may fire a
 * millisecond before `Date.now()` gets there, and cannot wait longer than ~24.8 days: it is then re-armed).
 */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  setTimer(callback: () => void, ms: number): () => void {
    const due = Date.now() + (Number.isNaN(ms) ? 0 : ms);
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const left = due - Date.now();
      if (left <= 0) return callback();
      timer = setTimeout(arm, Math.min(left, MAX_TIMEOUT_MS));
      timer.unref();
    };
    timer = setTimeout(arm, Math.min(Math.max(due - Date.now(), 0), MAX_TIMEOUT_MS));
    timer.unref();
    return () => clearTimeout(timer);
  },
});

/**
 * The clock a worker or client on `hub` reads: `clock` when given, else the hub's, else {@link systemClock}.
 * @throws InvalidArgumentError when `clock` is given and the hub reads another one (leases, timers and visibility
 *   would then be decided on two times; give the clock to the hub instead, e.g. `sqliteTaskHub(path, { clock })`).
 */
export function clockFor(hub: { readonly clock?: Clock | undefined }, clock?: Clock): Clock {
  if (clock !== undefined && hub.clock !== undefined && clock !== hub.clock)
    throw new InvalidArgumentError(
      "The clock given differs from the task hub's clock: give the clock to the task hub (its `clock` option); " +
        "workers and clients on the hub read the hub's clock.",
    );
  return clock ?? hub.clock ?? systemClock;
}
