/**
 * Rewind: a Failed instance runs again, re-executing only what failed and reusing every successful result.
 *
 * Pure. The history is cut just before its first failure (a `TaskFailed` or `SubOrchestrationInstanceFailed`, or
 * the end of the execution when the orchestrator itself threw). Results that arrived after the cut for tasks
 * scheduled before it are handed back as new events; failed activities scheduled before the cut are dispatched
 * again under the same task ID and idempotency key; failed sub-orchestrations are rewound themselves. Replay then
 * reschedules, as new work, whatever the code asks for beyond the cut.
 * @module
 */
import { timeoutsOf } from "../api/activity-timeouts.js";
import type { HistoryEvent, TaskScheduled } from "../core/history-event.js";
import type { NewActivityMessage } from "../core/records.js";

/** What rewinding an execution produces. */
export interface RewindPlan {
  /** The history to keep (replaces the stored one). */
  readonly history: HistoryEvent[];
  /** Results and events from after the cut that still apply, to be delivered again, in order. */
  readonly redeliver: HistoryEvent[];
  /** Failed activities to run again. */
  readonly activities: NewActivityMessage[];
  /** Instance IDs of failed sub-orchestrations to rewind. */
  readonly children: string[];
}

/** Plans the rewind of the execution whose history is `history`. */
export function planRewind(
  history: readonly HistoryEvent[],
  instanceId: string,
  executionId: string,
): RewindPlan {
  const firstFailure = history.findIndex(
    (e) =>
      e.type === "TaskFailed" ||
      e.type === "SubOrchestrationInstanceFailed" ||
      e.type === "ExecutionCompleted",
  );
  const cut = firstFailure < 0 ? history.length : firstFailure;
  // The patch markers of the episode cut through stay: that episode's code runs again from the events kept, and
  // decides its patches as it did (see PatchMarkers).
  const episodeEnd = history.findIndex((e, i) => i >= cut && e.type === "OrchestratorCompleted");
  const kept = [
    ...history.slice(0, cut),
    ...history
      .slice(cut, episodeEnd < 0 ? history.length : episodeEnd)
      .filter((e) => e.type === "PatchMarkerRecorded"),
  ];
  const scheduledBefore = new Map<number, HistoryEvent>();
  for (const e of kept) {
    if (
      e.type === "TaskScheduled" ||
      e.type === "TimerCreated" ||
      e.type === "SubOrchestrationInstanceCreated"
    )
      scheduledBefore.set(e.eventId, e);
  }
  const settled = new Set<number>();
  for (const e of kept) {
    const id = completionId(e);
    if (id !== undefined) settled.add(id);
  }

  // Entity responses are matched by request ID: those for requests sent before the cut are delivered again.
  const requests = new Set<string>();
  for (const e of kept) {
    if (e.type === "EntityOperationCalled") requests.add(e.requestId);
    if (e.type === "EntityLockRequested") requests.add(e.criticalSectionId);
    const answered = entityResponseId(e);
    if (answered !== undefined) requests.delete(answered);
  }

  const redeliver: HistoryEvent[] = [];
  for (const e of history.slice(cut)) {
    if (e.type === "EventRaised") redeliver.push(e);
    const response = entityResponseId(e);
    if (response !== undefined && requests.delete(response)) redeliver.push(e);
    const id = completionId(e);
    if (id === undefined || !scheduledBefore.has(id) || settled.has(id)) continue;
    if (e.type === "TaskFailed" || e.type === "SubOrchestrationInstanceFailed") continue;
    redeliver.push(e);
    settled.add(id);
  }

  const activities: NewActivityMessage[] = [];
  const children: string[] = [];
  for (const e of history.slice(cut)) {
    if (e.type !== "TaskFailed" && e.type !== "SubOrchestrationInstanceFailed") continue;
    const scheduled = scheduledBefore.get(e.taskScheduledId);
    if (!scheduled || settled.has(e.taskScheduledId)) continue;
    settled.add(e.taskScheduledId);
    if (scheduled.type === "TaskScheduled") activities.push(activityFor(scheduled, instanceId, executionId));
    if (scheduled.type === "SubOrchestrationInstanceCreated") children.push(scheduled.instanceId);
  }
  return { history: kept, redeliver, activities, children };
}

function entityResponseId(e: HistoryEvent): string | undefined {
  if (e.type === "EntityOperationCompleted" || e.type === "EntityOperationFailed") return e.requestId;
  if (e.type === "EntityLockGranted") return e.criticalSectionId;
  return undefined;
}

function completionId(e: HistoryEvent): number | undefined {
  switch (e.type) {
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed":
      return e.taskScheduledId;
    case "TimerFired":
      return e.timerId;
    default:
      return undefined;
  }
}

function activityFor(e: TaskScheduled, instanceId: string, executionId: string): NewActivityMessage {
  return {
    instanceId,
    executionId,
    taskId: e.eventId,
    name: e.name,
    input: e.input,
    attempt: e.attempt ?? 1,
    idempotencyKey: `${instanceId}:${executionId}:${e.firstAttemptId ?? e.eventId}`,
    ...timeoutsOf(e),
    ...(e.parentTraceContext ? { parentTraceContext: e.parentTraceContext } : {}),
  };
}
