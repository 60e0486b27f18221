/**
 * Patches (`ctx.patched`, `ctx.deprecatePatch`): one execution's patch decisions, the markers it records, and the
 * recorded markers replay looks for. Pure state, driven by the session.
 *
 * The rule, as Temporal's: on new execution `patched(id)` records a marker and returns true. On replay it returns true
 * iff a marker for `id` is recorded at that point of history: in the part of the history the replayed code run wrote
 * (from the event that woke it to the end of that episode), at the same position (the sequence number of the next
 * task). A history recorded before the patch has no marker there, so the code takes the old branch. Every later call
 * with the same ID in the execution returns the first call's answer and records nothing. Markers take no task ID, so
 * recording one never shifts the IDs of the tasks after it, and a marker no call asks for is skipped: replaying a
 * history across a patch never raises `NonDeterminismError`.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import type { PatchMark } from "./episode.js";

/** @internal See the module documentation. */
export class PatchMarkers {
  /** Each patch ID's answer in this execution. */
  readonly #decided = new Map<string, boolean>();
  /** Markers recorded by this episode, in call order. */
  #recorded: PatchMark[] = [];
  /** While replaying: the history being replayed, and the index of the event being applied. */
  #past: readonly HistoryEvent[] | undefined;
  #index = -1;
  /** Indexes (in `#past`) of the markers a call has matched. */
  readonly #matched = new Set<number>();

  /** Replay is applying `events[index]` (code that runs now was run when that event was new). */
  replayingAt(events: readonly HistoryEvent[], index: number): void {
    if (this.#past !== events) this.#matched.clear();
    this.#past = events;
    this.#index = index;
  }

  /** New events are being applied: code that runs now runs for the first time. */
  live(): void {
    this.#past = undefined;
    this.#index = -1;
    this.#matched.clear();
  }

  /** `ctx.patched(patchId)` at sequence number `position`. */
  patched(patchId: string, position: number): boolean {
    checkPatchId(patchId, "patched");
    const decided = this.#decided.get(patchId);
    if (decided !== undefined) return decided;
    let answer: boolean;
    if (this.#past) answer = this.#match(patchId, position);
    else {
      this.#recorded.push({ patchId, position });
      answer = true;
    }
    this.#decided.set(patchId, answer);
    return answer;
  }

  /** `ctx.deprecatePatch(patchId)` at sequence number `position`: matches a recorded marker, if any; records none. */
  deprecatePatch(patchId: string, position: number): void {
    checkPatchId(patchId, "deprecatePatch");
    if (this.#past) this.#match(patchId, position);
  }

  /** The markers recorded since the last call (the episode's). */
  takeRecorded(): PatchMark[] {
    const recorded = this.#recorded;
    this.#recorded = [];
    return recorded;
  }

  /** Finds (and matches) the marker of `patchId` at `position` in the episode being replayed. */
  #match(patchId: string, position: number): boolean {
    const past = this.#past!;
    for (let i = this.#index + 1; i < past.length; i++) {
      const event = past[i]!;
      if (event.type === "OrchestratorCompleted" || event.type === "OrchestratorStarted") break;
      if (
        event.type === "PatchMarkerRecorded" &&
        event.patchId === patchId &&
        event.position === position &&
        !this.#matched.has(i)
      ) {
        this.#matched.add(i);
        return true;
      }
    }
    return false;
  }
}

function checkPatchId(patchId: unknown, method: string): asserts patchId is string {
  if (typeof patchId !== "string" || patchId.length === 0)
    throw new InvalidArgumentError(`${method} needs a non-empty patch ID (got ${JSON.stringify(patchId)}).`);
}
