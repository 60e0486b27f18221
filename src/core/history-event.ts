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
import type { TraceContext } from "./trace-context.js";

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
  /** The instance's tags (string keys and values), given at start and kept by continue-as-new. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /**
   * Only on the inbox message that starts a new execution after `continueAsNew`: the external events carried
   * over, in order. The engine applies them right after the start, ahead of events that arrived meanwhile, and
   * records them as `EventRaised` events (the recorded `ExecutionStarted` does not keep this field).
   */
  readonly carryoverEvents?: readonly EventRaised[] | undefined;
  /**
   * The trace context the execution runs under: the client's `create_orchestration` span, or the parent's
   * orchestration span for a sub-orchestration (absent: the instance was started without tracing).
   */
  readonly parentTraceContext?: TraceContext | undefined;
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
  /**
   * Whether the instance's running sub-orchestrations are terminated too, at every depth (absent: true, as in the
   * Durable Task Scheduler; `false` only from `terminate(id, { recursive: false })`).
   */
  readonly recursive?: boolean | undefined;
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
  /** The call's `timeoutMs`, when it set one. */
  readonly timeoutMs?: number | undefined;
  /** The call's `heartbeatTimeoutMs`, when it set one. */
  readonly heartbeatTimeoutMs?: number | undefined;
  /** The orchestration span's trace context, the parent of the activity's span (absent: not traced). */
  readonly parentTraceContext?: TraceContext | undefined;
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
  /** The version stamped on the child (absent: none). */
  readonly version?: string | undefined;
  /** The parent's orchestration span's trace context, the parent of the child's span (absent: not traced). */
  readonly parentTraceContext?: TraceContext | undefined;
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

/**
 * An entity operation sent one way (a signal). Recorded in the sending orchestration's history under its `eventId`,
 * and delivered, as is, to the entity's inbox (clients and entities send it too, with `eventId` -1).
 */
export interface EntityOperationSignaled extends EventBase {
  readonly type: "EntityOperationSignaled";
  /** The orchestrator's sequence number; -1 when the sender is a client or an entity. */
  readonly eventId: number;
  /** Unique per request. */
  readonly requestId: string;
  readonly operation: string;
  readonly input?: string | undefined;
  /** The entity's instance ID, `@name@key`. */
  readonly targetInstanceId: string;
  /** ISO-8601 time before which the operation is not delivered. */
  readonly scheduledTime?: string | undefined;
  /** The sender (an orchestration or entity instance ID); absent for clients. */
  readonly parentInstanceId?: string | undefined;
  /** The sender's span (an orchestration span, a client's signal span), parent of the operation's span. */
  readonly parentTraceContext?: TraceContext | undefined;
}

/** An entity operation called by an orchestration, which awaits the response. Recorded and delivered like a signal. */
export interface EntityOperationCalled extends EventBase {
  readonly type: "EntityOperationCalled";
  readonly eventId: number;
  /** Unique per request; the response carries it back. */
  readonly requestId: string;
  readonly operation: string;
  readonly input?: string | undefined;
  readonly targetInstanceId: string;
  /** The calling orchestration. */
  readonly parentInstanceId: string;
  /** The calling execution: the response is delivered to it only. */
  readonly parentExecutionId: string;
  /** The calling orchestration's span, parent of the operation's span (absent: not traced). */
  readonly parentTraceContext?: TraceContext | undefined;
}

/** The response to {@link EntityOperationCalled}: the operation returned. */
export interface EntityOperationCompleted extends EventBase {
  readonly type: "EntityOperationCompleted";
  readonly requestId: string;
  readonly result?: string | undefined;
}

/** The response to {@link EntityOperationCalled}: the operation threw (its changes were rolled back). */
export interface EntityOperationFailed extends EventBase {
  readonly type: "EntityOperationFailed";
  readonly requestId: string;
  readonly failure: FailureDetails;
}

/**
 * A request to lock the entities of a critical section. Recorded in the orchestration's history, then passed along
 * the sorted `lockSet`: the entity at `position` locks itself and forwards the request to the next one; the last
 * one sends {@link EntityLockGranted} to the orchestration.
 */
export interface EntityLockRequested extends EventBase {
  readonly type: "EntityLockRequested";
  readonly eventId: number;
  readonly criticalSectionId: string;
  /** Entity instance IDs, sorted (the global lock order). */
  readonly lockSet: readonly string[];
  /** Index in `lockSet` of the entity the request is addressed to. */
  readonly position: number;
  readonly parentInstanceId: string;
  readonly parentExecutionId: string;
}

/** Every entity of a critical section is locked. Delivered to the orchestration that asked. */
export interface EntityLockGranted extends EventBase {
  readonly type: "EntityLockGranted";
  readonly criticalSectionId: string;
}

/**
 * Releases an entity lock. Recorded in the orchestration's history when the section ends (`eventId` -1 for releases
 * sent when the execution ends, by a client, or forwarded by an entity). With `lockSet`, the release travels along
 * the lock chain (used when the orchestration ended before the locks were granted).
 */
export interface EntityUnlockSent extends EventBase {
  readonly type: "EntityUnlockSent";
  readonly eventId: number;
  readonly criticalSectionId: string;
  readonly targetInstanceId: string;
  /** The orchestration that held the lock. */
  readonly parentInstanceId: string;
  /** Set for a release along the chain: the entities still to release, and this entity's index. */
  readonly lockSet?: readonly string[] | undefined;
  readonly position?: number | undefined;
}

/**
 * A patch marker: the execution reached `ctx.patched(patchId)` on code that has the patch, and took the patched
 * branch. Replay gives `patched(patchId)` true only where its marker is recorded, so histories recorded before the
 * patch (without the marker) replay on the old branch. A marker takes no task ID: `position` is the sequence number
 * the orchestrator's next task had when the code called `patched` (the marker is recorded just before that task's
 * event). A marker no code asks for any more (the patch deprecated, then removed) is ignored on replay.
 */
export interface PatchMarkerRecorded extends EventBase {
  readonly type: "PatchMarkerRecorded";
  readonly patchId: string;
  readonly position: number;
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
  | EventSent
  | EntityOperationSignaled
  | EntityOperationCalled
  | EntityOperationCompleted
  | EntityOperationFailed
  | EntityLockRequested
  | EntityLockGranted
  | EntityUnlockSent
  | PatchMarkerRecorded;

/** The discriminator values of {@link HistoryEvent}. */
export type HistoryEventType = HistoryEvent["type"];

/** Narrows a history event union member by its `type`. */
export type HistoryEventOf<T extends HistoryEventType> = Extract<HistoryEvent, { type: T }>;

/** Exhaustiveness helper for `switch` statements over discriminated unions. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
