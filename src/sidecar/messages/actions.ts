/**
 * Orchestrator actions of the Durable Task protocol, decoded (see `./wire-types.ts` for the conventions).
 * @module
 */
import type { OrchestrationInstance, TaskFailureDetails, TraceContext } from "./common.js";
import type {
  EntityLockRequestedEvent,
  EntityOperationCalledEvent,
  EntityOperationSignaledEvent,
  EntityUnlockSentEvent,
  HistoryEvent,
} from "./history.js";
import type { OneOf, OrchestrationStatus, StringValue, Timestamp } from "./wire-types.js";

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `scheduleTask`. */
export interface ScheduleTaskAction {
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly parentTraceContext: TraceContext | null;
}

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `createSubOrchestration`. */
export interface CreateSubOrchestrationAction {
  readonly instanceId: string;
  readonly name: string;
  readonly version: StringValue | null;
  readonly input: StringValue | null;
  readonly parentTraceContext: TraceContext | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `createTimer`. */
export interface CreateTimerAction {
  readonly fireAt: Timestamp | null;
}

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `sendEvent`. */
export interface SendEventAction {
  readonly instance: OrchestrationInstance | null;
  readonly name: string;
  readonly data: StringValue | null;
}

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `completeOrchestration`. */
export interface CompleteOrchestrationAction {
  readonly orchestrationStatus: OrchestrationStatus;
  readonly result: StringValue | null;
  readonly details: StringValue | null;
  readonly newVersion: StringValue | null;
  readonly carryoverEvents: readonly HistoryEvent[];
  readonly failureDetails: TaskFailureDetails | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `terminateOrchestration`. */
export interface TerminateOrchestrationAction {
  readonly instanceId: string;
  readonly reason: StringValue | null;
  readonly recurse: boolean;
}

/** The members of {@link SendEntityMessageAction}'s `EntityMessageType` oneof. */
export interface SendEntityMessageActionOneof {
  readonly entityOperationSignaled: EntityOperationSignaledEvent;
  readonly entityOperationCalled: EntityOperationCalledEvent;
  readonly entityLockRequested: EntityLockRequestedEvent;
  readonly entityUnlockSent: EntityUnlockSentEvent;
}

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `sendEntityMessage`. */
export type SendEntityMessageAction = {} & OneOf<"EntityMessageType", SendEntityMessageActionOneof>;

/** The payload of a {@link OrchestratorAction} whose `orchestratorActionType` is `rewindOrchestration`. */
export interface RewindOrchestrationAction {
  readonly newHistory: readonly HistoryEvent[];
}

/** The members of {@link OrchestratorAction}'s `orchestratorActionType` oneof. */
export interface OrchestratorActionOneof {
  readonly scheduleTask: ScheduleTaskAction;
  readonly createSubOrchestration: CreateSubOrchestrationAction;
  readonly createTimer: CreateTimerAction;
  readonly sendEvent: SendEventAction;
  readonly completeOrchestration: CompleteOrchestrationAction;
  readonly terminateOrchestration: TerminateOrchestrationAction;
  readonly sendEntityMessage: SendEntityMessageAction;
  readonly rewindOrchestration: RewindOrchestrationAction;
}

/**
 * One action an orchestrator returns: its `id` (the sequence number its history event takes as `eventId`) and the
 * action in the `orchestratorActionType` oneof.
 */
export type OrchestratorAction = {
  readonly id: number;
} & OneOf<"orchestratorActionType", OrchestratorActionOneof>;
