/**
 * The protocol's `HistoryEvent` to Taskhub's history events (`src/core/history-event.ts`): the way back of
 * `./history-events.ts`, for events an SDK worker hands back (a rewind's `newHistory`, continue-as-new's
 * `carryoverEvents`, entity operation requests).
 *
 * An event Taskhub has no type for (`GenericEvent` other than a patch marker, `HistoryState`, `ContinueAsNew`), an
 * event without a type or timestamp, and an event missing a field Taskhub requires are an `InvalidArgumentError`
 * naming the event: such an event cannot come from a history Taskhub sent, so it is refused rather than guessed at.
 * Fields Taskhub has no place for are dropped; fields the protocol lacks take the value stated at each event.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import { fromTaskFailureDetails } from "./failure-details.js";
import type { TaskFailureDetails } from "./messages/common.js";
import type {
  EntityOperationCalledEvent,
  EntityOperationSignaledEvent,
  HistoryEvent as WireHistoryEvent,
} from "./messages/history.js";
import type { StringValue } from "./messages/wire-types.js";
import { patchMarkerFromGenericEvent } from "./patch-markers.js";
import { fromOrchestrationStatus } from "./runtime-statuses.js";
import {
  fromOptionalTimestamp,
  fromStringValue,
  fromTimestamp,
  fromWireTraceContext,
} from "./wire-values.js";

/** Removes the keys whose value is `undefined` (Taskhub's events leave absent fields out). */
function compact<T extends object>(event: T): T {
  return Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as T;
}

function refuse(what: string, why: string): never {
  throw new InvalidArgumentError(`Protocol history event ${what} ${why}.`);
}

function required(wrapper: StringValue | null, what: string, field: string): string {
  return wrapper?.value ?? refuse(what, `has no ${field}`);
}

function failure(details: TaskFailureDetails | null, what: string) {
  return fromTaskFailureDetails(details ?? refuse(what, "has no failureDetails"));
}

/** The fields an entity operation request (signal or call) has on both sides. */
function entityOperation(e: EntityOperationSignaledEvent | EntityOperationCalledEvent, what: string) {
  return {
    requestId: e.requestId,
    operation: e.operation,
    input: fromStringValue(e.input),
    targetInstanceId: required(e.targetInstanceId, what, "targetInstanceId"),
  };
}

/** The text of a terminate event's JSON `input`: the string it encodes, else the raw text. */
function terminateReason(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    return typeof parsed === "string" ? parsed : input;
  } catch {
    return input;
  }
}

