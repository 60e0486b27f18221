/**
 * The RPCs of `TaskHubSidecarService`, with their request and response message types.
 * @module
 */
import type {
  CreateInstanceRequest,
  CreateInstanceResponse,
  CreateTaskHubRequest,
  CreateTaskHubResponse,
  DeleteTaskHubRequest,
  DeleteTaskHubResponse,
  GetInstanceRequest,
  GetInstanceResponse,
  ListInstanceIdsRequest,
  ListInstanceIdsResponse,
  PurgeInstancesRequest,
  PurgeInstancesResponse,
  QueryInstancesRequest,
  QueryInstancesResponse,
  RaiseEventRequest,
  RaiseEventResponse,
  RestartInstanceRequest,
  RestartInstanceResponse,
  ResumeRequest,
  ResumeResponse,
  RewindInstanceRequest,
  RewindInstanceResponse,
  SkipGracefulOrchestrationTerminationsRequest,
  SkipGracefulOrchestrationTerminationsResponse,
  SuspendRequest,
  SuspendResponse,
  TerminateRequest,
  TerminateResponse,
} from "./client.js";
import type {
  CleanEntityStorageRequest,
  CleanEntityStorageResponse,
  EntityBatchResult,
  GetEntityRequest,
  GetEntityResponse,
  QueryEntitiesRequest,
  QueryEntitiesResponse,
  SignalEntityRequest,
  SignalEntityResponse,
} from "./entities.js";
import type { HistoryChunk } from "./history.js";
import type { Empty } from "./wire-types.js";
import type {
  AbandonActivityTaskRequest,
  AbandonActivityTaskResponse,
  AbandonEntityTaskRequest,
  AbandonEntityTaskResponse,
  AbandonOrchestrationTaskRequest,
  AbandonOrchestrationTaskResponse,
  ActivityResponse,
  CompleteTaskResponse,
  GetWorkItemsRequest,
  OrchestratorResponse,
  StreamInstanceHistoryRequest,
  WorkItem,
} from "./work-items.js";

