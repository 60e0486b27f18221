/**
 * Entity work items, their results and the entity RPCs of the Durable Task protocol, decoded (see `./wire-types.ts` for
 * the conventions).
 * @module
 */
import type { OrchestrationInstance, TaskFailureDetails, TraceContext } from "./common.js";
import type { HistoryEvent } from "./history.js";
import type { Empty, Int32Value, OneOf, StringValue, Timestamp, Value } from "./wire-types.js";

/** The `SignalEntityRequest` message: the `SignalEntity` request. */
export interface SignalEntityRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly input: StringValue | null;
  readonly requestId: string;
  readonly scheduledTime: Timestamp | null;
  readonly parentTraceContext: TraceContext | null;
  readonly requestTime: Timestamp | null;
}

/** The `SignalEntityResponse` message: the `SignalEntity` response. (no fields) */
export type SignalEntityResponse = Empty;

/** The `GetEntityRequest` message: the `GetEntity` request. */
export interface GetEntityRequest {
  readonly instanceId: string;
  readonly includeState: boolean;
}

/** The `GetEntityResponse` message: the `GetEntity` response. */
export interface GetEntityResponse {
  readonly exists: boolean;
  readonly entity: EntityMetadata | null;
}

/** The `EntityQuery` message. */
export interface EntityQuery {
  readonly instanceIdStartsWith: StringValue | null;
  readonly lastModifiedFrom: Timestamp | null;
  readonly lastModifiedTo: Timestamp | null;
  readonly includeState: boolean;
  readonly includeTransient: boolean;
  readonly pageSize: Int32Value | null;
  readonly continuationToken: StringValue | null;
}

/** The `QueryEntitiesRequest` message: the `QueryEntities` request. */
export interface QueryEntitiesRequest {
  readonly query: EntityQuery | null;
}

/** The `QueryEntitiesResponse` message: the `QueryEntities` response. */
export interface QueryEntitiesResponse {
  readonly entities: readonly EntityMetadata[];
  readonly continuationToken: StringValue | null;
}

/** The `EntityMetadata` message. */
export interface EntityMetadata {
  readonly instanceId: string;
  readonly lastModifiedTime: Timestamp | null;
  readonly backlogQueueSize: number;
  readonly lockedBy: StringValue | null;
  readonly serializedState: StringValue | null;
}

/** The `CleanEntityStorageRequest` message: the `CleanEntityStorage` request. */
export interface CleanEntityStorageRequest {
  readonly continuationToken: StringValue | null;
  readonly removeEmptyEntities: boolean;
  readonly releaseOrphanedLocks: boolean;
}

/** The `CleanEntityStorageResponse` message: the `CleanEntityStorage` response. */
export interface CleanEntityStorageResponse {
  readonly continuationToken: StringValue | null;
  readonly emptyEntitiesRemoved: number;
  readonly orphanedLocksReleased: number;
}

/** An entity work item, protocol v1 (`WorkItem.entityRequest`): the state and the operations to run. */
export interface EntityBatchRequest {
  readonly instanceId: string;
  readonly entityState: StringValue | null;
  readonly operations: readonly OperationRequest[];
  readonly properties: Readonly<Record<string, Value>>;
}

/** An entity work item's completion (`CompleteEntityTask`): per-operation results, actions and the new state. */
export interface EntityBatchResult {
  readonly results: readonly OperationResult[];
  readonly actions: readonly OperationAction[];
  readonly entityState: StringValue | null;
  readonly failureDetails: TaskFailureDetails | null;
  readonly completionToken: string;
  readonly operationInfos: readonly OperationInfo[];
  readonly requiresState: boolean;
}

/** An entity work item, protocol v2 (`WorkItem.entityRequestV2`): the operations as history events. */
export interface EntityRequest {
  readonly instanceId: string;
  readonly executionId: string;
  readonly entityState: StringValue | null;
  readonly operationRequests: readonly HistoryEvent[];
}

/** The `OperationRequest` message. */
export interface OperationRequest {
  readonly operation: string;
  readonly requestId: string;
  readonly input: StringValue | null;
  readonly traceContext: TraceContext | null;
}

/** The members of {@link OperationResult}'s `resultType` oneof. */
export interface OperationResultOneof {
  readonly success: OperationResultSuccess;
  readonly failure: OperationResultFailure;
}

/** The `OperationResult` message. */
export type OperationResult = {} & OneOf<"resultType", OperationResultOneof>;

/** The `OperationInfo` message. */
export interface OperationInfo {
  readonly requestId: string;
  readonly responseDestination: OrchestrationInstance | null;
}

/** The payload of a {@link OperationResult} whose `resultType` is `success`. */
export interface OperationResultSuccess {
  readonly result: StringValue | null;
  readonly startTimeUtc: Timestamp | null;
  readonly endTimeUtc: Timestamp | null;
}

/** The payload of a {@link OperationResult} whose `resultType` is `failure`. */
export interface OperationResultFailure {
  readonly failureDetails: TaskFailureDetails | null;
  readonly startTimeUtc: Timestamp | null;
  readonly endTimeUtc: Timestamp | null;
}

/** The members of {@link OperationAction}'s `operationActionType` oneof. */
export interface OperationActionOneof {
  readonly sendSignal: SendSignalAction;
  readonly startNewOrchestration: StartNewOrchestrationAction;
}

/** The `OperationAction` message. */
export type OperationAction = {
  readonly id: number;
} & OneOf<"operationActionType", OperationActionOneof>;

/** The payload of a {@link OperationAction} whose `operationActionType` is `sendSignal`. */
export interface SendSignalAction {
  readonly instanceId: string;
  readonly name: string;
  readonly input: StringValue | null;
  readonly scheduledTime: Timestamp | null;
  readonly requestTime: Timestamp | null;
  readonly parentTraceContext: TraceContext | null;
}

/** The payload of a {@link OperationAction} whose `operationActionType` is `startNewOrchestration`. */
export interface StartNewOrchestrationAction {
  readonly instanceId: string;
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly scheduledTime: Timestamp | null;
  readonly requestTime: Timestamp | null;
  readonly parentTraceContext: TraceContext | null;
}
