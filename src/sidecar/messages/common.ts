/**
 * Messages shared by the work items and the client RPCs of the Durable Task protocol, decoded (see `./wire-types.ts`
 * for the conventions).
 * @module
 */
import type { OrchestrationStatus, StringValue, Timestamp, Value } from "./wire-types.js";

/** An instance and, when known, its execution. */
export interface OrchestrationInstance {
  readonly instanceId: string;
  readonly executionId: StringValue | null;
}

/** A failure: type, message, stack, the failure that caused it (`innerFailure`) and whether retries are off. */
export interface TaskFailureDetails {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace: StringValue | null;
  readonly innerFailure: TaskFailureDetails | null;
  readonly isNonRetriable: boolean;
  readonly properties: Readonly<Record<string, Value>>;
}

/** The parent of a sub-orchestration, on its `ExecutionStartedEvent`. */
export interface ParentInstanceInfo {
  readonly taskScheduledId: number;
  readonly name: StringValue | null;
  readonly version: StringValue | null;
  readonly orchestrationInstance: OrchestrationInstance | null;
}

/** A W3C trace context (`traceParent`, `traceState`); `spanID` is deprecated. */
export interface TraceContext {
  readonly traceParent: string;
  readonly spanID: string;
  readonly traceState: StringValue | null;
}

/** The `OrchestrationTraceContext` message. */
export interface OrchestrationTraceContext {
  readonly spanID: StringValue | null;
  readonly spanStartTime: Timestamp | null;
}

/** An instance's state as the client RPCs return it. */
export interface OrchestrationState {
  readonly instanceId: string;
  readonly name: string;
  readonly version: StringValue | null;
  readonly orchestrationStatus: OrchestrationStatus;
  readonly scheduledStartTimestamp: Timestamp | null;
  readonly createdTimestamp: Timestamp | null;
  readonly lastUpdatedTimestamp: Timestamp | null;
  readonly input: StringValue | null;
  readonly output: StringValue | null;
  readonly customStatus: StringValue | null;
  readonly failureDetails: TaskFailureDetails | null;
  readonly executionId: StringValue | null;
  readonly completedTimestamp: Timestamp | null;
  readonly parentInstanceId: StringValue | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The payload of a {@link PurgeInstancesRequest} whose `request` is `instanceBatch`. */
export interface InstanceBatch {
  readonly instanceIds: readonly string[];
}
