/**
 * The client side of entities: signal, read state, list, clean storage. `DurableClient` exposes these methods.
 * @module
 */
import type { Registry } from "../api/registry.js";
import { InvalidArgumentError, isInstanceNotFoundError } from "../core/errors.js";
import { deserialize } from "../core/json.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { clockFor, type Clock } from "../task-hub/clock.js";
import { hasLocalDispatch } from "../task-hub/local-dispatch.js";
import type { InstanceRecord, TaskHub } from "../task-hub/task-hub.js";
import type {
  EntityDefinition,
  EntityStateOf,
  OperationName,
  SignalArgs,
  SignalEntityOptions,
} from "../api/entity-definition.js";
import { EntityId, entityId, entityNameOf, type EntityRef } from "../core/entity-id.js";
import { prepareSignal } from "../api/entity-lookup.js";
import {
  ENTITY_CONTINUE_EVENT,
  entityCreation,
  signalMessage,
  type EntityRequestEvent,
} from "../orchestration/entity-messages.js";
import { readEntityRecord, type EntityRecord } from "./entity-record.js";
import { ATTR } from "../tracing/attributes.js";
import { withProducerSpan } from "../tracing/producer-spans.js";

/** What `readEntityState` returns: the last committed state. */
export interface EntityStateResponse<S = unknown> {
  /** False when the entity has no state (never created, or deleted). */
  readonly entityExists: boolean;
  /** The state, when the entity exists. */
  readonly entityState: S | undefined;
}

/** Filters and paging of `listEntities`. */
export interface EntityQuery {
  /** Only entities with this name (a definition or a name, any casing). */
  readonly name?: EntityRef | undefined;
  /** Only keys starting with this (case-sensitive). */
  readonly keyPrefix?: string | undefined;
  /**
   * Only entities whose instance ID (`@name@key`, the name lower-case) starts with this; replaces `name` and
   * `keyPrefix` (the Durable Task protocol's `instanceIdStartsWith`: `@coun` matches every name starting so).
   */
  readonly instanceIdPrefix?: string | undefined;
  /** Also list entities without state that hold a lock or have requests queued (default false). */
  readonly includeTransient?: boolean | undefined;
  /** Inclusive bounds on the time of the entity's last operation. */
  readonly lastOperationTimeFrom?: Date | undefined;
  readonly lastOperationTimeTo?: Date | undefined;
  /** Include each entity's state (default false). */
  readonly includeState?: boolean | undefined;
  /** Page size, 1 to 1,000 (default 100). */
  readonly pageSize?: number | undefined;
  /** Token from the previous page. */
  readonly continuationToken?: string | undefined;
}

/** One entity in a `listEntities` page. */
export interface EntityMetadata {
  readonly entityId: EntityId;
  readonly lastOperationTime: Date;
  /** The state, with `includeState`. */
  readonly state?: unknown;
  /** The orchestration holding the entity's lock, if any. */
  readonly lockedBy?: string | undefined;
  /** Requests waiting for the lock to be released. */
  readonly backlogQueueSize: number;
}

/** One page of `listEntities`. */
export interface EntityPage {
  readonly entities: EntityMetadata[];
  /** Present when another page may follow. */
  readonly continuationToken?: string | undefined;
}

/** Options of `cleanEntityStorage`. */
export interface CleanEntityStorageOptions {
  /** Remove entities that have no state, no lock and nothing queued (default true). */
  readonly removeEmptyEntities?: boolean | undefined;
  /** Release locks held by orchestrations that no longer run (default true). */
  readonly releaseOrphanedLocks?: boolean | undefined;
  /** How long to wait for a worker to remove the empty entities found (default 5 s). */
  readonly timeoutMs?: number | undefined;
}

/** What `cleanEntityStorage` did. */
export interface CleanEntityStorageResult {
  readonly emptyEntitiesRemoved: number;
  readonly orphanedLocksReleased: number;
}

/** Typed `signalEntity`, as `DurableClient` exposes it. */
export interface SignalEntityMethod {
  <E extends EntityDefinition, K extends OperationName<E>>(
    entity: E,
    key: string,
    operation: K,
    ...args: SignalArgs<E, K>
  ): Promise<void>;
  (
    entity: string,
    key: string,
    operation: string,
    input?: unknown,
    options?: SignalEntityOptions,
  ): Promise<void>;
}

/** Typed `readEntityState`, as `DurableClient` exposes it. */
export interface ReadEntityStateMethod {
  <E extends EntityDefinition>(entity: E, key: string): Promise<EntityStateResponse<EntityStateOf<E>>>;
  <S = unknown>(entity: string, key: string): Promise<EntityStateResponse<S>>;
}

