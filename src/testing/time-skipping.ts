/**
 * Time skipping: moves a manual clock over the times a task hub waits for, and only when the hub is idle (nothing
 * busy: no message visible now, no lease held, so no episode nor activity runs). Idleness is read from the hub
 * synchronously right after the calls that could have ended the work (no sleeps, no guessing), so when time jumps,
 * everything that was due before has run.
 *
 * Two ways time moves: {@link TimeSkipping.skip} (explicit, through every due time up to a target, in order), and
 * automatically while a hold is on ({@link TimeSkipping.hold}: the test environment holds while a client waits for an
 * instance to finish): when idle, straight to the next due time.
 * @module
 */
import { InvalidArgumentError, DurableError } from "../core/errors.js";
import type { MemoryWorkState } from "../memory/memory-task-hub.js";
import type { ManualClock } from "./manual-clock.js";

/** What time skipping works on. */
export interface TimeSkippingParts {
  /** The hub's work at the clock's current time, read synchronously. */
  readonly workState: () => MemoryWorkState;
  /** The hub's clock. */
  readonly clock: ManualClock;
  /** Tells the workers on the hub to look for work now (after the clock moved). */
  readonly wake: () => void;
}

/** See the module. */
export class TimeSkipping {
  readonly #parts: TimeSkippingParts;
  /** Each hold: whether it still wants time to move. */
  readonly #holds = new Set<() => boolean>();
  readonly #idleWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #checkQueued = false;
  #closed = false;

  constructor(parts: TimeSkippingParts) {
    this.#parts = parts;
  }

  /**
   * The hub may have changed (a call was made on it): looks at it once the current turn of the event loop is over,
   * when the caller has seen the call's result.
   */
  changed(): void {
    if (this.#checkQueued || this.#closed) return;
    this.#checkQueued = true;
    setImmediate(() => this.#check());
  }

  /**
   * Lets time jump to the next due time whenever the hub is idle, while `wanted()` is true (checked before each
   * jump); returns the function that ends the hold.
   */
  hold(wanted: () => boolean): () => void {
    this.#holds.add(wanted);
    this.changed();
    return () => {
      this.#holds.delete(wanted);
    };
  }

  /** Resolves once the hub is idle (at once when it is now); time does not move. */
  untilIdle(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (!this.#parts.workState().busy) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#idleWaiters.push({ resolve, reject });
      this.changed();
    });
  }

  /**
   * Moves the clock forward by `ms`: through every due time up to now + `ms`, in order, each once the hub is idle,
   * then to the target once it is idle again. Resolves when the work due by the target has run.
   * @throws InvalidArgumentError for a negative or non-finite `ms`.
   */
  async skip(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
      throw new InvalidArgumentError(
        `skipTime takes a finite, non-negative number of ms, got ${String(ms)}.`,
      );
    const { clock, workState } = this.#parts;
    const target = clock.now() + ms;
    for (;;) {
      await this.untilIdle();
      const { busy, nextDueAt } = workState();
      if (busy) continue; // something started meanwhile (the test, or a hold's jump): let it end first
      if (nextDueAt === undefined || nextDueAt > target) break;
      this.#jumpTo(nextDueAt);
    }
    if (target > clock.now()) clock.set(target);
  }

  /** Stops moving time; waits for idleness are rejected. */
  close(): void {
    this.#closed = true;
    this.#holds.clear();
    for (const waiter of this.#idleWaiters.splice(0)) waiter.reject(closedError());
  }

  #check(): void {
    this.#checkQueued = false;
    if (this.#closed) return;
    const { busy, nextDueAt } = this.#parts.workState();
    if (busy) return; // the call that ends the work will bring us back
    for (const waiter of this.#idleWaiters.splice(0)) waiter.resolve();
    if (nextDueAt !== undefined && [...this.#holds].some((wanted) => wanted())) this.#jumpTo(nextDueAt);
  }

  #jumpTo(time: number): void {
    this.#parts.clock.set(time);
    this.#parts.wake();
  }
}

function closedError(): Error {
  return new DurableError("The test environment was closed.");
}