/** Every RPC of `TaskHubSidecarService` by method name: its decoded request and response types. */
export interface SidecarRpcs {
  /** `Hello`: `Empty` → `Empty`. */
  readonly Hello: { readonly request: Empty; readonly response: Empty; readonly responseStream: false };
  /** `StartInstance`: `CreateInstanceRequest` → `CreateInstanceResponse`. */
  readonly StartInstance: {
    readonly request: CreateInstanceRequest;
    readonly response: CreateInstanceResponse;
    readonly responseStream: false;
  };
  /** `GetInstance`: `GetInstanceRequest` → `GetInstanceResponse`. */
  readonly GetInstance: {
    readonly request: GetInstanceRequest;
    readonly response: GetInstanceResponse;
    readonly responseStream: false;
  };
  /** `RewindInstance`: `RewindInstanceRequest` → `RewindInstanceResponse`. */
  readonly RewindInstance: {
    readonly request: RewindInstanceRequest;
    readonly response: RewindInstanceResponse;
    readonly responseStream: false;
  };
  /** `RestartInstance`: `RestartInstanceRequest` → `RestartInstanceResponse`. */
  readonly RestartInstance: {
    readonly request: RestartInstanceRequest;
    readonly response: RestartInstanceResponse;
    readonly responseStream: false;
  };
  /** `WaitForInstanceStart`: `GetInstanceRequest` → `GetInstanceResponse`. */
  readonly WaitForInstanceStart: {
    readonly request: GetInstanceRequest;
    readonly response: GetInstanceResponse;
    readonly responseStream: false;
  };
  /** `WaitForInstanceCompletion`: `GetInstanceRequest` → `GetInstanceResponse`. */
  readonly WaitForInstanceCompletion: {
    readonly request: GetInstanceRequest;
    readonly response: GetInstanceResponse;
    readonly responseStream: false;
  };
  /** `RaiseEvent`: `RaiseEventRequest` → `RaiseEventResponse`. */
  readonly RaiseEvent: {
    readonly request: RaiseEventRequest;
    readonly response: RaiseEventResponse;
    readonly responseStream: false;
  };
  /** `TerminateInstance`: `TerminateRequest` → `TerminateResponse`. */
  readonly TerminateInstance: {
    readonly request: TerminateRequest;
    readonly response: TerminateResponse;
    readonly responseStream: false;
  };
  /** `SuspendInstance`: `SuspendRequest` → `SuspendResponse`. */
  readonly SuspendInstance: {
    readonly request: SuspendRequest;
    readonly response: SuspendResponse;
    readonly responseStream: false;
  };
  /** `ResumeInstance`: `ResumeRequest` → `ResumeResponse`. */
  readonly ResumeInstance: {
    readonly request: ResumeRequest;
    readonly response: ResumeResponse;
    readonly responseStream: false;
  };
  /** `QueryInstances`: `QueryInstancesRequest` → `QueryInstancesResponse`. */
  readonly QueryInstances: {
    readonly request: QueryInstancesRequest;
    readonly response: QueryInstancesResponse;
    readonly responseStream: false;
  };
  /** `ListInstanceIds`: `ListInstanceIdsRequest` → `ListInstanceIdsResponse`. */
  readonly ListInstanceIds: {
    readonly request: ListInstanceIdsRequest;
    readonly response: ListInstanceIdsResponse;
    readonly responseStream: false;
  };
  /** `PurgeInstances`: `PurgeInstancesRequest` → `PurgeInstancesResponse`. */
  readonly PurgeInstances: {
    readonly request: PurgeInstancesRequest;
    readonly response: PurgeInstancesResponse;
    readonly responseStream: false;
  };
  /** `GetWorkItems`: `GetWorkItemsRequest` → a stream of `WorkItem`. */
  readonly GetWorkItems: {
    readonly request: GetWorkItemsRequest;
    readonly response: WorkItem;
    readonly responseStream: true;
  };
  /** `CompleteActivityTask`: `ActivityResponse` → `CompleteTaskResponse`. */
  readonly CompleteActivityTask: {
    readonly request: ActivityResponse;
    readonly response: CompleteTaskResponse;
    readonly responseStream: false;
  };
  /** `CompleteOrchestratorTask`: `OrchestratorResponse` → `CompleteTaskResponse`. */
  readonly CompleteOrchestratorTask: {
    readonly request: OrchestratorResponse;
    readonly response: CompleteTaskResponse;
    readonly responseStream: false;
  };
  /** `CompleteEntityTask`: `EntityBatchResult` → `CompleteTaskResponse`. */
  readonly CompleteEntityTask: {
    readonly request: EntityBatchResult;
    readonly response: CompleteTaskResponse;
    readonly responseStream: false;
  };
  /** `StreamInstanceHistory`: `StreamInstanceHistoryRequest` → a stream of `HistoryChunk`. */
  readonly StreamInstanceHistory: {
    readonly request: StreamInstanceHistoryRequest;
    readonly response: HistoryChunk;
    readonly responseStream: true;
  };
  /** `CreateTaskHub`: `CreateTaskHubRequest` → `CreateTaskHubResponse`. */
  readonly CreateTaskHub: {
    readonly request: CreateTaskHubRequest;
    readonly response: CreateTaskHubResponse;
    readonly responseStream: false;
  };
  /** `DeleteTaskHub`: `DeleteTaskHubRequest` → `DeleteTaskHubResponse`. */
  readonly DeleteTaskHub: {
    readonly request: DeleteTaskHubRequest;
    readonly response: DeleteTaskHubResponse;
    readonly responseStream: false;
  };
  /** `SignalEntity`: `SignalEntityRequest` → `SignalEntityResponse`. */
  readonly SignalEntity: {
    readonly request: SignalEntityRequest;
    readonly response: SignalEntityResponse;
    readonly responseStream: false;
  };
  /** `GetEntity`: `GetEntityRequest` → `GetEntityResponse`. */
  readonly GetEntity: {
    readonly request: GetEntityRequest;
    readonly response: GetEntityResponse;
    readonly responseStream: false;
  };
  /** `QueryEntities`: `QueryEntitiesRequest` → `QueryEntitiesResponse`. */
  readonly QueryEntities: {
    readonly request: QueryEntitiesRequest;
    readonly response: QueryEntitiesResponse;
    readonly responseStream: false;
  };
  /** `CleanEntityStorage`: `CleanEntityStorageRequest` → `CleanEntityStorageResponse`. */
  readonly CleanEntityStorage: {
    readonly request: CleanEntityStorageRequest;
    readonly response: CleanEntityStorageResponse;
    readonly responseStream: false;
  };
  /** `AbandonTaskActivityWorkItem`: `AbandonActivityTaskRequest` → `AbandonActivityTaskResponse`. */
  readonly AbandonTaskActivityWorkItem: {
    readonly request: AbandonActivityTaskRequest;
    readonly response: AbandonActivityTaskResponse;
    readonly responseStream: false;
  };
  /** `AbandonTaskOrchestratorWorkItem`: `AbandonOrchestrationTaskRequest` → `AbandonOrchestrationTaskResponse`. */
  readonly AbandonTaskOrchestratorWorkItem: {
    readonly request: AbandonOrchestrationTaskRequest;
    readonly response: AbandonOrchestrationTaskResponse;
    readonly responseStream: false;
  };
  /** `AbandonTaskEntityWorkItem`: `AbandonEntityTaskRequest` → `AbandonEntityTaskResponse`. */
  readonly AbandonTaskEntityWorkItem: {
    readonly request: AbandonEntityTaskRequest;
    readonly response: AbandonEntityTaskResponse;
    readonly responseStream: false;
  };
  /**
   * `SkipGracefulOrchestrationTerminations`: `SkipGracefulOrchestrationTerminationsRequest` →
   * `SkipGracefulOrchestrationTerminationsResponse`.
   */
  readonly SkipGracefulOrchestrationTerminations: {
    readonly request: SkipGracefulOrchestrationTerminationsRequest;
    readonly response: SkipGracefulOrchestrationTerminationsResponse;
    readonly responseStream: false;
  };
}

/** The method names of `TaskHubSidecarService`. */
export type SidecarMethod = keyof SidecarRpcs;
