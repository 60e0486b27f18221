/**
 * The task hub contract: the one storage interface every backend (SQLite, PostgreSQL, ...) implements.
 *
 * The engine never sees SQL; storage never sees user code. A backend stores:
 * - **instances**: one row per orchestration instance (status, input, output, lease);
 * - **history**: the event-sourced record of the instance's current execution;
 * - **inbox**: new events for an instance (starts, activity results, timers as delayed messages, external events,
 *   control operations such as terminate / suspend / resume / rewind);
 * - **activity queue**: activity work waiting for a worker.
 *
 * Work is handed out as *work items* under a lease (`lockToken` + expiry). A worker whose lease expired and was
 * taken over cannot commit: every `complete*` / `abandon*` / `renew*` call checks the lock token in the same
 * transaction and reports {@link WorkItemLockLostError} without writing anything for that item.
 *
 * All times are epoch milliseconds. All payloads are JSON text (see `core/json.ts`).
 *
 * @module
 */
import type { FailureDetails } from "../core/failure.js";
import type { ExecutionStarted, HistoryEvent, TaskCompleted, TaskFailed } from "../core/history-event.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { WorkItemLockLostError } from "../core/errors.js";
import type { Clock } from "./clock.js";

/** The stored state of one orchestration instance. */
export interface InstanceRecord {
  readonly instanceId: string;
  /** Orchestrator name. */
  readonly name: string;
  /** The current execution (changes on continue-as-new and restart). */
  readonly executionId: string;
  readonly status: RuntimeStatus;
  /** JSON text. */
  readonly input?: string | undefined;
  /** JSON text of the result, when Completed. */
  readonly output?: string | undefined;
  /** Why the instance failed (Failed) or was terminated (Terminated; `errorType` "Terminated"). */
  readonly failure?: FailureDetails | undefined;
  /** JSON text set by `ctx.setCustomStatus`. */
  readonly customStatus?: string | undefined;
  readonly createdAt: number;
  readonly lastUpdatedAt: number;
  readonly completedAt?: number | undefined;
  readonly scheduledStartAt?: number | undefined;
  readonly parentInstanceId?: string | undefined;
  readonly version?: string | undefined;
  /** Number of events in the current execution's history; lets a worker's cache know whether it is current. */
  readonly historyLength: number;
}

/** A new event for an instance's inbox. */
export interface NewInboxMessage {
  readonly instanceId: string;
  readonly event: HistoryEvent;
  /**
   * When set, the event belongs to that execution only (activity results, timers, sub-orchestration results);
   * the engine drops it if the instance has moved on to another execution.
   */
  readonly executionId?: string | undefined;
  /** Not delivered before this time (durable timers, delayed starts, retries). Default: now. */
  readonly visibleAt?: number | undefined;
}

/** An inbox message as handed to a worker. */
export interface InboxMessage extends NewInboxMessage {
  /** Backend-assigned, increasing in arrival order within an instance. */
  readonly id: number;
  readonly visibleAt: number;
}

/** An inbox row whose stored payload could not be parsed. The engine consumes it and fails the instance. */
export interface CorruptInboxMessage {
  readonly id: number;
  readonly error: string;
}

/** A request to create an instance: its row plus an `ExecutionStarted` message in its inbox. */
export interface NewInstance {
  readonly event: ExecutionStarted;
  /** First time the start may be processed (scheduled start). Default: now. */
  readonly visibleAt?: number | undefined;
}

/** An orchestration work item: one instance, leased, with its new inbox messages. */
export interface OrchestrationWorkItem {
  readonly instanceId: string;
  readonly lockToken: string;
  readonly lockExpiresAt: number;
  /** The instance row as it was when the lease was taken. */
  readonly instance: InstanceRecord;
  /** Visible inbox messages, in arrival order. */
  readonly messages: readonly InboxMessage[];
  /** Inbox rows that could not be parsed (empty normally). */
  readonly corruptMessages: readonly CorruptInboxMessage[];
  /** Set by a claim that took over an expired, unreleased lease: the worker that held it (a lease takeover). */
  readonly takenOverFrom?: string | undefined;
}

