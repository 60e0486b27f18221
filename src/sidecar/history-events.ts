/**
 * Taskhub's history events (`src/core/history-event.ts`) to the protocol's `HistoryEvent` (what a worker reads in
 * `OrchestratorRequest.pastEvents` / `newEvents`). The way back is in `./history-events-from-wire.ts`.
 *
 * `eventId` on the wire: the event's own `eventId` on the events that carry one (scheduling events and entity
 * messages), -1 on every other event. Times: ISO-8601 text to `Timestamp`. Taskhub fields the protocol has no
 * place for are dropped (listed at each event below); a patch marker travels as a `GenericEvent`
 * (`./patch-markers.ts`).
 * @module
 */
import { assertNever, type HistoryEvent } from "../core/history-event.js";
import { toTaskFailureDetails } from "./failure-details.js";
import type { HistoryEventOneof, HistoryEvent as WireHistoryEvent } from "./messages/history.js";
import { patchMarkerToGenericEvent } from "./patch-markers.js";
import { toOrchestrationStatus } from "./runtime-statuses.js";
import { toOptionalTimestamp, toStringValue, toTimestamp, toWireTraceContext } from "./wire-values.js";

/** The `eventId` of protocol events that are not the scheduling event of a task. */
export const NO_EVENT_ID = -1;

function wire<K extends keyof HistoryEventOneof>(
  event: HistoryEvent,
  eventId: number,
  eventType: K,
  payload: HistoryEventOneof[K],
): WireHistoryEvent {
  return {
    eventId,
    timestamp: toTimestamp(event.timestamp),
    eventType,
    [eventType]: payload,
  } as unknown as WireHistoryEvent;
}

