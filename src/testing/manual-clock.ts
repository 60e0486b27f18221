/**
 * {@link ManualClock}: virtual time for tests. Give it to a task hub (`sqliteTaskHub(path, { clock })`,
 * `postgresTaskHub({ clock })`); workers and clients on the hub read it too. Time stands still until the test moves
 * it, so a one-hour durable timer fires when the test advances the clock by an hour, and a lease expires when the
 * clock passes it.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { Clock } from "../task-hub/clock.js";

interface PendingTimer {
  readonly at: number;
  readonly callback: () => void;
}

/** Where a {@link ManualClock} starts by default: 2024-01-01T00:00:00.000Z (fixed, so runs are repeatable). */
export const MANUAL_CLOCK_START = Date.UTC(2024, 0, 1);

/**
 * A clock that moves only when told ({@link advance}, {@link set}). Moving it fires the timers due by the new time,
 * in order of due time (then of setting), synchronously, after the move: a callback reads the new time, as a
 * process that slept through the interval and wakes up late would. So a timer that re-arms itself (a lease renewal)
 * fires once per move, however long the move. Timers set by a callback that are due already fire in the same move.
 * A callback that throws stops the move there and the error propagates; the timers not fired yet stay pending.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 0;
  /** By ID, which increases in setting order. */
  readonly #timers = new Map<number, PendingTimer>();

  /** @param start The initial time (epoch ms or a Date; default {@link MANUAL_CLOCK_START}). */
  constructor(start: number | Date = MANUAL_CLOCK_START) {
    this.#now = checkTime(start, "start");
  }

  /** The current virtual time, in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Calls `callback` once the clock has been moved by `ms` or more; returns a function that cancels the timer. A
   * timer due now (`ms` ≤ 0) fires at the next move, `advance(0)` included.
   */
  setTimer(callback: () => void, ms: number): () => void {
    const id = this.#nextId++;
    const delay = Number.isNaN(ms) ? 0 : Math.max(0, ms);
    this.#timers.set(id, { at: this.#now + delay, callback });
    return () => {
      this.#timers.delete(id);
    };
  }

  /** How many timers are set and have not fired nor been cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** The due time of the earliest pending timer, if any (for advancing straight to it). */
  get nextTimerAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /**
   * Moves the clock forward by `ms` and fires the timers due by then.
   * @throws InvalidArgumentError for a negative or non-finite `ms`.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new InvalidArgumentError(`A clock advances by a finite, non-negative time, got ${ms}.`);
    this.#moveTo(this.#now + ms);
  }

  /**
   * Moves the clock to `time` (epoch ms or a Date) and fires the timers due by then.
   * @throws InvalidArgumentError when `time` is earlier than now (time never goes backwards: leases and timers rely
   *   on it) or not a valid time.
   */
  set(time: number | Date): void {
    const to = checkTime(time, "time");
    if (to < this.#now)
      throw new InvalidArgumentError(
        `A clock does not go backwards: ${new Date(to).toISOString()} is before ${new Date(this.#now).toISOString()}.`,
      );
    this.#moveTo(to);
  }

  #moveTo(time: number): void {
    this.#now = time;
    for (let due = this.#earliest(); due && due.at <= this.#now; due = this.#earliest()) {
      this.#timers.delete(due.id);
      due.callback();
    }
  }

  /** The pending timer due first (the first set among those due at the same time). */
  #earliest(): (PendingTimer & { readonly id: number }) | undefined {
    let first: (PendingTimer & { readonly id: number }) | undefined;
    for (const [id, timer] of this.#timers) if (!first || timer.at < first.at) first = { ...timer, id };
    return first;
  }
}

function checkTime(value: number | Date, what: string): number {
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time !== "number" || !Number.isFinite(time))
    throw new InvalidArgumentError(`The clock's ${what} must be a valid time, got ${String(value)}.`);
  return time;
}
