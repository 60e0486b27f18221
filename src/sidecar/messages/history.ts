/**
 * History events of the Durable Task protocol, decoded (see `./wire-types.ts` for the conventions).
 * @module
 */
import type {
  OrchestrationInstance,
  OrchestrationState,
  ParentInstanceInfo,
  TaskFailureDetails,
  TraceContext,
} from "./common.js";
import type { Empty, OneOf, OrchestrationStatus, StringValue, Timestamp } from "./wire-types.js";

/** The payload of a {@link HistoryEvent} whose `eventType` is `executionStarted`. */
export interface ExecutionStartedEvent {
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly orchestrationInstance: OrchestrationInstance | null;
  readonly parentInstance: ParentInstanceInfo | null;
  readonly scheduledStartTimestamp: Timestamp | null;
  readonly parentTraceContext: TraceContext | null;
  readonly orchestrationSpanID: StringValue | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `executionCompleted`. */
export interface ExecutionCompletedEvent {
  readonly orchestrationStatus: OrchestrationStatus;
  readonly result: StringValue | null;
  readonly failureDetails: TaskFailureDetails | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `executionTerminated`. */
export interface ExecutionTerminatedEvent {
  readonly input: StringValue | null;
  readonly recurse: boolean;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `taskScheduled`. */
export interface TaskScheduledEvent {
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly parentTraceContext: TraceContext | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `taskCompleted`. */
export interface TaskCompletedEvent {
  readonly taskScheduledId: number;
  readonly result: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `taskFailed`. */
export interface TaskFailedEvent {
  readonly taskScheduledId: number;
  readonly failureDetails: TaskFailureDetails | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `subOrchestrationInstanceCreated`. */
export interface SubOrchestrationInstanceCreatedEvent {
  readonly instanceId: string;
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly parentTraceContext: TraceContext | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `subOrchestrationInstanceCompleted`. */
export interface SubOrchestrationInstanceCompletedEvent {
  readonly taskScheduledId: number;
  readonly result: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `subOrchestrationInstanceFailed`. */
export interface SubOrchestrationInstanceFailedEvent {
  readonly taskScheduledId: number;
  readonly failureDetails: TaskFailureDetails | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `timerCreated`. */
export interface TimerCreatedEvent {
  readonly fireAt: Timestamp | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `timerFired`. */
export interface TimerFiredEvent {
  readonly fireAt: Timestamp | null;
  readonly timerId: number;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `orchestratorStarted`. (no fields) */
export type OrchestratorStartedEvent = Empty;

/** The payload of a {@link HistoryEvent} whose `eventType` is `orchestratorCompleted`. (no fields) */
export type OrchestratorCompletedEvent = Empty;

/** The payload of a {@link HistoryEvent} whose `eventType` is `eventSent`. */
export interface EventSentEvent {
  readonly instanceId: string;
  readonly name: string;
  readonly input: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `eventRaised`. */
export interface EventRaisedEvent {
  readonly name: string;
  readonly input: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `genericEvent`. */
export interface GenericEvent {
  readonly data: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `historyState`. */
export interface HistoryStateEvent {
  readonly orchestrationState: OrchestrationState | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `continueAsNew`. */
export interface ContinueAsNewEvent {
  readonly input: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `executionSuspended`. */
export interface ExecutionSuspendedEvent {
  readonly input: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `executionResumed`. */
export interface ExecutionResumedEvent {
  readonly input: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityOperationSignaled`. */
export interface EntityOperationSignaledEvent {
  readonly requestId: string;
  readonly operation: string;
  readonly scheduledTime: Timestamp | null;
  readonly input: StringValue | null;
  readonly targetInstanceId: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityOperationCalled`. */
export interface EntityOperationCalledEvent {
  readonly requestId: string;
  readonly operation: string;
  readonly scheduledTime: Timestamp | null;
  readonly input: StringValue | null;
  readonly parentInstanceId: StringValue | null;
  readonly parentExecutionId: StringValue | null;
  readonly targetInstanceId: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityLockRequested`. */
export interface EntityLockRequestedEvent {
  readonly criticalSectionId: string;
  readonly lockSet: readonly string[];
  readonly position: number;
  readonly parentInstanceId: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityOperationCompleted`. */
export interface EntityOperationCompletedEvent {
  readonly requestId: string;
  readonly output: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityOperationFailed`. */
export interface EntityOperationFailedEvent {
  readonly requestId: string;
  readonly failureDetails: TaskFailureDetails | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityUnlockSent`. */
export interface EntityUnlockSentEvent {
  readonly criticalSectionId: string;
  readonly parentInstanceId: StringValue | null;
  readonly targetInstanceId: StringValue | null;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `entityLockGranted`. */
export interface EntityLockGrantedEvent {
  readonly criticalSectionId: string;
}

/** The payload of a {@link HistoryEvent} whose `eventType` is `executionRewound`. */
export interface ExecutionRewoundEvent {
  readonly reason: StringValue | null;
  readonly parentExecutionId: StringValue | null;
  readonly instanceId: StringValue | null;
  readonly parentTraceContext: TraceContext | null;
  readonly name: StringValue | null;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly parentInstance: ParentInstanceInfo | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The members of {@link HistoryEvent}'s `eventType` oneof. */
export interface HistoryEventOneof {
  readonly executionStarted: ExecutionStartedEvent;
  readonly executionCompleted: ExecutionCompletedEvent;
  readonly executionTerminated: ExecutionTerminatedEvent;
  readonly taskScheduled: TaskScheduledEvent;
  readonly taskCompleted: TaskCompletedEvent;
  readonly taskFailed: TaskFailedEvent;
  readonly subOrchestrationInstanceCreated: SubOrchestrationInstanceCreatedEvent;
  readonly subOrchestrationInstanceCompleted: SubOrchestrationInstanceCompletedEvent;
  readonly subOrchestrationInstanceFailed: SubOrchestrationInstanceFailedEvent;
  readonly timerCreated: TimerCreatedEvent;
  readonly timerFired: TimerFiredEvent;
  readonly orchestratorStarted: OrchestratorStartedEvent;
  readonly orchestratorCompleted: OrchestratorCompletedEvent;
  readonly eventSent: EventSentEvent;
  readonly eventRaised: EventRaisedEvent;
  readonly genericEvent: GenericEvent;
  readonly historyState: HistoryStateEvent;
  readonly continueAsNew: ContinueAsNewEvent;
  readonly executionSuspended: ExecutionSuspendedEvent;
  readonly executionResumed: ExecutionResumedEvent;
  readonly entityOperationSignaled: EntityOperationSignaledEvent;
  readonly entityOperationCalled: EntityOperationCalledEvent;
  readonly entityOperationCompleted: EntityOperationCompletedEvent;
  readonly entityOperationFailed: EntityOperationFailedEvent;
  readonly entityLockRequested: EntityLockRequestedEvent;
  readonly entityLockGranted: EntityLockGrantedEvent;
  readonly entityUnlockSent: EntityUnlockSentEvent;
  readonly executionRewound: ExecutionRewoundEvent;
}

/**
 * One history event: `eventId` (the task's sequence number on scheduling events, else -1), `timestamp`, and the event
 * in the `eventType` oneof.
 */
export type HistoryEvent = {
  readonly eventId: number;
  readonly timestamp: Timestamp | null;
} & OneOf<"eventType", HistoryEventOneof>;

/** The `HistoryChunk` message: the `StreamInstanceHistory` response (one stream message). */
export interface HistoryChunk {
  readonly events: readonly HistoryEvent[];
}
