/**
 * History events: the event-sourced record of one orchestration execution.
 *
 * Every change to an orchestration is one of these events. The executor rebuilds an orchestrator by replaying them in
 * order; the task hub stores them per instance. Names follow the Durable Task protocol. Payloads (`input`, `result`)
 * are JSON text, serialized once at the edge and stored as is.
 *
 * Scheduling events carry `eventId`, the orchestrator's sequence number for the task; completion events point back to
 * it with `taskScheduledId` (or `timerId`). Handle the union with an exhaustive `switch` and {@link assertNever}.
 *
 * @module
 */
import type { FailureDetails } from "./failure.js";
import type { RuntimeStatus } from "./runtime-status.js";

/** Parent information recorded on a sub-orchestration's {@link ExecutionStarted}. */
export interface ParentInstanceInfo {
  /** The parent's instance ID. */
  readonly instanceId: string;
  /** The parent's execution ID at the time it scheduled the child. */
  readonly executionId: string;
  /** The parent's orchestrator name. */
  readonly name: string;
  /** The parent's sequence number for the sub-orchestration task. */
  readonly taskScheduledId: number;
}

interface EventBase {
  /** ISO-8601 time at which the event was created. */
  readonly timestamp: string;
}

/** First event of every execution: which orchestrator runs, with what input. */
export interface ExecutionStarted extends EventBase {
  readonly type: "ExecutionStarted";
  readonly name: string;
  readonly instanceId: string;
  /** Identifies this execution; a new one is minted by continue-as-new and by restart. */
  readonly executionId: string;
  readonly input?: string | undefined;
  readonly parent?: ParentInstanceInfo | undefined;
  /** Set when the client asked for a delayed start. */
  readonly scheduledStartTime?: string | undefined;
  /** App version stamped on the instance when it was created. */
  readonly version?: string | undefined;
}

/** Last event of an execution. */
export interface ExecutionCompleted extends EventBase {
  readonly type: "ExecutionCompleted";
  readonly status: Extract<RuntimeStatus, "Completed" | "Failed" | "Terminated" | "ContinuedAsNew">;
  readonly result?: string | undefined;
  readonly failure?: FailureDetails | undefined;
}

/** A terminate request, delivered through the inbox. */
export interface ExecutionTerminated extends EventBase {
  readonly type: "ExecutionTerminated";
  readonly reason?: string | undefined;
}

/** A suspend request, delivered through the inbox. */
export interface ExecutionSuspended extends EventBase {
  readonly type: "ExecutionSuspended";
  readonly reason?: string | undefined;
}

/** A resume request, delivered through the inbox. */
export interface ExecutionResumed extends EventBase {
  readonly type: "ExecutionResumed";
  readonly reason?: string | undefined;
}

/** A rewind request: failed tasks of the last execution are forgotten and run again. */
export interface ExecutionRewound extends EventBase {
  readonly type: "ExecutionRewound";
  readonly reason?: string | undefined;
}

/** Marks the start of one episode (one run of the orchestrator over new events). Its timestamp is "now". */
export interface OrchestratorStarted extends EventBase {
  readonly type: "OrchestratorStarted";
}

/** Marks the end of one episode. */
export interface OrchestratorCompleted extends EventBase {
  readonly type: "OrchestratorCompleted";
}

/** An activity was scheduled. */
export interface TaskScheduled extends EventBase {
  readonly type: "TaskScheduled";
  readonly eventId: number;
  readonly name: string;
  readonly input?: string | undefined;
  /** Retry attempt, present from the second attempt on. */
  readonly attempt?: number | undefined;
  /** `eventId` of the call's first attempt, present from the second attempt on. */
  readonly firstAttemptId?: number | undefined;
}

/** An activity returned. */
export interface TaskCompleted extends EventBase {
  readonly type: "TaskCompleted";
  readonly taskScheduledId: number;
  readonly result?: string | undefined;
}

/** An activity threw (after its own attempt; orchestration-level retries schedule new tasks). */
export interface TaskFailed extends EventBase {
  readonly type: "TaskFailed";
  readonly taskScheduledId: number;
  readonly failure: FailureDetails;
}

/** A sub-orchestration was scheduled. */
export interface SubOrchestrationInstanceCreated extends EventBase {
  readonly type: "SubOrchestrationInstanceCreated";
  readonly eventId: number;
  readonly name: string;
  readonly instanceId: string;
  readonly input?: string | undefined;
}

/** A sub-orchestration completed. */
export interface SubOrchestrationInstanceCompleted extends EventBase {
  readonly type: "SubOrchestrationInstanceCompleted";
  readonly taskScheduledId: number;
  readonly result?: string | undefined;
}

/** A sub-orchestration failed (or could not be started). */
export interface SubOrchestrationInstanceFailed extends EventBase {
  readonly type: "SubOrchestrationInstanceFailed";
  readonly taskScheduledId: number;
  readonly failure: FailureDetails;
}

/** A durable timer was created. */
export interface TimerCreated extends EventBase {
  readonly type: "TimerCreated";
  readonly eventId: number;
  /** ISO-8601 due time. */
  readonly fireAt: string;
}

/** A durable timer fired. */
export interface TimerFired extends EventBase {
  readonly type: "TimerFired";
  readonly timerId: number;
  readonly fireAt: string;
}

/** An external event arrived for the instance. */
export interface EventRaised extends EventBase {
  readonly type: "EventRaised";
  readonly name: string;
  readonly input?: string | undefined;
}

/** The orchestrator sent an event to another instance. */
export interface EventSent extends EventBase {
  readonly type: "EventSent";
  readonly eventId: number;
  readonly instanceId: string;
  readonly name: string;
  readonly input?: string | undefined;
}

/** The set of all history events. */
export type HistoryEvent =
  | ExecutionStarted
  | ExecutionCompleted
  | ExecutionTerminated
  | ExecutionSuspended
  | ExecutionResumed
  | ExecutionRewound
  | OrchestratorStarted
  | OrchestratorCompleted
  | TaskScheduled
  | TaskCompleted
  | TaskFailed
  | SubOrchestrationInstanceCreated
  | SubOrchestrationInstanceCompleted
  | SubOrchestrationInstanceFailed
  | TimerCreated
  | TimerFired
  | EventRaised
  | EventSent;

/** The discriminator values of {@link HistoryEvent}. */
export type HistoryEventType = HistoryEvent["type"];

/** Narrows a history event union member by its `type`. */
export type HistoryEventOf<T extends HistoryEventType> = Extract<HistoryEvent, { type: T }>;

/** Exhaustiveness helper for `switch` statements over discriminated unions. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
