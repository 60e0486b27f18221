/**
 * A wake-up signal for a dispatch loop: new work, a timer coming due, or the poll interval elapsing.
 * @module
 */
import { systemClock, type Clock } from "../task-hub/clock.js";

/** Lets a loop sleep until it is told there is work (or a deadline passes), without losing notifications. */
export class WorkSignal {
  #pending = false;
  #waiter: (() => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  /**
   * @param clock The hub's clock: {@link notifyAt} times are on it (a manual clock fires them when advanced). The
   *   poll timeout of {@link wait} is real time.
   */
  constructor(private readonly clock: Clock = systemClock) {}

  /** Wakes the loop now (or makes its next `wait` return at once). */
  notify(): void {
    this.#pending = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /** Wakes the loop at `time` (epoch ms on the clock); only the earliest such time is kept. */
  notifyAt(time: number): void {
    const delay = time - this.clock.now();
    if (delay <= 0) return this.notify();
    if (time >= this.#timerAt) return;
    this.#cancelTimer?.();
    this.#timerAt = time;
    this.#cancelTimer = this.clock.setTimer(() => {
      this.#cancelTimer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.notify();
    }, delay);
  }

  /** Clears a pending notification; call right before looking for work. */
  reset(): void {
    this.#pending = false;
  }

  /** Resolves on the next notification, or after `timeoutMs`. Returns true when notified. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.#waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.#waiter = () => {
        clearTimeout(timeout);
        this.#pending = false;
        resolve(true);
      };
    });
  }

  /** Cancels the pending timer. */
  dispose(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.notify();
  }
}
