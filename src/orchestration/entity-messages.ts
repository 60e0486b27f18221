/**
 * The messages of the entity protocol, as the senders build them: operation requests, lock requests and releases to
 * entities, and the instance creation that makes an entity exist on its first message.
 *
 * Entities live in the task hub as instances with ID `@name@key`. A message for an instance that does not exist is
 * dropped by the task hub, so every sender of a request also asks for the entity instance to be created (a
 * {@link NewInstance} with an `ExecutionStarted`; refused silently when it already exists, and created before the
 * messages of the same step are written). The entity processor ignores that `ExecutionStarted`.
 * @module
 */
import { randomUUID } from "node:crypto";
import type {
  EntityLockRequested,
  EntityOperationCalled,
  EntityOperationSignaled,
  EntityUnlockSent,
  HistoryEvent,
} from "../core/history-event.js";
import type { EntityAction } from "./actions.js";
import type { LocksToRelease } from "./episode.js";
import { uuidV5 } from "./new-guid.js";
import type { NewInboxMessage, NewInstance } from "../core/records.js";
import type { TraceContext } from "../core/trace-context.js";
import { EntityId } from "../core/entity-id.js";

/** Name of the event an entity sends itself to continue a backlog in its next step. */
export const ENTITY_CONTINUE_EVENT = "taskhub.entity.continue";

/** A request for an entity, as delivered to its inbox. */
export type EntityRequestEvent =
  EntityOperationSignaled | EntityOperationCalled | EntityLockRequested | EntityUnlockSent;

/** An inbox message carrying an entity request. */
export interface EntityRequestMessage extends NewInboxMessage {
  readonly event: EntityRequestEvent;
}

/**
 * A signal sent from outside an orchestration, by a client or (`sender`) an entity: its message for the entity's
 * inbox, held until `signalTime` when there is one.
 */
export function signalMessage(
  targetInstanceId: string,
  operation: string,
  input: string | undefined,
  signalTime: Date | undefined,
  timestamp: string,
  sender?: string,
  traceContext?: TraceContext,
): EntityRequestMessage & { readonly visibleAt?: number | undefined } {
  return {
    instanceId: targetInstanceId,
    event: {
      type: "EntityOperationSignaled",
      timestamp,
      eventId: -1,
      requestId: randomUUID(),
      operation,
      input,
      targetInstanceId,
      ...(signalTime ? { scheduledTime: signalTime.toISOString() } : {}),
      ...(sender !== undefined ? { parentInstanceId: sender } : {}),
      ...(traceContext ? { parentTraceContext: traceContext } : {}),
    },
    ...(signalTime ? { visibleAt: signalTime.getTime() } : {}),
  };
}

/** The request message for an orchestrator's entity action (its event is also what history records). */
export function entityMessage(
  action: EntityAction,
  instanceId: string,
  executionId: string,
  timestamp: string,
  traceContext?: TraceContext,
): EntityRequestMessage {
  const parent = { parentInstanceId: instanceId };
  const traced = traceContext ? { parentTraceContext: traceContext } : {};
  switch (action.type) {
    case "CallEntity":
      return {
        instanceId: action.targetInstanceId,
        event: {
          type: "EntityOperationCalled",
          timestamp,
          eventId: action.id,
          requestId: action.requestId,
          operation: action.operation,
          input: action.input,
          targetInstanceId: action.targetInstanceId,
          ...parent,
          parentExecutionId: executionId,
          ...traced,
        },
      };
    case "SignalEntity":
      return {
        instanceId: action.targetInstanceId,
        event: {
          type: "EntityOperationSignaled",
          timestamp,
          eventId: action.id,
          requestId: action.requestId,
          operation: action.operation,
          input: action.input,
          targetInstanceId: action.targetInstanceId,
          ...(action.scheduledTime !== undefined ? { scheduledTime: action.scheduledTime } : {}),
          ...parent,
          ...traced,
        },
        ...(action.scheduledTime !== undefined ? { visibleAt: Date.parse(action.scheduledTime) } : {}),
      };
    case "LockEntities":
      return {
        instanceId: action.lockSet[0]!,
        event: {
          type: "EntityLockRequested",
          timestamp,
          eventId: action.id,
          criticalSectionId: action.criticalSectionId,
          lockSet: action.lockSet,
          position: 0,
          ...parent,
          parentExecutionId: executionId,
        },
      };
    case "UnlockEntity":
      return {
        instanceId: action.targetInstanceId,
        event: {
          type: "EntityUnlockSent",
          timestamp,
          eventId: action.id,
          criticalSectionId: action.criticalSectionId,
          targetInstanceId: action.targetInstanceId,
          ...parent,
        },
      };
  }
}

/**
 * Creates the entity instance `entityInstanceId` if it does not exist (see the module comment). With `request`, the
 * creation carries that request (in the `ExecutionStarted` input): a client creates an entity and signals it in one
 * write, so the new entity cannot find itself idle and vanish before the signal arrives.
 */
export function entityCreation(
  entityInstanceId: string,
  timestamp: string,
  request?: { readonly event: EntityRequestEvent; readonly visibleAt?: number | undefined },
): NewInstance {
  return {
    event: {
      type: "ExecutionStarted",
      timestamp,
      name: EntityId.parse(entityInstanceId).name,
      instanceId: entityInstanceId,
      executionId: uuidV5(entityInstanceId),
      ...(request ? { input: JSON.stringify(request.event) } : {}),
    },
    ...(request?.visibleAt !== undefined ? { visibleAt: request.visibleAt } : {}),
  };
}

/** The request a creation carries (see {@link entityCreation}), or `undefined`. @throws SyntaxError when corrupted. */
export function requestOfCreation(event: HistoryEvent): EntityRequestEvent | undefined {
  return event.type === "ExecutionStarted" && event.input !== undefined
    ? (JSON.parse(event.input) as EntityRequestEvent)
    : undefined;
}

/** Creation requests for the entities among `messages`' targets, one per entity. */
export function entityCreations(messages: readonly NewInboxMessage[], timestamp: string): NewInstance[] {
  const targets = new Set<string>();
  for (const m of messages) if (EntityId.isEntityInstanceId(m.instanceId)) targets.add(m.instanceId);
  return [...targets].map((id) => entityCreation(id, timestamp));
}

/**
 * Releases for the locks of a section left open when its orchestration ended. Granted locks are released directly;
 * a section still being acquired is released along its lock chain, behind the lock request (so that an entity the
 * request has not reached yet cannot lock itself after the release).
 */
export function releaseMessages(
  locks: LocksToRelease,
  instanceId: string,
  timestamp: string,
): EntityRequestMessage[] {
  const release = (targetInstanceId: string, chain: boolean): EntityRequestMessage => ({
    instanceId: targetInstanceId,
    event: {
      type: "EntityUnlockSent",
      timestamp,
      eventId: -1,
      criticalSectionId: locks.criticalSectionId,
      targetInstanceId,
      parentInstanceId: instanceId,
      ...(chain ? { lockSet: locks.lockSet, position: 0 } : {}),
    },
  });
  if (locks.granted) return locks.lockSet.map((id) => release(id, false));
  const first = locks.lockSet[0];
  return first === undefined ? [] : [release(first, true)];
}
