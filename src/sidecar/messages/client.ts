/**
 * The client RPCs' requests and responses of the Durable Task protocol, decoded (see `./wire-types.ts` for the
 * conventions).
 * @module
 */
import type { InstanceBatch, OrchestrationState, TraceContext } from "./common.js";
import type {
  BoolValue,
  Duration,
  Empty,
  OneOf,
  OrchestrationStatus,
  StringValue,
  Timestamp,
} from "./wire-types.js";

/** The `CreateInstanceRequest` message: the `StartInstance` request. */
export interface CreateInstanceRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly scheduledStartTimestamp: Timestamp | null;
  readonly orchestrationIdReusePolicy: OrchestrationIdReusePolicy | null;
  readonly executionId: StringValue | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly parentTraceContext: TraceContext | null;
  readonly requestTime: Timestamp | null;
}

/** The `OrchestrationIdReusePolicy` message. */
export interface OrchestrationIdReusePolicy {
  readonly replaceableStatus: readonly OrchestrationStatus[];
}

/** The `CreateInstanceResponse` message: the `StartInstance` response. */
export interface CreateInstanceResponse {
  readonly instanceId: string;
}

/**
 * The `GetInstanceRequest` message: the `GetInstance` request, the `WaitForInstanceStart` request, the
 * `WaitForInstanceCompletion` request.
 */
export interface GetInstanceRequest {
  readonly instanceId: string;
  readonly getInputsAndOutputs: boolean;
}

/**
 * The `GetInstanceResponse` message: the `GetInstance` response, the `WaitForInstanceStart` response, the
 * `WaitForInstanceCompletion` response.
 */
export interface GetInstanceResponse {
  readonly exists: boolean;
  readonly orchestrationState: OrchestrationState | null;
}

/** The `RewindInstanceRequest` message: the `RewindInstance` request. */
export interface RewindInstanceRequest {
  readonly instanceId: string;
  readonly reason: StringValue | null;
}

/** The `RewindInstanceResponse` message: the `RewindInstance` response. (no fields) */
export type RewindInstanceResponse = Empty;

/** The `RaiseEventRequest` message: the `RaiseEvent` request. */
export interface RaiseEventRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly input: StringValue | null;
}

/** The `RaiseEventResponse` message: the `RaiseEvent` response. (no fields) */
export type RaiseEventResponse = Empty;

/** The `TerminateRequest` message: the `TerminateInstance` request. */
export interface TerminateRequest {
  readonly instanceId: string;
  readonly output: StringValue | null;
  readonly recursive: boolean;
}

/** The `TerminateResponse` message: the `TerminateInstance` response. (no fields) */
export type TerminateResponse = Empty;

/** The `SuspendRequest` message: the `SuspendInstance` request. */
export interface SuspendRequest {
  readonly instanceId: string;
  readonly reason: StringValue | null;
}

/** The `SuspendResponse` message: the `SuspendInstance` response. (no fields) */
export type SuspendResponse = Empty;

/** The `ResumeRequest` message: the `ResumeInstance` request. */
export interface ResumeRequest {
  readonly instanceId: string;
  readonly reason: StringValue | null;
}

/** The `ResumeResponse` message: the `ResumeInstance` response. (no fields) */
export type ResumeResponse = Empty;

/** The `QueryInstancesRequest` message: the `QueryInstances` request. */
export interface QueryInstancesRequest {
  readonly query: InstanceQuery | null;
}

/** The `InstanceQuery` message. */
export interface InstanceQuery {
  readonly runtimeStatus: readonly OrchestrationStatus[];
  readonly createdTimeFrom: Timestamp | null;
  readonly createdTimeTo: Timestamp | null;
  readonly taskHubNames: readonly StringValue[];
  readonly maxInstanceCount: number;
  readonly continuationToken: StringValue | null;
  readonly instanceIdPrefix: StringValue | null;
  readonly fetchInputsAndOutputs: boolean;
}

/** The `QueryInstancesResponse` message: the `QueryInstances` response. */
export interface QueryInstancesResponse {
  readonly orchestrationState: readonly OrchestrationState[];
  readonly continuationToken: StringValue | null;
}

/** The `ListInstanceIdsRequest` message: the `ListInstanceIds` request. */
export interface ListInstanceIdsRequest {
  readonly runtimeStatus: readonly OrchestrationStatus[];
  readonly completedTimeFrom: Timestamp | null;
  readonly completedTimeTo: Timestamp | null;
  readonly pageSize: number;
  readonly lastInstanceKey: StringValue | null;
}

/** The `ListInstanceIdsResponse` message: the `ListInstanceIds` response. */
export interface ListInstanceIdsResponse {
  readonly instanceIds: readonly string[];
  readonly lastInstanceKey: StringValue | null;
}

/** The members of {@link PurgeInstancesRequest}'s `request` oneof. */
export interface PurgeInstancesRequestOneof {
  readonly instanceId: string;
  readonly purgeInstanceFilter: PurgeInstanceFilter;
  readonly instanceBatch: InstanceBatch;
}

/** The `PurgeInstancesRequest` message: the `PurgeInstances` request. */
export type PurgeInstancesRequest = {
  readonly recursive: boolean;
  readonly isOrchestration: boolean;
} & OneOf<"request", PurgeInstancesRequestOneof>;

/** The payload of a {@link PurgeInstancesRequest} whose `request` is `purgeInstanceFilter`. */
export interface PurgeInstanceFilter {
  readonly createdTimeFrom: Timestamp | null;
  readonly createdTimeTo: Timestamp | null;
  readonly runtimeStatus: readonly OrchestrationStatus[];
  readonly timeout: Duration | null;
}

/** The `PurgeInstancesResponse` message: the `PurgeInstances` response. */
export interface PurgeInstancesResponse {
  readonly deletedInstanceCount: number;
  readonly isComplete: BoolValue | null;
}

/** The `RestartInstanceRequest` message: the `RestartInstance` request. */
export interface RestartInstanceRequest {
  readonly instanceId: string;
  readonly restartWithNewInstanceId: boolean;
}

/** The `RestartInstanceResponse` message: the `RestartInstance` response. */
export interface RestartInstanceResponse {
  readonly instanceId: string;
}

/** The `CreateTaskHubRequest` message: the `CreateTaskHub` request. */
export interface CreateTaskHubRequest {
  readonly recreateIfExists: boolean;
}

/** The `CreateTaskHubResponse` message: the `CreateTaskHub` response. (no fields) */
export type CreateTaskHubResponse = Empty;

/** The `DeleteTaskHubRequest` message: the `DeleteTaskHub` request. (no fields) */
export type DeleteTaskHubRequest = Empty;

/** The `DeleteTaskHubResponse` message: the `DeleteTaskHub` response. (no fields) */
export type DeleteTaskHubResponse = Empty;

/** The `SkipGracefulOrchestrationTerminationsRequest` message: the `SkipGracefulOrchestrationTerminations` request. */
export interface SkipGracefulOrchestrationTerminationsRequest {
  readonly instanceBatch: InstanceBatch | null;
  readonly reason: StringValue | null;
}

/**
 * The `SkipGracefulOrchestrationTerminationsResponse` message: the `SkipGracefulOrchestrationTerminations` response.
 */
export interface SkipGracefulOrchestrationTerminationsResponse {
  readonly unterminatedInstanceIds: readonly string[];
}