/** What one orchestration step changes, committed atomically by {@link TaskHub.completeOrchestrationWorkItems}. */
export interface OrchestrationCompletion {
  readonly workItem: OrchestrationWorkItem;
  /** Inbox message IDs consumed by this step (deleted on commit). */
  readonly consumedMessageIds: readonly number[];
  /** When true the stored history is deleted before `newHistory` is written (continue-as-new, rewind). */
  readonly replaceHistory: boolean;
  /** Events appended to the history, in order. */
  readonly newHistory: readonly HistoryEvent[];
  /** The instance's new state. `historyLength` is derived by the backend. */
  readonly instance: InstanceUpdate;
  /** Activities to enqueue. */
  readonly activities: readonly NewActivityMessage[];
  /**
   * Messages for inboxes: the instance's own timers, events sent to other instances, a result for the parent.
   * A message for an instance that does not exist is dropped (logged by the engine, not an error).
   */
  readonly messages: readonly NewInboxMessage[];
  /**
   * Instances to create (sub-orchestrations, continue-as-new is not one). When the ID is held by an active instance,
   * the backend creates nothing and instead puts a `SubOrchestrationInstanceFailed` message in the parent's inbox
   * (parent taken from `event.parent`). A finished instance with that ID is replaced.
   */
  readonly newInstances: readonly NewInstance[];
  /**
   * When true, the instance (row and history) is deleted at the end of the commit if its inbox is then empty: no
   * message arrived since the lease was taken, none was sent to it in the same commit, none waits for a later
   * `visibleAt`. Otherwise it is kept as `instance` says. Entities use it to vanish when they have no state and
   * nothing left to do (checked in the commit's transaction, so no message is ever lost).
   */
  readonly deleteIfIdle?: boolean | undefined;
  /**
   * When true, the instance does not exist yet: its first step ran before its start was stored (a host starting an
   * instance runs the first step at once). The backend creates the row from `workItem.instance` (Pending, empty
   * history), leased by the work item's token, then commits the step, in one transaction. When the ID is in use,
   * nothing of the step is written and its outcome is {@link WorkItemLockLostError}: the caller then creates the
   * instance the usual way ({@link TaskHub.createInstance}). `consumedMessageIds` then name no stored message.
   */
  readonly createsInstance?: boolean | undefined;
  /**
   * When true, the instance stays leased to the work item's token (same expiry) after the commit, instead of being
   * released: the committing worker means to commit the next step soon without a claim (a short activity's result,
   * see {@link consumedActivities}), or to release the lease ({@link TaskHub.abandonOrchestrationWorkItem}).
   */
  readonly keepLease?: boolean | undefined;
  /**
   * Activity work items whose results this step took directly (their `TaskCompleted` / `TaskFailed` events are in
   * `newHistory`; they were never in the inbox): deleted in the same transaction. When a lease of one of them is lost,
   * nothing of the step is written and its outcome is {@link WorkItemLockLostError}.
   */
  readonly consumedActivities?: readonly ActivityWorkItem[] | undefined;
}

/** The mutable part of an instance row written by an orchestration step. */
export interface InstanceUpdate {
  readonly status: RuntimeStatus;
  readonly executionId: string;
  readonly name: string;
  readonly input?: string | undefined;
  readonly output?: string | undefined;
  readonly failure?: FailureDetails | undefined;
  readonly customStatus?: string | undefined;
  readonly completedAt?: number | undefined;
}

/** An activity to run. */
export interface NewActivityMessage {
  readonly instanceId: string;
  readonly executionId: string;
  /** The `eventId` of the `TaskScheduled` event. */
  readonly taskId: number;
  readonly name: string;
  readonly input?: string | undefined;
  /** Retry attempt (1 = first), assigned by the orchestrator's retry policy. */
  readonly attempt: number;
  /** Stable across redeliveries and retries of the same call. */
  readonly idempotencyKey: string;
  readonly visibleAt?: number | undefined;
}

