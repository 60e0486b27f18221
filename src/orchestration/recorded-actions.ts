/**
 * History events that record an action under its sequence number, how replayed code's actions are matched against
 * them, and the `NonDeterminismError` messages when they do not match. The executor (`orchestration-session.ts`)
 * and the replay checker (`replay-check.ts`) share them, so both say the same thing about the same history.
 * @module
 */
import type {
  EventSent,
  HistoryEvent,
  SubOrchestrationInstanceCreated,
  TaskScheduled,
  TimerCreated,
} from "../core/history-event.js";
import { describeAction, type OrchestratorAction } from "./actions.js";
import { describeEntityEvent, matchesEntityEvent, type EntityActionEvent } from "./entity-calls.js";

/** A history event that records an action the orchestrator scheduled, under its sequence number (`eventId`). */
export type RecordedActionEvent =
  TaskScheduled | TimerCreated | SubOrchestrationInstanceCreated | EventSent | EntityActionEvent;

/** True when `event` records an action (see {@link RecordedActionEvent}). */
export function isRecordedAction(event: HistoryEvent): event is RecordedActionEvent {
  switch (event.type) {
    case "TaskScheduled":
    case "TimerCreated":
    case "SubOrchestrationInstanceCreated":
    case "EventSent":
    case "EntityOperationCalled":
    case "EntityOperationSignaled":
    case "EntityLockRequested":
    case "EntityUnlockSent":
      return true;
    default:
      return false;
  }
}

/** What `event` recorded, as messages quote it: the activity's name, the timer's due time, the entity... */
export function describeRecorded(event: RecordedActionEvent): string {
  switch (event.type) {
    case "TaskScheduled":
    case "SubOrchestrationInstanceCreated":
    case "EventSent":
      return event.name;
    case "TimerCreated":
      return event.fireAt;
    default:
      return describeEntityEvent(event);
  }
}

/** True when `action`, issued by replayed code under `event.eventId`, is the action `event` recorded. */
export function matchesRecorded(action: OrchestratorAction, event: RecordedActionEvent): boolean {
  switch (event.type) {
    case "TaskScheduled":
      return action.type === "ScheduleTask" && sameName(action.name, event.name);
    case "TimerCreated":
      return action.type === "CreateTimer";
    case "SubOrchestrationInstanceCreated":
      return (
        action.type === "CreateSubOrchestration" &&
        sameName(action.name, event.name) &&
        action.instanceId === event.instanceId
      );
    case "EventSent":
      return action.type === "SendEvent" && sameName(action.name, event.name);
    default:
      return matchesEntityEvent(action, event);
  }
}

/**
 * The message of the `NonDeterminismError` raised when history recorded an action (`eventType` `what`) as task `id`
 * and replayed code issued `action` under that number instead, or (`action` undefined) nothing.
 */
export function divergenceMessage(
  eventType: string,
  what: string,
  id: number,
  orchestrator: string,
  action: OrchestratorAction | undefined,
): string {
  const recorded = `History recorded ${eventType} '${what}' as task #${id}, but on replay the orchestrator '${orchestrator}'`;
  return action
    ? `${recorded} called ${describeAction(action)} as task #${id}.`
    : `${recorded} did not schedule task #${id}. The code no longer does what it did when the instance ran.`;
}

/**
 * Checks the actions recorded in `events` (history after the point where the replayed code ended its execution)
 * against the actions the code issued (`issued`, by task ID): `matched` is told each one that matches; the message
 * of the first that does not (see {@link divergenceMessage}), or `undefined` when all do.
 */
export function firstDivergence(
  events: readonly HistoryEvent[],
  orchestrator: string,
  issued: (id: number) => OrchestratorAction | undefined,
  matched: (id: number) => void = () => {},
): string | undefined {
  for (const event of events) {
    if (!isRecordedAction(event)) continue;
    const action = issued(event.eventId);
    if (!action || !matchesRecorded(action, event))
      return divergenceMessage(event.type, describeRecorded(event), event.eventId, orchestrator, action);
    matched(event.eventId);
  }
  return undefined;
}

function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}