/** Taskhub's form of a protocol history event; an `InvalidArgumentError` for an event Taskhub has no type for. */
export function fromWireHistoryEvent(event: WireHistoryEvent): HistoryEvent {
  const what = event.eventType ?? "without eventType";
  if (!event.timestamp) refuse(what, "has no timestamp");
  const timestamp = fromTimestamp(event.timestamp);
  const eventId = event.eventId;
  switch (event.eventType) {
    case "executionStarted": {
      const e = event.executionStarted;
      const instance = e.orchestrationInstance ?? refuse(what, "has no orchestrationInstance");
      const parent = e.parentInstance;
      const parentInstance = parent?.orchestrationInstance;
      // Not kept: `orchestrationSpanID`, the parent's `version`.
      return compact({
        type: "ExecutionStarted",
        timestamp,
        name: e.name,
        instanceId: instance.instanceId,
        executionId: required(instance.executionId, what, "executionId"),
        input: fromStringValue(e.input),
        parent:
          parent && parentInstance
            ? {
                instanceId: parentInstance.instanceId,
                executionId: fromStringValue(parentInstance.executionId) ?? "",
                name: fromStringValue(parent.name) ?? "",
                taskScheduledId: parent.taskScheduledId,
              }
            : undefined,
        scheduledStartTime: fromOptionalTimestamp(e.scheduledStartTimestamp),
        version: fromStringValue(e.version),
        tags: Object.keys(e.tags).length > 0 ? { ...e.tags } : undefined,
        parentTraceContext: fromWireTraceContext(e.parentTraceContext),
      });
    }
    case "executionCompleted": {
      const e = event.executionCompleted;
      const status = fromOrchestrationStatus(e.orchestrationStatus);
      if (
        status !== "Completed" &&
        status !== "Failed" &&
        status !== "Terminated" &&
        status !== "ContinuedAsNew"
      )
        refuse(what, `has status ${e.orchestrationStatus}`);
      return compact({
        type: "ExecutionCompleted",
        timestamp,
        status,
        result: fromStringValue(e.result),
        failure: e.failureDetails ? fromTaskFailureDetails(e.failureDetails) : undefined,
      });
    }
    case "executionTerminated":
      return compact({
        type: "ExecutionTerminated",
        timestamp,
        reason: terminateReason(fromStringValue(event.executionTerminated.input)),
        recursive: event.executionTerminated.recurse,
      });
    case "executionSuspended":
      return compact({
        type: "ExecutionSuspended",
        timestamp,
        reason: fromStringValue(event.executionSuspended.input),
      });
    case "executionResumed":
      return compact({
        type: "ExecutionResumed",
        timestamp,
        reason: fromStringValue(event.executionResumed.input),
      });
    case "executionRewound":
      // Not kept: the rest of the protocol's rewind event (parent, name, version, input, tags, trace context).
      return compact({
        type: "ExecutionRewound",
        timestamp,
        reason: fromStringValue(event.executionRewound.reason),
      });
    case "orchestratorStarted":
      return { type: "OrchestratorStarted", timestamp };
    case "orchestratorCompleted":
      return { type: "OrchestratorCompleted", timestamp };
    case "taskScheduled":
      // Not kept: `version`, `tags`.
      return compact({
        type: "TaskScheduled",
        timestamp,
        eventId,
        name: event.taskScheduled.name,
        input: fromStringValue(event.taskScheduled.input),
        parentTraceContext: fromWireTraceContext(event.taskScheduled.parentTraceContext),
      });
    case "taskCompleted":
      return compact({
        type: "TaskCompleted",
        timestamp,
        taskScheduledId: event.taskCompleted.taskScheduledId,
        result: fromStringValue(event.taskCompleted.result),
      });
    case "taskFailed":
      return {
        type: "TaskFailed",
        timestamp,
        taskScheduledId: event.taskFailed.taskScheduledId,
        failure: failure(event.taskFailed.failureDetails, what),
      };
    case "subOrchestrationInstanceCreated": {
      const e = event.subOrchestrationInstanceCreated;
      // Not kept: `tags`.
      return compact({
        type: "SubOrchestrationInstanceCreated",
        timestamp,
        eventId,
        name: e.name,
        instanceId: e.instanceId,
        input: fromStringValue(e.input),
        version: fromStringValue(e.version),
        parentTraceContext: fromWireTraceContext(e.parentTraceContext),
      });
    }
    case "subOrchestrationInstanceCompleted":
      return compact({
        type: "SubOrchestrationInstanceCompleted",
        timestamp,
        taskScheduledId: event.subOrchestrationInstanceCompleted.taskScheduledId,
        result: fromStringValue(event.subOrchestrationInstanceCompleted.result),
      });
    case "subOrchestrationInstanceFailed":
      return {
        type: "SubOrchestrationInstanceFailed",
        timestamp,
        taskScheduledId: event.subOrchestrationInstanceFailed.taskScheduledId,
        failure: failure(event.subOrchestrationInstanceFailed.failureDetails, what),
      };
    case "timerCreated":
      return {
        type: "TimerCreated",
        timestamp,
        eventId,
        fireAt: fromTimestamp(event.timerCreated.fireAt ?? refuse(what, "has no fireAt")),
      };
    case "timerFired":
      return {
        type: "TimerFired",
        timestamp,
        timerId: event.timerFired.timerId,
        fireAt: fromTimestamp(event.timerFired.fireAt ?? refuse(what, "has no fireAt")),
      };
    case "eventRaised":
      return compact({
        type: "EventRaised",
        timestamp,
        name: event.eventRaised.name,
        input: fromStringValue(event.eventRaised.input),
      });
    case "eventSent":
      return compact({
        type: "EventSent",
        timestamp,
        eventId,
        instanceId: event.eventSent.instanceId,
        name: event.eventSent.name,
        input: fromStringValue(event.eventSent.input),
      });
    case "entityOperationSignaled": {
      const e = event.entityOperationSignaled;
      // The protocol has no `parentInstanceId` nor `parentTraceContext`: absent.
      return compact({
        type: "EntityOperationSignaled",
        timestamp,
        eventId,
        ...entityOperation(e, what),
        scheduledTime: fromOptionalTimestamp(e.scheduledTime),
      });
    }
    case "entityOperationCalled": {
      const e = event.entityOperationCalled;
      // The protocol has no `parentTraceContext`: absent. Not kept: `scheduledTime` (calls are not delayed).
      return compact({
        type: "EntityOperationCalled",
        timestamp,
        eventId,
        ...entityOperation(e, what),
        parentInstanceId: required(e.parentInstanceId, what, "parentInstanceId"),
        parentExecutionId: required(e.parentExecutionId, what, "parentExecutionId"),
      });
    }
    case "entityOperationCompleted":
      return compact({
        type: "EntityOperationCompleted",
        timestamp,
        requestId: event.entityOperationCompleted.requestId,
        result: fromStringValue(event.entityOperationCompleted.output),
      });
    case "entityOperationFailed":
      return {
        type: "EntityOperationFailed",
        timestamp,
        requestId: event.entityOperationFailed.requestId,
        failure: failure(event.entityOperationFailed.failureDetails, what),
      };
    case "entityLockRequested": {
      const e = event.entityLockRequested;
      // The protocol has no `parentExecutionId`: "" (unknown).
      return {
        type: "EntityLockRequested",
        timestamp,
        eventId,
        criticalSectionId: e.criticalSectionId,
        lockSet: [...e.lockSet],
        position: e.position,
        parentInstanceId: required(e.parentInstanceId, what, "parentInstanceId"),
        parentExecutionId: "",
      };
    }
    case "entityLockGranted":
      return {
        type: "EntityLockGranted",
        timestamp,
        criticalSectionId: event.entityLockGranted.criticalSectionId,
      };
    case "entityUnlockSent": {
      const e = event.entityUnlockSent;
      // The protocol has no `lockSet` / `position`: a plain release.
      return {
        type: "EntityUnlockSent",
        timestamp,
        eventId,
        criticalSectionId: e.criticalSectionId,
        targetInstanceId: required(e.targetInstanceId, what, "targetInstanceId"),
        parentInstanceId: required(e.parentInstanceId, what, "parentInstanceId"),
      };
    }
    case "genericEvent": {
      const marker = patchMarkerFromGenericEvent(event.genericEvent);
      if (!marker) return refuse(what, "is not a Taskhub patch marker (Taskhub has no generic events)");
      return { type: "PatchMarkerRecorded", timestamp, ...marker };
    }
    case "historyState":
    case "continueAsNew":
      return refuse(what, "has no Taskhub history event type");
    case undefined:
      return refuse(what, "has no event set");
  }
}
