/**
 * An SDK worker's `OrchestratorResponse` read as the engine's episode result: each action becomes the orchestrator
 * action the local executor would have produced (its `id` becomes the `eventId` of the history event the engine
 * records), the `completeOrchestration` action becomes the execution's outcome, and the suspension state and the
 * children of a recursive termination are read from the history, as the local executor keeps them.
 * @module
 */
import { EntityId } from "../core/entity-id.js";
import { InvalidArgumentError } from "../core/errors.js";
import { toFailureDetails } from "../core/failure.js";
import type { EventRaised, HistoryEvent } from "../core/history-event.js";
import type { OrchestratorAction } from "../orchestration/actions.js";
import type { EpisodeResult, ExecutionOutcome } from "../orchestration/episode.js";
import type { RemoteEpisodeRequest } from "../worker/remote-work.js";
import { fromTaskFailureDetails } from "./failure-details.js";
import { fromWireHistoryEvent } from "./history-events-from-wire.js";
import { openCriticalSection } from "./open-locks.js";
import type { OrchestratorAction as WireOrchestratorAction, OrchestratorResponse } from "./messages.js";
import type { CompleteOrchestrationAction, SendEntityMessageAction, Timestamp } from "./messages.js";

/**
 * The episode result of `response` to `request`. Never throws: a response the engine cannot apply (an action of a
 * kind it does not support, a malformed field) fails the execution with an `InvalidArgumentError` saying why.
 */
export function episodeOfResponse(
  request: RemoteEpisodeRequest,
  response: OrchestratorResponse,
): EpisodeResult {
  const customStatus = response.customStatus ? response.customStatus.value : request.instance.customStatus;
  try {
    const actions: OrchestratorAction[] = [];
    let outcome: ExecutionOutcome | undefined;
    for (const action of response.actions ?? []) {
      const converted = convertAction(request, action);
      if ("status" in converted) outcome ??= converted;
      else actions.push(converted);
    }
    return {
      actions,
      customStatus,
      suspended: outcome === undefined && isSuspended(request),
      outcome,
      ...(outcome ? locksLeftOpen(request, actions) : {}),
    };
  } catch (error) {
    return {
      actions: [],
      customStatus,
      suspended: false,
      outcome: { status: "Failed", failure: toFailureDetails(error) },
      ...locksLeftOpen(request, []),
    };
  }
}

function convertAction(
  request: RemoteEpisodeRequest,
  action: WireOrchestratorAction,
): OrchestratorAction | ExecutionOutcome {
  const id = action.id;
  switch (action.orchestratorActionType) {
    case "scheduleTask": {
      const task = action.scheduleTask;
      return {
        type: "ScheduleTask",
        id,
        name: required(task.name, "scheduleTask.name"),
        input: text(task.input),
        attempt: 1,
        firstAttemptId: id,
      };
    }
    case "createSubOrchestration": {
      const sub = action.createSubOrchestration;
      return {
        type: "CreateSubOrchestration",
        id,
        name: required(sub.name, "createSubOrchestration.name"),
        // The SDKs name their children; the protocol's default is the parent's ID and the task's ID in hex.
        instanceId: sub.instanceId || `${request.instanceId}:${id.toString(16).padStart(4, "0")}`,
        input: text(sub.input),
        ...(sub.version ? { version: sub.version.value } : {}),
      };
    }
    case "createTimer":
      return {
        type: "CreateTimer",
        id,
        fireAt: isoTime(action.createTimer.fireAt, "createTimer.fireAt"),
      };
    case "sendEvent": {
      const send = action.sendEvent;
      return {
        type: "SendEvent",
        id,
        instanceId: required(send.instance?.instanceId, "sendEvent.instance.instanceId"),
        name: required(send.name, "sendEvent.name"),
        input: text(send.data),
      };
    }
    case "completeOrchestration":
      return outcomeOf(request, action.completeOrchestration);
    case "sendEntityMessage":
      return entityAction(id, action.sendEntityMessage);
    case "terminateOrchestration":
    case "rewindOrchestration":
    default:
      throw new InvalidArgumentError(
        `The SDK worker returned a '${String(action.orchestratorActionType)}' action (id ${id}), which Taskhub ` +
          `does not support.`,
      );
  }
}

function outcomeOf(request: RemoteEpisodeRequest, complete: CompleteOrchestrationAction): ExecutionOutcome {
  const result = text(complete.result);
  switch (complete.orchestrationStatus) {
    case "ORCHESTRATION_STATUS_COMPLETED":
      return { status: "Completed", result };
    case "ORCHESTRATION_STATUS_FAILED":
      return {
        status: "Failed",
        failure: complete.failureDetails
          ? fromTaskFailureDetails(complete.failureDetails)
          : { errorType: "Error", message: "The orchestration failed (the SDK worker gave no details)." },
      };
    case "ORCHESTRATION_STATUS_TERMINATED": {
      const terminated = [...request.newEvents].reverse().find((e) => e.type === "ExecutionTerminated");
      const reason = terminated?.type === "ExecutionTerminated" ? terminated.reason : result;
      const recursive = terminated?.type === "ExecutionTerminated" ? terminated.recursive !== false : true;
      const children = recursive ? runningChildren([...request.pastEvents, ...request.newEvents]) : [];
      return { status: "Terminated", reason, ...(children.length > 0 ? { children } : {}) };
    }
    case "ORCHESTRATION_STATUS_CONTINUED_AS_NEW": {
      const carryoverEvents: EventRaised[] = [];
      for (const wire of complete.carryoverEvents ?? []) {
        const event = fromWireHistoryEvent(wire);
        if (event.type === "EventRaised") carryoverEvents.push(event);
      }
      return {
        status: "ContinuedAsNew",
        input: result,
        carryoverEvents,
        ...(complete.newVersion ? { version: complete.newVersion.value } : {}),
      };
    }
    default:
      throw new InvalidArgumentError(
        `The SDK worker completed the orchestration with status '${String(complete.orchestrationStatus)}', ` +
          `which is not a final status.`,
      );
  }
}

