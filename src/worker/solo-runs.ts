/**
 * Suspect work runs alone. A crash takes down everything in flight in the process: every lease it held expires, so
 * every delivery count advances, not only the poison's. The last delivery a work item gets before quarantine (its
 * count at its `maxDeliveryCount`) therefore runs alone in the worker (a *suspect*, see `PoisonWork.isSuspect`):
 * nothing else is in flight meanwhile, so that if it crashes the process again, no other work's count advances with
 * it (work that ran beside a poison is never quarantined with it) and the crash is pinned on it.
 *
 * The worker is in one of three states:
 * - **normal**: the loops claim as many items as they have slots. A claim (or local dispatch) that brings a suspect
 *   releases the suspect at once (giving its delivery back) and starts the rest; the worker turns to
 * - **draining**: the loops claim nothing, local dispatch leases nothing, and held instances are let go, until no work
 *   is in flight; then
 * - **solo**: one claim of one item at a time, worker-wide; a suspect runs, alone, before the next claim. The first
 *   claim that brings work that is no suspect, or claims of both kinds that bring nothing, turn the worker back to
 *   normal.
 *
 * Only work that already lost all but one of its deliveries pays for this; a worker never sees a suspect otherwise.
 * @module
 */
import { delay } from "./dispatch-loop.js";

/** A worker's state towards suspect work (see the module). */
export type SoloState = "normal" | "draining" | "solo";

/** What the solo runs need of the worker. */
export interface SoloParts {
  /** Whether the worker runs (waits end when it stops). */
  readonly running: () => boolean;
  /** How much work is in flight: episodes, activities, held instances, slots reserved for local dispatch. */
  readonly inFlight: () => number;
  /** Lets go of held instances (draining). */
  readonly releaseHeld: () => void;
  /** Wakes both dispatch loops (the state changed). */
  readonly wake: () => void;
}

/** One claim under {@link SoloRuns.take}: how to claim, which items are suspects, how to start and release items. */
export interface SoloClaim<T> {
  /** The kind of work items (one per dispatch loop). */
  readonly kind: "activities" | "orchestrations";
  readonly claim: (max: number) => Promise<T[]>;
  readonly isSuspect: (item: T) => boolean;
  /** Starts an item; resolves once it has finished. */
  readonly run: (item: T) => Promise<void>;
  /** Releases an item's lease (giving its delivery back). */
  readonly release: (item: T) => Promise<void>;
}

const POLL_MS = 10;

/** One worker's solo runs (see the module). */
export class SoloRuns {
  #state: SoloState = "normal";
  /** True while a solo claim or run holds the worker-wide turn. */
  #turn = false;
  /** The kinds whose last solo claim found nothing: once both did, the worker is normal again. */
  readonly #empty = new Set<string>();

  constructor(private readonly parts: SoloParts) {}

  /** The current state. */
  get state(): SoloState {
    return this.#state;
  }

  /** Whether new work may be leased besides what the loops claim (local dispatch, holds): only when normal. */
  get normal(): boolean {
    return this.#state === "normal";
  }

  /**
   * A dispatch loop's take of up to `max` items: as the state allows (see the module). Returns a starter for each item
   * to run; suspects found in a normal claim are released and the worker drains.
   */
  async take<T>(max: number, c: SoloClaim<T>): Promise<(() => void)[]> {
    if (this.#state !== "normal" && !(await this.#solo())) return [];
    if (this.#state === "normal") {
      const items = await c.claim(max);
      const suspects = items.filter(c.isSuspect);
      if (suspects.length > 0) await this.drain(suspects, c.release);
      return items.filter((item) => !c.isSuspect(item)).map((item) => () => void c.run(item));
    }
    // Solo, with the turn: one item.
    let keep = false;
    try {
      const [item] = await c.claim(1);
      if (item === undefined) {
        this.#empty.add(c.kind);
        if (this.#empty.size === 2) this.#setState("normal");
        return [];
      }
      if (!c.isSuspect(item)) {
        this.#setState("normal");
        return [() => void c.run(item)];
      }
      this.#empty.clear();
      keep = true;
      return [
        () =>
          void c.run(item).finally(() => {
            this.#turn = false;
            this.parts.wake();
          }),
      ];
    } finally {
      if (!keep) this.#turn = false;
    }
  }

  /**
   * Releases `suspects` (giving their deliveries back) and turns the worker to draining (when it is normal); for
   * suspects leased to the worker outside a claim (local dispatch). A solo claim takes them later.
   */
  async drain<T>(suspects: readonly T[], release: (item: T) => Promise<void>): Promise<void> {
    await Promise.all(suspects.map((item) => release(item).catch(() => undefined)));
    if (this.#state === "normal") {
      this.#setState("draining");
      this.parts.releaseHeld();
    }
  }

  /**
   * Waits until the worker may take a solo turn: drained (then solo), and the turn free; takes the turn. False when
   * the worker stopped waiting (stopped, or turned normal meanwhile: the caller then claims normally).
   */
  async #solo(): Promise<boolean> {
    for (;;) {
      if (!this.parts.running()) return false;
      if (this.#state === "normal") return true;
      if (this.#state === "draining" && this.parts.inFlight() === 0) this.#setState("solo");
      if (this.#state === "solo" && !this.#turn) {
        this.#turn = true;
        return true;
      }
      await delay(POLL_MS).promise;
    }
  }

  #setState(state: SoloState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#empty.clear();
    this.parts.wake();
  }
}
