/**
 * Remote work: orchestrations, activities and entity operations a worker hands to executors in other processes
 * instead of running them itself. The sidecar (`src/sidecar`) implements it for the Durable Task SDKs connected over gRPC; the worker only
 * sees this port. A worker with remote work runs what its registry has and hands every other name to the remote side:
 * when an executor that takes the name is connected, the work goes to it; when none is, the work waits (released with
 * a delay, its delivery given back) until one connects, as on the Durable Task Scheduler.
 *
 * The worker keeps everything else it does for local work: leases and their renewal, delivery counts and
 * quarantine, versioning, metrics, traces and the group commit; for entities also the scheduling (queue, locks,
 * responses to callers, the state's commit). The remote side only runs code.
 * @module
 */
import type { HistoryEvent, TaskCompleted, TaskFailed } from "../core/history-event.js";
import type { ActivityWorkItem, InstanceRecord } from "../core/records.js";
import type { EpisodeResult } from "../orchestration/episode.js";
import type { EntityBatchOutcome, EntityBatchRequest } from "../entities/entity-batch.js";

/** What kind of work a name is for. */
export type RemoteWorkKind = "orchestration" | "activity" | "entity";

/** One orchestration episode for a remote executor: the execution's history and the events it has not seen. */
export interface RemoteEpisodeRequest {
  readonly instanceId: string;
  /** The execution the episode runs (a new one when `newEvents` holds its `ExecutionStarted`). */
  readonly executionId: string;
  /** Orchestrator name. */
  readonly name: string;
  /** The instance row as it was when the lease was taken (its custom status is kept unless the episode sets one). */
  readonly instance: InstanceRecord;
  /** The current execution's committed history (empty for a new execution). */
  readonly pastEvents: readonly HistoryEvent[];
  /** The episode's new events: an `OrchestratorStarted` stamped with the episode's time first. */
  readonly newEvents: readonly HistoryEvent[];
  /** The hub lease's expiry of the work item (epoch ms): the remote side gives up on the episode by then. */
  readonly lockExpiresAt: number;
}

/**
 * The port a worker hands remote work through.
 *
 * Error contract: `execute*` reject with a `RemoteWorkerLostError` when the executor went away before completing
 * (its stream closed, the sidecar stopped): the worker then releases the work item at once for another executor.
 * Any other rejection is a fault of the step: the worker abandons the item and retries it later, as for a storage
 * fault. A remote executor's failure to run the code (an exception in an orchestrator, a failed activity) is never a
 * rejection: it is the episode's or the activity's failed outcome.
 */
export interface RemoteWork {
  /** True when an executor that takes work of `kind` named `name` is connected now. */
  accepts(kind: RemoteWorkKind, name: string): boolean;
  /**
   * Calls `listener` whenever an executor connects (the worker then looks for work that waited for one). Returns
   * the unsubscribe function.
   */
  onExecutorConnected(listener: () => void): () => void;
  /** Runs one orchestration episode; resolves with what the orchestrator did, as the local executor reports it. */
  executeOrchestration(request: RemoteEpisodeRequest): Promise<EpisodeResult>;
  /**
   * Runs one activity attempt; resolves with its outcome event (`taskScheduledId` the work item's `taskId`).
   * `signal` aborts when the worker gives the attempt up (shutdown, lost lease, timeout): the remote side then stops
   * waiting and rejects.
   */
  executeActivity(item: ActivityWorkItem, signal: AbortSignal): Promise<TaskCompleted | TaskFailed>;
  /**
   * Runs one batch of an entity's operations (the entity processor keeps the scheduling: queue, locks, responses,
   * the commit); resolves with per-operation results, the state after them and what they sent. A batch the
   * executor could not run as a whole (its `failureDetails`) is a rejection: the worker retries the item later.
   */
  executeEntityBatch(request: EntityBatchRequest): Promise<EntityBatchOutcome>;
}

/** How long work for a name no connected executor takes waits before it is looked at again, in ms. */
export const REMOTE_WAIT_MS = 1000;