/** The request fields a signal and a call share, checked (`field` names the message in errors). */
function operationOf(
  e: {
    readonly requestId: string;
    readonly operation: string;
    readonly input: { readonly value: string } | null;
    readonly targetInstanceId: { readonly value: string } | null;
  },
  field: string,
): { requestId: string; targetInstanceId: string; operation: string; input: string | undefined } {
  return {
    requestId: required(e.requestId, `${field}.requestId`),
    targetInstanceId: entityTarget(e.targetInstanceId?.value, `${field}.targetInstanceId`),
    operation: required(e.operation, `${field}.operation`),
    input: text(e.input),
  };
}

function entityAction(id: number, message: SendEntityMessageAction): OrchestratorAction {
  switch (message.EntityMessageType) {
    case "entityOperationSignaled": {
      const e = message.entityOperationSignaled;
      return {
        type: "SignalEntity",
        id,
        ...operationOf(e, "entityOperationSignaled"),
        ...(e.scheduledTime
          ? { scheduledTime: isoTime(e.scheduledTime, "entityOperationSignaled.scheduledTime") }
          : {}),
      };
    }
    case "entityOperationCalled": {
      return {
        type: "CallEntity",
        id,
        ...operationOf(message.entityOperationCalled, "entityOperationCalled"),
      };
    }
    case "entityLockRequested": {
      const e = message.entityLockRequested;
      return {
        type: "LockEntities",
        id,
        criticalSectionId: required(e.criticalSectionId, "entityLockRequested.criticalSectionId"),
        lockSet: [
          ...new Set((e.lockSet ?? []).map((id) => entityTarget(id, "entityLockRequested.lockSet"))),
        ].sort(),
      };
    }
    case "entityUnlockSent": {
      const e = message.entityUnlockSent;
      return {
        type: "UnlockEntity",
        id,
        criticalSectionId: required(e.criticalSectionId, "entityUnlockSent.criticalSectionId"),
        targetInstanceId: entityTarget(e.targetInstanceId?.value, "entityUnlockSent.targetInstanceId"),
      };
    }
    default:
      throw new InvalidArgumentError(
        `The SDK worker sent an entity message without a kind (action id ${id}).`,
      );
  }
}

/** The locks to release because the execution ends inside a critical section (the SDKs leave them held). */
function locksLeftOpen(
  request: RemoteEpisodeRequest,
  actions: readonly OrchestratorAction[],
): Pick<EpisodeResult, "locksToRelease"> {
  const locksToRelease = openCriticalSection([...request.pastEvents, ...request.newEvents], actions);
  return locksToRelease ? { locksToRelease } : {};
}

/** True when the last suspend or resume the execution saw was a suspend. */
function isSuspended(request: RemoteEpisodeRequest): boolean {
  let suspended = false;
  for (const event of [...request.pastEvents, ...request.newEvents])
    if (event.type === "ExecutionSuspended") suspended = true;
    else if (event.type === "ExecutionResumed") suspended = false;
  return suspended;
}

/** The sub-orchestrations the execution started that have not reported back. */
function runningChildren(history: readonly HistoryEvent[]): string[] {
  const open = new Map<number, string>();
  for (const event of history)
    if (event.type === "SubOrchestrationInstanceCreated") open.set(event.eventId, event.instanceId);
    else if (
      event.type === "SubOrchestrationInstanceCompleted" ||
      event.type === "SubOrchestrationInstanceFailed"
    )
      open.delete(event.taskScheduledId);
  return [...open.values()];
}

/** A `StringValue` payload as JSON text; absent or empty (the SDKs' `undefined`): none. */
function text(value: { readonly value: string } | null | undefined): string | undefined {
  return value && value.value !== "" ? value.value : undefined;
}

/** A timestamp as ISO-8601 text. */
function isoTime(timestamp: Timestamp | null, field: string): string {
  if (!timestamp) throw new InvalidArgumentError(`The SDK worker's response lacks ${field}.`);
  return new Date(timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1e6)).toISOString();
}

/**
 * An entity instance ID of the response, as Taskhub spells it (`@name@key`, the name lower-case, as the SDKs make it).
 * @throws InvalidArgumentError when it is missing or not a valid entity ID (a key with `/`, `\\`, `?`, `#` or
 *   control characters is not one on Taskhub).
 */
function entityTarget(value: string | null | undefined, field: string): string {
  try {
    return EntityId.parse(required(value, field)).toString();
  } catch (error) {
    throw new InvalidArgumentError(
      `The SDK worker's ${field} is not a valid entity ID: ${(error as Error).message}`,
    );
  }
}

function required(value: string | null | undefined, field: string): string {
  if (!value) throw new InvalidArgumentError(`The SDK worker's response lacks ${field}.`);
  return value;
}
