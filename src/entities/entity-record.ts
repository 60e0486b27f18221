/**
 * How an entity is stored: in its instance row (instance ID `@name@key`, status Running while the row exists).
 * - `customStatus`: the entity's state as JSON text; absent when the entity has no state (it does not exist).
 * - `input`: the scheduler's own state as JSON text ({@link SchedulerState}): the lock holder, requests deferred while
 *   locked, the time of the last operation.
 * The entity keeps no history. A row with no state, no lock and nothing queued is deleted by the entity's last step.
 * @module
 */
import { TaskHubError } from "../core/errors.js";
import type { InstanceRecord } from "../core/records.js";
import { EntityId } from "../core/entity-id.js";
import type { EntityRequestEvent } from "../orchestration/entity-messages.js";

/** The holder of an entity's lock. */
export interface EntityLock {
  readonly criticalSectionId: string;
  /** The orchestration that holds the lock. */
  readonly ownerInstanceId: string;
  readonly ownerExecutionId: string;
}

/** The scheduler's part of an entity's stored state. */
export interface SchedulerState {
  readonly lock?: EntityLock | undefined;
  /** Requests from others deferred while the entity was locked, in arrival order. */
  readonly queue?: readonly EntityRequestEvent[] | undefined;
  /** Epoch ms of the last operation. */
  readonly lastOperationTime?: number | undefined;
}

/** An entity as read from its instance row. */
export interface EntityRecord {
  readonly id: EntityId;
  /** The state as JSON text; `undefined` when the entity has no state. */
  readonly stateText: string | undefined;
  readonly scheduler: SchedulerState;
  /** When the entity last ran an operation (falls back to the row's last update). */
  readonly lastOperationTime: number;
}

/**
 * Reads an entity from its instance row.
 * @throws TaskHubError when the stored scheduler state is not valid JSON.
 */
export function readEntityRecord(instance: InstanceRecord): EntityRecord {
  const scheduler = parseScheduler(instance.input, instance.instanceId);
  return {
    id: EntityId.parse(instance.instanceId),
    stateText: instance.customStatus,
    scheduler,
    lastOperationTime: scheduler.lastOperationTime ?? instance.lastUpdatedAt,
  };
}

/** Parses the scheduler state stored in an entity row's `input`. @throws TaskHubError when corrupted. */
export function parseScheduler(text: string | undefined, instanceId: string): SchedulerState {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as SchedulerState;
  } catch (error) {
    throw new TaskHubError(
      `The stored scheduler state of entity '${instanceId}' is corrupted: ${(error as Error).message}`,
    );
  }
}

/** Serializes the scheduler state (`undefined` when there is nothing to keep). */
export function serializeScheduler(state: SchedulerState): string | undefined {
  const out: SchedulerState = {
    ...(state.lock ? { lock: state.lock } : {}),
    ...(state.queue && state.queue.length > 0 ? { queue: state.queue } : {}),
    ...(state.lastOperationTime !== undefined ? { lastOperationTime: state.lastOperationTime } : {}),
  };
  return Object.keys(out).length > 0 ? JSON.stringify(out) : undefined;
}