/** Entity operations of the client. */
export class EntityClient {
  /**
   * @param clock Where the client reads time (request timestamps). Default: the task hub's clock.
   * @param maxPayloadBytes Largest operation input, as UTF-8 JSON (default 16 MiB).
   * @param anyName Signal entities the registry does not have, with any operation (their code runs elsewhere: on
   *   the SDK workers connected to the sidecar); entities it has are still checked.
   */
  constructor(
    private readonly taskHub: TaskHub,
    private readonly registry?: Registry,
    private readonly clock: Clock = clockFor(taskHub),
    private readonly maxPayloadBytes?: number,
    private readonly anyName = false,
  ) {}

  /**
   * Signals an entity operation (one way; the entity is created by its first operation). With `signalTime`, the
   * operation is delivered at that time. Signals from one client are delivered in the order they were sent.
   * @throws UnknownFunctionError / InvalidArgumentError for an unknown entity or operation (when the client knows
   *   the app), an invalid key or an input that cannot be serialized; PayloadTooLargeError for an input larger than
   *   `maxPayloadBytes`.
   */
  readonly signalEntity = (async (
    entity: EntityRef,
    key: string,
    operation: string,
    input?: unknown,
    options?: SignalEntityOptions,
  ): Promise<void> => {
    const id = entityId(entity, key);
    const registry = this.anyName && !this.registry?.entities.get(id.name) ? undefined : this.registry;
    const { input: text, signalTime: time } = prepareSignal(
      registry,
      id,
      operation,
      input,
      options,
      this.maxPayloadBytes,
    );
    await withProducerSpan(
      `signal_entity:${id.name}:${operation}`,
      () => ({
        [ATTR.type]: "signal_entity",
        [ATTR.taskName]: id.name,
        [ATTR.instanceId]: id.toString(),
        [ATTR.entityOperation]: operation,
      }),
      (traceContext) => {
        const message = signalMessage(
          id.toString(),
          operation,
          text,
          time,
          this.timestamp(),
          undefined,
          traceContext,
        );
        return this.deliver(message.instanceId, message.event, message.visibleAt);
      },
    );
  }) as SignalEntityMethod;

  /** The entity's last committed state (`entityExists: false` when it has none). */
  readonly readEntityState: ReadEntityStateMethod = async (
    entity: EntityRef,
    key: string,
  ): Promise<EntityStateResponse<never>> => {
    const record = await this.taskHub.getInstance(entityId(entity, key).toString());
    const text = record?.customStatus;
    return { entityExists: text !== undefined, entityState: deserialize(text, "Entity state") };
  };

  /**
   * The entity's metadata (as a `listEntities` page lists it), or `undefined` when it does not exist (has no state).
   * With `includeState`, the state too.
   */
  async getEntity(
    entity: EntityRef,
    key: string,
    options: { readonly includeState?: boolean | undefined } = {},
  ): Promise<EntityMetadata | undefined> {
    const instance = await this.taskHub.getInstance(entityId(entity, key).toString());
    const record = instance && entityRecordOf(instance);
    return record && record.stateText !== undefined
      ? metadataOf(record, options.includeState === true)
      : undefined;
  }

  /** Lists the entities that exist (have state), one page at a time. */
  async listEntities(query: EntityQuery = {}): Promise<EntityPage> {
    const pageSize = query.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new InvalidArgumentError(`pageSize must be an integer from 1 to 1000, got ${pageSize}.`);
    const from = checkTime(query.lastOperationTimeFrom, "lastOperationTimeFrom");
    const to = checkTime(query.lastOperationTimeTo, "lastOperationTimeTo");
    const keyPrefix = query.keyPrefix ?? "";
    const name = query.name === undefined ? undefined : entityId(entityNameOf(query.name), keyPrefix).name;
    const entities: EntityMetadata[] = [];
    let token = query.continuationToken;
    do {
      const page = await this.taskHub.listInstances({
        instanceIdPrefix: query.instanceIdPrefix ?? (name === undefined ? "@" : `@${name}@${keyPrefix}`),
        pageSize: pageSize - entities.length,
        continuationToken: token,
        includePayloads: true,
      });
      for (const instance of page.instances) {
        const record = entityRecordOf(instance);
        if (!record || !record.id.key.startsWith(keyPrefix)) continue;
        const transient = !!record.scheduler.lock || (record.scheduler.queue?.length ?? 0) > 0;
        if (record.stateText === undefined && !(query.includeTransient && transient)) continue;
        if (
          (from !== undefined && record.lastOperationTime < from) ||
          (to !== undefined && record.lastOperationTime > to)
        )
          continue;
        entities.push(metadataOf(record, query.includeState === true));
      }
      token = page.continuationToken;
    } while (token !== undefined && entities.length < pageSize);
    return { entities, ...(token !== undefined ? { continuationToken: token } : {}) };
  }