/** An activity work item: one leased activity message. */
export interface ActivityWorkItem extends NewActivityMessage {
  readonly id: number;
  readonly lockToken: string;
  readonly lockExpiresAt: number;
  /** How many times this message has been handed to a worker, this time included (1 = first delivery). */
  readonly deliveryCount: number;
  /** Set by a claim that took over an expired, unreleased lease: the worker that held it (a lease takeover). */
  readonly takenOverFrom?: string | undefined;
}

/** The outcome of one activity, committed by {@link TaskHub.completeActivityWorkItems}. */
export interface ActivityCompletion {
  readonly workItem: ActivityWorkItem;
  /** Delivered to the instance's inbox, tagged with the work item's execution ID. */
  readonly result: TaskCompleted | TaskFailed;
}

/** Options for taking work items. */
export interface LockOptions {
  /** Identifies the worker (shows in health output). */
  readonly workerId: string;
  /** Most work items to return. */
  readonly max: number;
  /** Lease length; after it expires, another worker may take the item. */
  readonly leaseMs: number;
}

/** Filters for listing and purging instances. */
export interface InstanceFilter {
  readonly statuses?: readonly RuntimeStatus[] | undefined;
  /** Inclusive lower bound on creation time. */
  readonly createdFrom?: number | undefined;
  /** Inclusive upper bound on creation time. */
  readonly createdTo?: number | undefined;
  readonly instanceIdPrefix?: string | undefined;
  /** Leave out entities (instance IDs starting with `@`); orchestration queries set it. Default false. */
  readonly excludeEntities?: boolean | undefined;
}

/** A query: filters plus paging. */
export interface InstanceQuery extends InstanceFilter {
  /** Page size (default 100). */
  readonly pageSize?: number | undefined;
  /** Opaque token from the previous page. */
  readonly continuationToken?: string | undefined;
  /** Include `input` / `output` / `customStatus` payloads (default true). */
  readonly includePayloads?: boolean | undefined;
}

/** One page of a query. */
export interface InstancePage {
  readonly instances: readonly InstanceRecord[];
  /** Present when more results may follow. */
  readonly continuationToken?: string | undefined;
}

/**
 * A notice that something changed in the hub, possibly from another process. In-process subscribers get every notice;
 * backends that publish notices to other processes may publish only new work and `instance-updated` notices of
 * finished instances (Completed, Failed, Terminated): what other processes' workers and waiting clients act on.
 */
export type TaskHubNotice =
  | { readonly kind: "orchestration-work"; readonly visibleAt?: number | undefined }
  | { readonly kind: "activity-work"; readonly visibleAt?: number | undefined }
  | {
      readonly kind: "instance-updated";
      readonly instanceId: string;
      readonly status: RuntimeStatus;
      /** The instance as committed, when the backend has it at hand (in-process notices of finished instances). */
      readonly record?: InstanceRecord | undefined;
    };

/** What a worker reports about itself, periodically, through {@link TaskHub.recordWorkerHeartbeat}. */
export interface WorkerHeartbeat {
  /** The worker's ID ({@link LockOptions.workerId}). */
  readonly workerId: string;
  /** Orchestration episodes in flight in the worker. */
  readonly orchestrationsInFlight: number;
  /** Activities running in the worker. */
  readonly activitiesInFlight: number;
  /** True when the worker is stopping: the backend forgets it. */
  readonly stopping?: boolean | undefined;
}

/** A worker as last seen by the hub. */
export interface WorkerInfo {
  readonly workerId: string;
  /** First heartbeat (epoch ms). */
  readonly firstSeenAt: number;
  /** Latest heartbeat (epoch ms). */
  readonly lastSeenAt: number;
  readonly orchestrationsInFlight: number;
  readonly activitiesInFlight: number;
  /** Work items this worker took over from another worker whose lease had expired. */
  readonly leaseTakeovers: number;
}

