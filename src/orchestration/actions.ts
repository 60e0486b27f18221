/**
 * Orchestrator actions: what an episode of orchestrator code asks the engine to do. Each carries the sequence
 * number (`id`) the code assigned it, which becomes the `eventId` of the matching history event.
 * @module
 */

/** Run an activity. */
export interface ScheduleTaskAction {
  readonly type: "ScheduleTask";
  readonly id: number;
  readonly name: string;
  readonly input?: string | undefined;
  /** Retry attempt (1 = first). */
  readonly attempt: number;
  /** Sequence number of the first attempt of this call; the idempotency key derives from it. */
  readonly firstAttemptId: number;
  /** The call's limit on one attempt's run time, in ms. */
  readonly timeoutMs?: number | undefined;
  /** The call's limit on the time between the attempt's heartbeats, in ms. */
  readonly heartbeatTimeoutMs?: number | undefined;
}

/** Start a sub-orchestration. */
export interface CreateSubOrchestrationAction {
  readonly type: "CreateSubOrchestration";
  readonly id: number;
  readonly name: string;
  readonly instanceId: string;
  readonly input?: string | undefined;
  /** The version stamped on the child: absent, the parent's; `""`, none. */
  readonly version?: string | undefined;
}

/** Create a durable timer. */
export interface CreateTimerAction {
  readonly type: "CreateTimer";
  readonly id: number;
  /** ISO-8601 due time. */
  readonly fireAt: string;
}

/** Send an event to another instance. */
export interface SendEventAction {
  readonly type: "SendEvent";
  readonly id: number;
  readonly instanceId: string;
  readonly name: string;
  readonly input?: string | undefined;
}

/** Call an entity operation and await its response. */
export interface CallEntityAction {
  readonly type: "CallEntity";
  readonly id: number;
  readonly requestId: string;
  /** The entity's instance ID, `@name@key`. */
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input?: string | undefined;
}

/** Signal an entity operation (one way), optionally at a later time. */
export interface SignalEntityAction {
  readonly type: "SignalEntity";
  readonly id: number;
  readonly requestId: string;
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input?: string | undefined;
  /** ISO-8601 delivery time. */
  readonly scheduledTime?: string | undefined;
}

/** Lock the entities of a critical section (sorted: the global lock order). */
export interface LockEntitiesAction {
  readonly type: "LockEntities";
  readonly id: number;
  readonly criticalSectionId: string;
  readonly lockSet: readonly string[];
}

/** Release one entity lock of a critical section. */
export interface UnlockEntityAction {
  readonly type: "UnlockEntity";
  readonly id: number;
  readonly criticalSectionId: string;
  readonly targetInstanceId: string;
}

/** An entity action. */
export type EntityAction = CallEntityAction | SignalEntityAction | LockEntitiesAction | UnlockEntityAction;

/** A scheduling action (one that is recorded in history under its `id`). */
export type OrchestratorAction =
  ScheduleTaskAction | CreateSubOrchestrationAction | CreateTimerAction | SendEventAction | EntityAction;

/** Human description of an action, for non-determinism messages. */
export function describeAction(action: OrchestratorAction): string {
  switch (action.type) {
    case "ScheduleTask":
      return `callActivity('${action.name}')`;
    case "CreateSubOrchestration":
      return `callSubOrchestrator('${action.name}', instance '${action.instanceId}')`;
    case "CreateTimer":
      return `createTimer(${action.fireAt})`;
    case "SendEvent":
      return `sendEvent('${action.name}' to '${action.instanceId}')`;
    case "CallEntity":
      return `callEntity('${action.targetInstanceId}', '${action.operation}')`;
    case "SignalEntity":
      return `signalEntity('${action.targetInstanceId}', '${action.operation}')`;
    case "LockEntities":
      return `lockEntities(${action.lockSet.map((id) => `'${id}'`).join(", ")})`;
    case "UnlockEntity":
      return `release of the lock on '${action.targetInstanceId}'`;
  }
}
