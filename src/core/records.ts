/**
 * The records every layer shares: an instance's stored state, inbox messages, work items and the completions that
 * commit them. The task hub contract (`task-hub/task-hub.ts`) stores and hands out these; the pure executor
 * (`orchestration/`) reads work items and produces completions without importing storage.
 *
 * All times are epoch milliseconds. All payloads are JSON text (see `json.ts`).
 * @module
 */
import type { WorkItemLockLostError } from "./errors.js";
import type { FailureDetails } from "./failure.js";
import type { ExecutionStarted, HistoryEvent, TaskCompleted, TaskFailed } from "./history-event.js";
import type { RuntimeStatus } from "./runtime-status.js";
import type { TraceContext } from "./trace-context.js";

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
  /** Tags given when the instance was started (string keys and values); absent when none. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
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
  /**
   * How many times the instance was leased since its last committed step, this lease included (1 = first delivery).
   * Counted by the hub, across processes and restarts; a lease released with `TaskHub.abandonWorkItem` gives its
   * delivery back, so a count above 1 means earlier deliveries ended by lease expiry: their worker crashed or hung.
   * The worker quarantines work whose count passes its `maxDeliveryCount` (poison work).
   */
  readonly deliveryCount: number;
  /** Set by a claim that took over an expired, unreleased lease: the worker that held it (a lease takeover). */
  readonly takenOverFrom?: string | undefined;
}

/** What one orchestration step changes, committed atomically by `TaskHub.completeOrchestrationWorkItems`. */
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
   * True when the step quarantines poison work (the work item passed its `maxDeliveryCount`; no user code ran): the
   * hub counts it in its health stats (`TaskHubStats.quarantinedWorkItems`) with the commit.
   */
  readonly quarantined?: boolean | undefined;
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
  /**
   * The version of the execution the step started (a new execution may have another one, after continue-as-new);
   * absent: the instance's version is left as it is.
   */
  readonly version?: string | undefined;
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
  /** The call's limit on one attempt's run time (`callActivity`'s `timeoutMs`); absent: the activity's default. */
  readonly timeoutMs?: number | undefined;
  /**
   * The call's limit on the time between heartbeats (`callActivity`'s `heartbeatTimeoutMs`); absent: the activity's
   * default.
   */
  readonly heartbeatTimeoutMs?: number | undefined;
  /** The trace context of the orchestration span that scheduled it (its `TaskScheduled`'s); absent: not traced. */
  readonly parentTraceContext?: TraceContext | undefined;
}

/** An activity work item: one leased activity message. */
export interface ActivityWorkItem extends NewActivityMessage {
  readonly id: number;
  readonly lockToken: string;
  readonly lockExpiresAt: number;
  /**
   * How many times this message has been handed to a worker, this time included (1 = first delivery), counted by the
   * hub. As for {@link OrchestrationWorkItem.deliveryCount}, a lease released with `TaskHub.abandonWorkItem` gives
   * its delivery back: a count above 1 means earlier deliveries ended by lease expiry (a crash or a hang).
   */
  readonly deliveryCount: number;
  /** Set by a claim that took over an expired, unreleased lease: the worker that held it (a lease takeover). */
  readonly takenOverFrom?: string | undefined;
  /**
   * JSON text of the last heartbeat details an earlier delivery of this message stored
   * (`TaskHub.renewActivityWorkItem`); absent on a first delivery and when none were stored.
   */
  readonly heartbeatDetails?: string | undefined;
}

/** The outcome of one activity, committed by `TaskHub.completeActivityWorkItems`. */
export interface ActivityCompletion {
  readonly workItem: ActivityWorkItem;
  /** Delivered to the instance's inbox, tagged with the work item's execution ID. */
  readonly result: TaskCompleted | TaskFailed;
  /** True when the result quarantines poison work (a `PoisonMessageError`); counted as for orchestration steps. */
  readonly quarantined?: boolean | undefined;
}

/** Per-item outcome of a batched completion: `undefined` for success. */
export type CompletionOutcome = undefined | WorkItemLockLostError;

/** True when `workItem` is an activity work item (rather than an orchestration one). */
export function isActivityWorkItem(
  workItem: OrchestrationWorkItem | ActivityWorkItem,
): workItem is ActivityWorkItem {
  return "taskId" in workItem;
}
