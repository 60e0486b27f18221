/**
 * What one episode of orchestrator code produced: the output of the pure executor.
 * @module
 */
import type { FailureDetails } from "../core/failure.js";
import type { EventRaised } from "../core/history-event.js";
import type { OrchestratorAction } from "./actions.js";

/** How an execution ended. */
export type ExecutionOutcome =
  | { readonly status: "Completed"; readonly result?: string | undefined }
  | { readonly status: "Failed"; readonly failure: FailureDetails }
  | {
      readonly status: "Terminated";
      readonly reason?: string | undefined;
      /** The sub-orchestrations still running when a recursive termination arrived (absent: none). */
      readonly children?: readonly string[] | undefined;
    }
  | {
      readonly status: "ContinuedAsNew";
      readonly input?: string | undefined;
      /** External events carried over to the new execution, in arrival order. */
      readonly carryoverEvents: readonly EventRaised[];
      /** The new execution's version, when `continueAsNew` set one (default: this execution's). */
      readonly version?: string | undefined;
    };

/** A patch marker to record (see `PatchMarkerRecorded`). */
export interface PatchMark {
  readonly patchId: string;
  /** The sequence number the next task had when the code called `patched`. */
  readonly position: number;
}

/** The result of running an orchestrator over new events. */
export interface EpisodeResult {
  /** Actions the code issued that history does not contain yet, in sequence order. */
  readonly actions: readonly OrchestratorAction[];
  /** JSON text of the custom status, if ever set. */
  readonly customStatus: string | undefined;
  /** True when the instance is suspended at the end of the episode. */
  readonly suspended: boolean;
  /** Set when the execution ended in this episode (or had ended before). */
  readonly outcome: ExecutionOutcome | undefined;
  /** Entity locks to release because the execution ended inside (or while entering) a critical section. */
  readonly locksToRelease?: LocksToRelease | undefined;
  /** Patch markers the code recorded in this episode (`ctx.patched` on new execution), in call order; absent: none. */
  readonly patches?: readonly PatchMark[] | undefined;
}

/** The locks of a critical section left open when the execution ended. */
export interface LocksToRelease {
  readonly criticalSectionId: string;
  /** Sorted entity instance IDs. */
  readonly lockSet: readonly string[];
  /** True when the locks were granted: each entity is released directly; otherwise along the lock chain. */
  readonly granted: boolean;
}
