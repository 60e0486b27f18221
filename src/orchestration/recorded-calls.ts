/**
 * The calls a history records: its scheduling events (an activity, a timer, a sub-orchestration, an event sent, an
 * entity message), each with the task ID it was recorded under, and whether an action the code issued is that call
 * (kind and name, as the executor matches them on replay). For checks that read a history beside a replay, such as
 * the test environment's final-history check.
 * @module
 */
import type { HistoryEvent } from "../core/history-event.js";
import type { OrchestratorAction } from "./actions.js";
import { describeEntityEvent, matchesEntityEvent } from "./entity-calls.js";

/** One call a history recorded. */
export interface RecordedCall {
  /** The task ID (the orchestrator's sequence number) it was recorded under. */
  readonly id: number;
  /** As `NonDeterminismError` words it: `TaskScheduled 'Charge'`. */
  readonly description: string;
  /** Whether `action` is this call. */
  matches(action: OrchestratorAction): boolean;
}

/** The call `event` records, or `undefined` when it is not a scheduling event. */
export function recordedCall(event: HistoryEvent): RecordedCall | undefined {
  const call = (what: string, matches: (a: OrchestratorAction) => boolean): RecordedCall | undefined =>
    "eventId" in event ? { id: event.eventId, description: `${event.type} '${what}'`, matches } : undefined;
  switch (event.type) {
    case "TaskScheduled":
      return call(event.name, (a) => a.type === "ScheduleTask" && sameName(a.name, event.name));
    case "TimerCreated":
      return call(event.fireAt, (a) => a.type === "CreateTimer");
    case "SubOrchestrationInstanceCreated":
      return call(
        event.name,
        (a) =>
          a.type === "CreateSubOrchestration" &&
          sameName(a.name, event.name) &&
          a.instanceId === event.instanceId,
      );
    case "EventSent":
      return call(event.name, (a) => a.type === "SendEvent" && sameName(a.name, event.name));
    case "EntityOperationCalled":
    case "EntityOperationSignaled":
    case "EntityLockRequested":
    case "EntityUnlockSent":
      return call(describeEntityEvent(event), (a) => matchesEntityEvent(a, event));
    default:
      return undefined;
  }
}

function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}