/** Counts for health output. */
export interface TaskHubStats {
  /** Orchestration instances by runtime status (entities not included). */
  readonly instancesByStatus: Readonly<Partial<Record<RuntimeStatus, number>>>;
  /** Entities (instance IDs `@name@key`) the hub holds state or messages for. */
  readonly entities: number;
  readonly inboxDepth: number;
  readonly activityQueueDepth: number;
  /** Visible time of the oldest due inbox or activity message, when there is one. */
  readonly oldestPendingAt?: number | undefined;
  /** Instances and activity messages currently leased by a worker (lease not expired). */
  readonly leasedInstances: number;
  readonly leasedActivities: number;
  /**
   * Workers that sent a heartbeat in the last 24 hours and did not stop cleanly, most recently seen first (a worker
   * is alive when its `lastSeenAt` is within a few heartbeat intervals).
   */
  readonly workers: readonly WorkerInfo[];
  /**
   * Work items (orchestration instances and activity messages) taken over after the lease of another worker
   * expired, since the hub was created. Each is a worker that died, hung or lost its database for longer than the
   * lease.
   */
  readonly leaseTakeovers: number;
}

/** Per-item outcome of a batched completion: `undefined` for success. */
export type CompletionOutcome = undefined | WorkItemLockLostError;

/**
 * Local dispatch: a worker that commits work asks for the work it creates, leased to it in the same transaction,
 * so it need not claim it (one claim and one wake-up fewer per step, like Temporal's eager activity dispatch). The
 * backend leases at most the given numbers and may lease fewer (none at all is valid); what it does not lease stays
 * in the queues for any worker, as without the request.
 */
export interface DispatchRequest {
  /** The committing worker ({@link LockOptions.workerId}). */
  readonly workerId: string;
  /** Lease length of the items handed over. */
  readonly leaseMs: number;
  /**
   * Most activity work items to lease, among the activities the committed orchestration steps schedule that are
   * visible at once (default 0).
   */
  readonly maxActivities?: number | undefined;
  /**
   * Most orchestration work items to lease, among the instances that committed activity results go to and that
   * are then ready and not leased, or the instance being created (default 0).
   */
  readonly maxOrchestrations?: number | undefined;
}

/** Work leased to the committing worker by a {@link DispatchRequest}. */
export interface Dispatched {
  readonly activities: readonly ActivityWorkItem[];
  readonly orchestrations: readonly OrchestrationWorkItem[];
}

/** The outcomes of a batched completion, one per item in order, plus the work dispatched to the committing worker. */
export interface CompletionResults extends ReadonlyArray<CompletionOutcome> {
  /** Present when a {@link DispatchRequest} was given. */
  readonly dispatched?: Dispatched | undefined;
}

/**
 * The task hub contract.
 *
 * Error contract common to every method: storage failures (connection lost, disk full) reject with the driver's
 * error or a {@link TaskHubError}; callers retry with back-off. Methods never partially apply a write.
 */
export interface TaskHub {
  /** A short name for logs, e.g. `sqlite:./hub.db`. */
  readonly description: string;

  /**
   * The clock the hub decides leases, visibility and timers by (the SQL hubs: their `clock` option, default the
   * system clock). Workers and clients on the hub read it too, unless told otherwise. Absent: the system clock.
   */
  readonly clock?: Clock | undefined;

  /** Creates or upgrades the schema with the named, versioned migrations. Idempotent; safe from several processes. */
  init(): Promise<void>;

  /** Releases connections. Idempotent. */
  close(): Promise<void>;

  /**
   * Creates an instance (row in Pending + `ExecutionStarted` in its inbox). An existing instance with the ID is
   * replaced (its history, inbox and queued activities deleted) when it has finished.
   * With `dispatch` (`maxOrchestrations` ≥ 1) and a start that is due now, also leases the new instance to the
   * dispatching worker in the same transaction and returns its work item (eager start, like Temporal's).
   * @throws InstanceAlreadyExistsError when an instance with the ID is Pending, Running, Suspended or ContinuedAsNew.
   */
  createInstance(instance: NewInstance, dispatch?: DispatchRequest): Promise<Dispatched | undefined>;

  /**
   * Appends an event to an existing instance's inbox (raise event, terminate, suspend, resume, rewind).
   * @throws InstanceNotFoundError when no instance has that ID.
   */
  appendInboxMessage(message: NewInboxMessage): Promise<void>;

  /** The instance row, or `undefined` when unknown. */
  getInstance(instanceId: string): Promise<InstanceRecord | undefined>;

