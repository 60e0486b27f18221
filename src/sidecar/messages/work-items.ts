/**
 * Work items, their completions and the worker RPCs of the Durable Task protocol, decoded (see `./wire-types.ts` for
 * the conventions).
 * @module
 */
import type { OrchestratorAction } from "./actions.js";
import type {
  OrchestrationInstance,
  OrchestrationTraceContext,
  TaskFailureDetails,
  TraceContext,
} from "./common.js";
import type { EntityBatchRequest, EntityRequest } from "./entities.js";
import type { HistoryEvent } from "./history.js";
import type {
  Duration,
  Empty,
  Int32Value,
  OneOf,
  StringValue,
  Value,
  WorkerCapability,
} from "./wire-types.js";

/** An activity work item: the task's name, input and `taskId` (the `TaskScheduled` event's `eventId`). */
export interface ActivityRequest {
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly orchestrationInstance: OrchestrationInstance | null;
  readonly taskId: number;
  readonly parentTraceContext: TraceContext | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** An activity work item's completion (`CompleteActivityTask`): `result`, or `failureDetails` when it failed. */
export interface ActivityResponse {
  readonly instanceId: string;
  readonly taskId: number;
  readonly result: StringValue | null;
  readonly failureDetails: TaskFailureDetails | null;
  readonly completionToken: string;
}

/**
 * An orchestration work item: the execution's `pastEvents` (replayed) and `newEvents` (the first an
 * `OrchestratorStarted`).
 */
export interface OrchestratorRequest {
  readonly instanceId: string;
  readonly executionId: StringValue | null;
  readonly pastEvents: readonly HistoryEvent[];
  readonly newEvents: readonly HistoryEvent[];
  readonly entityParameters: OrchestratorEntityParameters | null;
  readonly requiresHistoryStreaming: boolean;
  readonly properties: Readonly<Record<string, Value>>;
  readonly orchestrationTraceContext: OrchestrationTraceContext | null;
}

/** An orchestration work item's completion (`CompleteOrchestratorTask`): the actions of the episode. */
export interface OrchestratorResponse {
  readonly instanceId: string;
  readonly actions: readonly OrchestratorAction[];
  readonly customStatus: StringValue | null;
  readonly completionToken: string;
  readonly numEventsProcessed: Int32Value | null;
  readonly orchestrationTraceContext: OrchestrationTraceContext | null;
  readonly requiresHistory: boolean;
  readonly isPartial: boolean;
  readonly chunkIndex: Int32Value | null;
}

/** The `OrchestratorEntityParameters` message. */
export interface OrchestratorEntityParameters {
  readonly entityMessageReorderWindow: Duration | null;
}

/** The `AbandonActivityTaskRequest` message: the `AbandonTaskActivityWorkItem` request. */
export interface AbandonActivityTaskRequest {
  readonly completionToken: string;
}

/** The `AbandonActivityTaskResponse` message: the `AbandonTaskActivityWorkItem` response. (no fields) */
export type AbandonActivityTaskResponse = Empty;

/** The `AbandonOrchestrationTaskRequest` message: the `AbandonTaskOrchestratorWorkItem` request. */
export interface AbandonOrchestrationTaskRequest {
  readonly completionToken: string;
}

/** The `AbandonOrchestrationTaskResponse` message: the `AbandonTaskOrchestratorWorkItem` response. (no fields) */
export type AbandonOrchestrationTaskResponse = Empty;

/** The `AbandonEntityTaskRequest` message: the `AbandonTaskEntityWorkItem` request. */
export interface AbandonEntityTaskRequest {
  readonly completionToken: string;
}

/** The `AbandonEntityTaskResponse` message: the `AbandonTaskEntityWorkItem` response. (no fields) */
export type AbandonEntityTaskResponse = Empty;

/** The `GetWorkItemsRequest` message: the `GetWorkItems` request. */
export interface GetWorkItemsRequest {
  readonly maxConcurrentOrchestrationWorkItems: number;
  readonly maxConcurrentActivityWorkItems: number;
  readonly maxConcurrentEntityWorkItems: number;
  readonly capabilities: readonly WorkerCapability[];
  readonly workItemFilters: WorkItemFilters | null;
}

/** The `WorkItemFilters` message. */
export interface WorkItemFilters {
  readonly orchestrations: readonly OrchestrationFilter[];
  readonly activities: readonly ActivityFilter[];
  readonly entities: readonly EntityFilter[];
}

/** The `OrchestrationFilter` message. */
export interface OrchestrationFilter {
  readonly name: string;
  readonly versions: readonly string[];
}

/** The `ActivityFilter` message. */
export interface ActivityFilter {
  readonly name: string;
  readonly versions: readonly string[];
}

/** The `EntityFilter` message. */
export interface EntityFilter {
  readonly name: string;
}

/** The members of {@link WorkItem}'s `request` oneof. */
export interface WorkItemOneof {
  readonly orchestratorRequest: OrchestratorRequest;
  readonly activityRequest: ActivityRequest;
  readonly entityRequest: EntityBatchRequest;
  readonly healthPing: HealthPing;
  readonly entityRequestV2: EntityRequest;
}

/** A work item sent on the `GetWorkItems` stream: the request in the `request` oneof and its `completionToken`. */
export type WorkItem = {
  readonly completionToken: string;
} & OneOf<"request", WorkItemOneof>;

/**
 * The `CompleteTaskResponse` message: the `CompleteActivityTask` response, the `CompleteOrchestratorTask` response, the
 * `CompleteEntityTask` response. (no fields)
 */
export type CompleteTaskResponse = Empty;

/** The payload of a {@link WorkItem} whose `request` is `healthPing`. (no fields) */
export type HealthPing = Empty;

/** The `StreamInstanceHistoryRequest` message: the `StreamInstanceHistory` request. */
export interface StreamInstanceHistoryRequest {
  readonly instanceId: string;
  readonly executionId: StringValue | null;
  readonly forWorkItemProcessing: boolean;
}
