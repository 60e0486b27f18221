/**
 * Analytics over the memory hub's store ({@link memoryAnalytics}): the definitions of `task-hub/analytics.ts`
 * computed in one pass over the instances and their histories.
 * @module
 */
import type { HistoryEvent, TaskScheduled } from "../core/history-event.js";
import type { FailureDetails } from "../core/failure.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { FAILURE_MESSAGE_CHARS, type AnalyticsQuery, type HubAnalytics } from "../task-hub/analytics.js";
import { AnalyticsBuilder, summarize, type AnalyticsKind } from "../task-hub/analytics-builder.js";
import type { MemoryStore } from "./memory-store.js";

interface Run {
  readonly instanceId: string;
  readonly taskId?: number;
  readonly status: string;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly failure?: FailureDetails | undefined;
}

/** The analytics of `store` over the query's window. */
export function memoryAnalytics(store: MemoryStore, query: AnalyticsQuery): HubAnalytics {
  const { since, until, name } = query;
  const inWindow = (time: number) => time >= since && time < until;
  const runs: Record<AnalyticsKind, Map<string, Run[]>> = { orchestration: new Map(), activity: new Map() };
  const add = (kind: AnalyticsKind, runName: string, run: Run) => {
    if (name !== undefined && runName !== name) return;
    const list = runs[kind].get(runName);
    if (list) list.push(run);
    else runs[kind].set(runName, [run]);
  };
  const builder = new AnalyticsBuilder(query);
  for (const { record, history } of store.instances.values()) {
    if (record.instanceId.startsWith("@")) continue;
    if (isTerminalStatus(record.status) && record.completedAt !== undefined) {
      if (inWindow(record.completedAt))
        add("orchestration", record.name, {
          instanceId: record.instanceId,
          status: record.status,
          endedAt: record.completedAt,
          durationMs: record.completedAt - record.createdAt,
          failure: record.status === "Failed" ? record.failure : undefined,
        });
    } else if (!isTerminalStatus(record.status) && inWindow(record.createdAt)) {
      if (name === undefined || record.name === name)
        builder.count("orchestration", record.name, record.status, 1);
    }
    for (const run of activityRuns(record.instanceId, history))
      if (inWindow(run.endedAt)) add("activity", run.name, run);
  }
  for (const kind of ["orchestration", "activity"] as const)
    for (const [runName, list] of runs[kind]) {
      const failures = new Map<string, { errorType: string; message: string; count: number }>();
      const types = new Map<string, number>();
      for (const run of list) {
        builder.finish(kind, runName, run.status, Math.floor((run.endedAt - since) / query.bucketMs), 1);
        builder.slow(kind, runName, {
          instanceId: run.instanceId,
          ...(run.taskId !== undefined ? { taskId: run.taskId } : {}),
          durationMs: run.durationMs,
          endedAt: run.endedAt,
        });
        if (run.status !== "Failed") continue;
        const errorType = run.failure?.errorType ?? "";
        const message = (run.failure?.message ?? "").slice(0, FAILURE_MESSAGE_CHARS);
        const key = JSON.stringify([errorType, message]);
        const seen = failures.get(key);
        if (seen) seen.count++;
        else failures.set(key, { errorType, message, count: 1 });
        types.set(errorType, (types.get(errorType) ?? 0) + 1);
      }
      builder.durations(kind, runName, summarize(list.map((r) => r.durationMs).sort((a, b) => a - b)));
      for (const failure of failures.values()) builder.failure(kind, runName, failure);
      for (const [errorType, count] of types) builder.failureType(kind, runName, { errorType, count });
    }
  return builder.build();
}

/** The ended activity attempts of a history: each `TaskCompleted` / `TaskFailed` with its `TaskScheduled`. */
function* activityRuns(
  instanceId: string,
  history: readonly HistoryEvent[],
): Generator<Run & { readonly name: string }> {
  const scheduled = new Map<number, TaskScheduled>();
  for (const event of history) {
    if (event.type === "TaskScheduled") scheduled.set(event.eventId, event);
    else if (event.type === "TaskCompleted" || event.type === "TaskFailed") {
      const start = scheduled.get(event.taskScheduledId);
      if (!start) continue;
      const endedAt = Date.parse(event.timestamp);
      yield {
        name: start.name,
        instanceId,
        taskId: event.taskScheduledId,
        status: event.type === "TaskFailed" ? "Failed" : "Completed",
        endedAt,
        durationMs: endedAt - Date.parse(start.timestamp),
        failure: event.type === "TaskFailed" ? event.failure : undefined,
      };
    }
  }
}