  /**
   * Cleans entity storage: releases locks held by orchestrations that no longer run (finished, purged, or moved on
   * to a new execution), and has empty entities (no state, no lock, nothing queued) removed by a worker, waiting up
   * to `timeoutMs` for them to go. Returns the counts.
   *
   * Removing an empty entity's row is a fast path (`deleteIfIdle` of `LocalDispatchCapability`): on a hub without it
   * (the memory hub) an empty entity keeps its row, which reads as an entity that does not exist, and
   * `emptyEntitiesRemoved` is 0 (nothing is nudged, nothing is waited for).
   */
  async cleanEntityStorage(options: CleanEntityStorageOptions = {}): Promise<CleanEntityStorageResult> {
    const removeEmpty = options.removeEmptyEntities ?? true;
    const releaseLocks = options.releaseOrphanedLocks ?? true;
    const empty: string[] = [];
    let orphanedLocksReleased = 0;
    let token: string | undefined;
    do {
      const page = await this.taskHub.listInstances({
        instanceIdPrefix: "@",
        pageSize: 500,
        continuationToken: token,
        includePayloads: true,
      });
      for (const instance of page.instances) {
        const record = entityRecordOf(instance);
        if (!record) continue;
        const { lock, queue } = record.scheduler;
        if (lock && releaseLocks && (await this.isOrphaned(lock.ownerInstanceId, lock.ownerExecutionId))) {
          await this.deliver(instance.instanceId, {
            type: "EntityUnlockSent",
            timestamp: this.timestamp(),
            eventId: -1,
            criticalSectionId: lock.criticalSectionId,
            targetInstanceId: instance.instanceId,
            parentInstanceId: lock.ownerInstanceId,
          });
          orphanedLocksReleased++;
        } else if (removeEmpty && !lock && record.stateText === undefined && !queue?.length) {
          empty.push(instance.instanceId);
        }
      }
      token = page.continuationToken;
    } while (token !== undefined);
    return {
      emptyEntitiesRemoved: hasLocalDispatch(this.taskHub)
        ? await this.removeEmpty(empty, options.timeoutMs ?? 5000)
        : 0,
      orphanedLocksReleased,
    };
  }

  /** Asks each empty entity to take a step (an idle entity deletes itself), then counts those gone. */
  private async removeEmpty(ids: readonly string[], timeoutMs: number): Promise<number> {
    for (const instanceId of ids)
      await this.taskHub
        .appendInboxMessage({
          instanceId,
          event: { type: "EventRaised", timestamp: this.timestamp(), name: ENTITY_CONTINUE_EVENT },
        })
        .catch((error: unknown) => {
          if (!isInstanceNotFoundError(error)) throw error;
        });
    const deadline = performance.now() + timeoutMs; // a real wait (the clock may be virtual), monotonic
    let left = [...ids];
    for (let pause = 5; left.length > 0 && performance.now() < deadline; pause = Math.min(pause * 2, 200)) {
      const records = await Promise.all(left.map((id) => this.taskHub.getInstance(id)));
      left = left.filter((_, i) => records[i] !== undefined);
      if (left.length > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return ids.length - left.length;
  }

  /** Now on the clock, as an event timestamp. */
  private timestamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private async isOrphaned(ownerInstanceId: string, ownerExecutionId: string): Promise<boolean> {
    const owner = await this.taskHub.getInstance(ownerInstanceId);
    return !owner || isTerminalStatus(owner.status) || owner.executionId !== ownerExecutionId;
  }

  /**
   * Appends a request to an entity's inbox. When the entity instance does not exist, creates it with the request in
   * the same write (an empty entity may delete itself at any time, so create-then-append could lose the request).
   */
  private async deliver(instanceId: string, event: EntityRequestEvent, visibleAt?: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.taskHub.appendInboxMessage({ instanceId, event, visibleAt });
        return;
      } catch (error) {
        if (!isInstanceNotFoundError(error) || attempt >= 5) throw error;
      }
      try {
        await this.taskHub.createInstance(entityCreation(instanceId, this.timestamp(), { event, visibleAt }));
        return;
      } catch (error) {
        // Someone else created it meanwhile: append again.
        if ((error as Error | undefined)?.name !== "InstanceAlreadyExistsError") throw error;
      }
    }
  }
}

function entityRecordOf(instance: InstanceRecord): EntityRecord | undefined {
  if (!EntityId.isEntityInstanceId(instance.instanceId)) return undefined;
  try {
    return readEntityRecord(instance);
  } catch {
    return {
      id: EntityId.parse(instance.instanceId),
      stateText: instance.customStatus,
      scheduler: {},
      lastOperationTime: instance.lastUpdatedAt,
    };
  }
}

function metadataOf(record: EntityRecord, includeState: boolean): EntityMetadata {
  return {
    entityId: record.id,
    lastOperationTime: new Date(record.lastOperationTime),
    ...(includeState && record.stateText !== undefined
      ? { state: deserialize(record.stateText, "Entity state") }
      : {}),
    lockedBy: record.scheduler.lock?.ownerInstanceId,
    backlogQueueSize: record.scheduler.queue?.length ?? 0,
  };
}

function checkTime(value: Date | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(time)) throw new InvalidArgumentError(`${what} must be a valid Date.`);
  return time;
}