  /**
   * The current execution's history, in order. Empty for unknown instances.
   * @throws TaskHubError naming the event when a stored row cannot be parsed.
   */
  getHistory(instanceId: string): Promise<HistoryEvent[]>;

  /** One page of instances matching the query, ordered by creation time then ID. */
  listInstances(query: InstanceQuery): Promise<InstancePage>;

  /**
   * Deletes finished instances (and their history, inbox and queued activities) matching the filter, plus the
   * sub-orchestrations they started. Pending, Running, Suspended and ContinuedAsNew instances are never deleted.
   * Works in bounded batches. Returns how many instances were deleted.
   */
  purgeInstances(filter: InstanceFilter & { readonly instanceId?: string | undefined }): Promise<number>;

  /**
   * Leases up to `max` instances that have visible inbox messages and no live lease. Never returns two work items
   * for one instance, and never an instance leased by another worker whose lease has not expired. Taking an instance
   * whose previous lease expired without being released counts as a lease takeover ({@link TaskHubStats}). A work
   * item carries the instance's earliest visible messages, in arrival order, up to a backend's bound (1,000 for the
   * SQL hubs); messages it does not carry keep the instance ready, for its next work item.
   */
  lockOrchestrationWorkItems(options: LockOptions): Promise<OrchestrationWorkItem[]>;

  /**
   * Commits orchestration steps, each atomically (history, instance row, consumed inbox rows, outgoing messages,
   * new instances, activities) and releases their leases. Items may share one transaction (group commit).
   * Returns one outcome per completion, in order: `undefined`, or a {@link WorkItemLockLostError} when the item's
   * lease was lost (nothing of that item is written). With `dispatch`, also leases activities the steps schedule to
   * the committing worker, in the same transaction, and returns them in `dispatched`.
   */
  completeOrchestrationWorkItems(
    completions: readonly OrchestrationCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<CompletionResults>;

  /**
   * Releases a lease without consuming anything; the messages become visible again after `delayMs`.
   * @throws WorkItemLockLostError when the lease was lost (harmless: the item is someone else's now).
   */
  abandonOrchestrationWorkItem(workItem: OrchestrationWorkItem, delayMs: number): Promise<void>;

  /** Leases up to `max` visible activity messages (an expired, unreleased lease taken over counts as a takeover). */
  lockActivityWorkItems(options: LockOptions): Promise<ActivityWorkItem[]>;

  /**
   * Commits activity outcomes: deletes each leased message and puts its result in the instance's inbox, atomically
   * per item. Results for instances that no longer exist are dropped. Returns outcomes as for orchestrations. With
   * `dispatch`, also leases the instances the results go to (when they are then ready and not leased) to the
   * committing worker, in the same transaction, and returns them in `dispatched`.
   */
  completeActivityWorkItems(
    completions: readonly ActivityCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<CompletionResults>;

  /**
   * Releases an activity lease; the message becomes visible again after `delayMs`.
   * @throws WorkItemLockLostError when the lease was lost.
   */
  abandonActivityWorkItem(workItem: ActivityWorkItem, delayMs: number): Promise<void>;

  /**
   * Extends an activity lease (long-running activities). Returns the new expiry.
   * @throws WorkItemLockLostError when the lease was lost.
   */
  renewActivityWorkItem(workItem: ActivityWorkItem, leaseMs: number): Promise<number>;

  /**
   * Subscribes to notices of new work and instance changes, from this process and (where the backend can) others.
   * Returns an unsubscribe function. Backends without cross-process notification still notify in-process.
   */
  subscribe(listener: (notice: TaskHubNotice) => void): () => void;

  /**
   * Records that a worker is alive (`taskhub health` lists workers seen). Workers call it when they start, every few
   * seconds while they run, and with `stopping: true` when they stop (which forgets the worker). Workers not seen for
   * 24 hours are forgotten too.
   */
  recordWorkerHeartbeat(heartbeat: WorkerHeartbeat): Promise<void>;

  /** Counts for health output: queue depths, oldest pending work, leases, workers seen, lease takeovers. */
  getStats(): Promise<TaskHubStats>;
}
