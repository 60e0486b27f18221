/**
 * The activity columns of a history row (migration 0008): what analytics reads of `TaskScheduled`, `TaskCompleted`
 * and `TaskFailed` events without parsing them. `task_event` is 1 for a scheduled attempt, 2 for a completed one, 3
 * for a failed one (NULL for every other event); `task_id` the attempt's task ID (`eventId` /
 * `taskScheduledId`); `task_name` the activity's name (scheduled rows); `task_at` the event's time (epoch ms).
 * @module
 */
import type { HistoryEvent } from "../core/history-event.js";

/** `task_event` of a scheduled attempt. */
export const TASK_SCHEDULED = 1;
/** `task_event` of a completed attempt. */
export const TASK_COMPLETED = 2;
/** `task_event` of a failed attempt. */
export const TASK_FAILED = 3;

/** The activity columns of a history row. */
export interface TaskColumns {
  readonly task_event: number | null;
  readonly task_id: number | null;
  readonly task_name: string | null;
  readonly task_at: number | null;
}

const NONE: TaskColumns = { task_event: null, task_id: null, task_name: null, task_at: null };

/** The activity columns of the row of `event` (all NULL for events other than the activity's three). */
export function taskColumns(event: HistoryEvent): TaskColumns {
  switch (event.type) {
    case "TaskScheduled":
      return {
        task_event: TASK_SCHEDULED,
        task_id: event.eventId,
        task_name: event.name,
        task_at: at(event),
      };
    case "TaskCompleted":
      return {
        task_event: TASK_COMPLETED,
        task_id: event.taskScheduledId,
        task_name: null,
        task_at: at(event),
      };
    case "TaskFailed":
      return { task_event: TASK_FAILED, task_id: event.taskScheduledId, task_name: null, task_at: at(event) };
    default:
      return NONE;
  }
}

function at(event: HistoryEvent): number | null {
  const time = Date.parse(event.timestamp);
  return Number.isFinite(time) ? time : null;
}
