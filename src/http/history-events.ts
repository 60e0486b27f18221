/**
 * Maps Taskhub's history to Durable Functions' `historyEvents` JSON, as the extension's `GetStatusAsync` shapes it:
 * PascalCase fields with `EventType` as a string; `OrchestratorStarted` / `OrchestratorCompleted` dropped;
 * `TaskScheduled` and `SubOrchestrationInstanceCreated` folded into their completion, which gains `FunctionName` and
 * `ScheduledTime`; `ExecutionStarted.Name` becomes `FunctionName`; inputs and `EventId` / `TimerId` removed;
 * `Result` only with `showHistoryOutput`. Failure details never carry stack traces. Two additions of Taskhub's:
 * `ExecutionStarted` shows the instance's `Version` when it has one, and a patch marker (`PatchMarkerRecorded`, from
 * `ctx.patched`) shows its `PatchId`.
 * @module
 */
import type { FailureDetails } from "../core/failure.js";
import { assertNever, type HistoryEvent } from "../core/history-event.js";

type Json = Record<string, unknown>;

/** Parses stored JSON text as Durable Functions' `ParseToJToken` does: invalid JSON is returned as the raw string. */
function parseResult(text: string | undefined): unknown {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === "") return "";
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

/** Failure details without stack traces, PascalCase as DurableTask.Core's `FailureDetails`. */
function failurePayload(failure: FailureDetails): Json {
  return {
    ErrorType: failure.errorType,
    ErrorMessage: failure.message,
    ...(failure.cause ? { InnerFailure: failurePayload(failure.cause) } : {}),
    IsNonRetriable: failure.nonRetryable === true,
  };
}

/** Options of {@link toHistoryEventsPayload}. */
export interface HistoryEventsOptions {
  /** Include `Result` of completed tasks, sub-orchestrations and the execution. */
  readonly showHistoryOutput: boolean;
}

/** Converts a history to Durable Functions' `historyEvents` array. */
export function toHistoryEventsPayload(
  history: readonly HistoryEvent[],
  options: HistoryEventsOptions,
): Record<string, unknown>[] {
  const scheduled = new Map<string, { index: number; name: string; timestamp: string }>();
  const folded = new Set<number>();
  const out: (Json | undefined)[] = [];
  const withResult = (result: string | undefined): Json =>
    options.showHistoryOutput ? { Result: parseResult(result) } : {};
  const completion = (kind: "task" | "sub", taskScheduledId: number): Json => {
    const origin = scheduled.get(`${kind}:${taskScheduledId}`);
    if (!origin) return {};
    folded.add(origin.index);
    return { FunctionName: origin.name, ScheduledTime: origin.timestamp };
  };
  history.forEach((event, index) => {
    const base = { EventType: event.type };
    switch (event.type) {
      case "OrchestratorStarted":
      case "OrchestratorCompleted":
        out.push(undefined);
        return;
      case "ExecutionStarted":
        out.push({
          ...base,
          FunctionName: event.name,
          ...(event.version ? { Version: event.version } : {}),
          ...(event.scheduledStartTime ? { ScheduledStartTime: event.scheduledStartTime } : {}),
          Timestamp: event.timestamp,
        });
        return;
      case "ExecutionCompleted":
        out.push({
          ...base,
          OrchestrationStatus: event.status,
          ...withResult(event.result),
          ...(event.failure ? { FailureDetails: failurePayload(event.failure) } : {}),
          Timestamp: event.timestamp,
        });
        return;
      case "ExecutionTerminated":
        out.push({ ...base, Timestamp: event.timestamp });
        return;
      case "ExecutionSuspended":
      case "ExecutionResumed":
      case "ExecutionRewound":
        out.push({ ...base, Reason: event.reason ?? null, Timestamp: event.timestamp });
        return;
      case "TaskScheduled":
        scheduled.set(`task:${event.eventId}`, { index, name: event.name, timestamp: event.timestamp });
        out.push({ ...base, Name: event.name, Timestamp: event.timestamp });
        return;
      case "SubOrchestrationInstanceCreated":
        scheduled.set(`sub:${event.eventId}`, { index, name: event.name, timestamp: event.timestamp });
        out.push({ ...base, Name: event.name, InstanceId: event.instanceId, Timestamp: event.timestamp });
        return;
      case "TaskCompleted":
        out.push({
          ...base,
          ...withResult(event.result),
          ...completion("task", event.taskScheduledId),
          Timestamp: event.timestamp,
        });
        return;
      case "SubOrchestrationInstanceCompleted":
        out.push({
          ...base,
          ...withResult(event.result),
          ...completion("sub", event.taskScheduledId),
          Timestamp: event.timestamp,
        });
        return;
      case "TaskFailed":
      case "SubOrchestrationInstanceFailed":
        out.push({
          ...base,
          Reason: event.failure.message,
          FailureDetails: failurePayload(event.failure),
          ...completion(event.type === "TaskFailed" ? "task" : "sub", event.taskScheduledId),
          Timestamp: event.timestamp,
        });
        return;
      case "TimerCreated":
        out.push({ ...base, FireAt: event.fireAt, Timestamp: event.timestamp });
        return;
      case "TimerFired":
        out.push({ ...base, FireAt: event.fireAt, Timestamp: event.timestamp });
        return;
      case "EventRaised":
        out.push({ ...base, Name: event.name, Timestamp: event.timestamp });
        return;
      case "EventSent":
        out.push({
          ...base,
          InstanceId: event.instanceId,
          Name: event.name,
          Input: event.input ?? null,
          Timestamp: event.timestamp,
        });
        return;
      case "EntityOperationSignaled":
      case "EntityOperationCalled":
        out.push({
          ...base,
          EntityId: event.targetInstanceId,
          Operation: event.operation,
          Timestamp: event.timestamp,
        });
        return;
      case "EntityOperationCompleted":
        out.push({ ...base, ...withResult(event.result), Timestamp: event.timestamp });
        return;
      case "EntityOperationFailed":
        out.push({ ...base, FailureDetails: failurePayload(event.failure), Timestamp: event.timestamp });
        return;
      case "EntityLockRequested":
        out.push({ ...base, LockSet: event.lockSet, Timestamp: event.timestamp });
        return;
      case "EntityLockGranted":
        out.push({ ...base, Timestamp: event.timestamp });
        return;
      case "EntityUnlockSent":
        out.push({ ...base, EntityId: event.targetInstanceId, Timestamp: event.timestamp });
        return;
      case "PatchMarkerRecorded":
        out.push({ ...base, PatchId: event.patchId, Timestamp: event.timestamp });
        return;
      default:
        assertNever(event, "history event");
    }
  });
  return out.filter((entry, index): entry is Json => entry !== undefined && !folded.has(index));
}