/** The protocol's form of a Taskhub history event (decoded shape: every field present). */
export function toWireHistoryEvent(event: HistoryEvent): WireHistoryEvent {
  const none = NO_EVENT_ID;
  switch (event.type) {
    case "ExecutionStarted":
      // `carryoverEvents` only rides on the inbox message (never recorded): the sidecar sends them as EventRaised.
      return wire(event, none, "executionStarted", {
        name: event.name,
        version: toStringValue(event.version),
        input: toStringValue(event.input),
        orchestrationInstance: { instanceId: event.instanceId, executionId: { value: event.executionId } },
        parentInstance: event.parent
          ? {
              taskScheduledId: event.parent.taskScheduledId,
              name: { value: event.parent.name },
              version: null,
              orchestrationInstance: {
                instanceId: event.parent.instanceId,
                executionId: { value: event.parent.executionId },
              },
            }
          : null,
        scheduledStartTimestamp: toOptionalTimestamp(event.scheduledStartTime),
        parentTraceContext: toWireTraceContext(event.parentTraceContext),
        orchestrationSpanID: null,
        tags: { ...event.tags },
      });
    case "ExecutionCompleted":
      return wire(event, none, "executionCompleted", {
        orchestrationStatus: toOrchestrationStatus(event.status),
        result: toStringValue(event.result),
        failureDetails: event.failure ? toTaskFailureDetails(event.failure) : null,
      });
    case "ExecutionTerminated":
      // Taskhub's reason is plain text, the protocol's `input` JSON text; Taskhub's absent `recursive` means true.
      return wire(event, none, "executionTerminated", {
        input: event.reason === undefined ? null : { value: JSON.stringify(event.reason) },
        recurse: event.recursive ?? true,
      });
    case "ExecutionSuspended":
      return wire(event, none, "executionSuspended", { input: toStringValue(event.reason) });
    case "ExecutionResumed":
      return wire(event, none, "executionResumed", { input: toStringValue(event.reason) });
    case "ExecutionRewound":
      return wire(event, none, "executionRewound", {
        reason: toStringValue(event.reason),
        parentExecutionId: null,
        instanceId: null,
        parentTraceContext: null,
        name: null,
        version: null,
        input: null,
        parentInstance: null,
        tags: {},
      });
    case "OrchestratorStarted":
      return wire(event, none, "orchestratorStarted", {});
    case "OrchestratorCompleted":
      return wire(event, none, "orchestratorCompleted", {});
    case "TaskScheduled":
      // Not on the wire: `attempt`, `firstAttemptId`, `timeoutMs`, `heartbeatTimeoutMs` (Taskhub's own retries).
      return wire(event, event.eventId, "taskScheduled", {
        name: event.name,
        version: null,
        input: toStringValue(event.input),
        parentTraceContext: toWireTraceContext(event.parentTraceContext),
        tags: {},
      });
    case "TaskCompleted":
      return wire(event, none, "taskCompleted", {
        taskScheduledId: event.taskScheduledId,
        result: toStringValue(event.result),
      });
    case "TaskFailed":
      return wire(event, none, "taskFailed", {
        taskScheduledId: event.taskScheduledId,
        failureDetails: toTaskFailureDetails(event.failure),
      });
    case "SubOrchestrationInstanceCreated":
      return wire(event, event.eventId, "subOrchestrationInstanceCreated", {
        instanceId: event.instanceId,
        name: event.name,
        version: toStringValue(event.version),
        input: toStringValue(event.input),
        parentTraceContext: toWireTraceContext(event.parentTraceContext),
        tags: {},
      });
    case "SubOrchestrationInstanceCompleted":
      return wire(event, none, "subOrchestrationInstanceCompleted", {
        taskScheduledId: event.taskScheduledId,
        result: toStringValue(event.result),
      });
    case "SubOrchestrationInstanceFailed":
      return wire(event, none, "subOrchestrationInstanceFailed", {
        taskScheduledId: event.taskScheduledId,
        failureDetails: toTaskFailureDetails(event.failure),
      });
    case "TimerCreated":
      return wire(event, event.eventId, "timerCreated", { fireAt: toTimestamp(event.fireAt) });
    case "TimerFired":
      return wire(event, none, "timerFired", { fireAt: toTimestamp(event.fireAt), timerId: event.timerId });
    case "EventRaised":
      return wire(event, none, "eventRaised", { name: event.name, input: toStringValue(event.input) });
    case "EventSent":
      return wire(event, event.eventId, "eventSent", {
        instanceId: event.instanceId,
        name: event.name,
        input: toStringValue(event.input),
      });
    case "EntityOperationSignaled":
      // Not on the wire: `parentInstanceId`, `parentTraceContext`.
      return wire(event, event.eventId, "entityOperationSignaled", {
        requestId: event.requestId,
        operation: event.operation,
        scheduledTime: toOptionalTimestamp(event.scheduledTime),
        input: toStringValue(event.input),
        targetInstanceId: { value: event.targetInstanceId },
      });
    case "EntityOperationCalled":
      // Not on the wire: `parentTraceContext`.
      return wire(event, event.eventId, "entityOperationCalled", {
        requestId: event.requestId,
        operation: event.operation,
        scheduledTime: null,
        input: toStringValue(event.input),
        parentInstanceId: { value: event.parentInstanceId },
        parentExecutionId: { value: event.parentExecutionId },
        targetInstanceId: { value: event.targetInstanceId },
      });
    case "EntityOperationCompleted":
      return wire(event, none, "entityOperationCompleted", {
        requestId: event.requestId,
        output: toStringValue(event.result),
      });
    case "EntityOperationFailed":
      return wire(event, none, "entityOperationFailed", {
        requestId: event.requestId,
        failureDetails: toTaskFailureDetails(event.failure),
      });
    case "EntityLockRequested":
      // Not on the wire: `parentExecutionId`.
      return wire(event, event.eventId, "entityLockRequested", {
        criticalSectionId: event.criticalSectionId,
        lockSet: [...event.lockSet],
        position: event.position,
        parentInstanceId: { value: event.parentInstanceId },
      });
    case "EntityLockGranted":
      return wire(event, none, "entityLockGranted", { criticalSectionId: event.criticalSectionId });
    case "EntityUnlockSent":
      // Not on the wire: `lockSet`, `position` (a release along the lock chain).
      return wire(event, event.eventId, "entityUnlockSent", {
        criticalSectionId: event.criticalSectionId,
        parentInstanceId: { value: event.parentInstanceId },
        targetInstanceId: { value: event.targetInstanceId },
      });
    case "PatchMarkerRecorded":
      return wire(event, none, "genericEvent", patchMarkerToGenericEvent(event));
    default:
      return assertNever(event, "history event");
  }
}
