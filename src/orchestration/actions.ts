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
}

/** Start a sub-orchestration. */
export interface CreateSubOrchestrationAction {
  readonly type: "CreateSubOrchestration";
  readonly id: number;
  readonly name: string;
  readonly instanceId: string;
  readonly input?: string | undefined;
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

/** A scheduling action (one that is recorded in history under its `id`). */
export type OrchestratorAction =
  ScheduleTaskAction | CreateSubOrchestrationAction | CreateTimerAction | SendEventAction;

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
  }
}
