/**
 * The orchestration side of entities: calls, signals and critical sections, with Durable Functions' locking rules.
 *
 * A critical section locks its entities in a fixed global order (sorted instance IDs): the lock request travels along
 * the sorted lock set, each entity locking itself and forwarding it, the last one granting the section. While the
 * section is held, the orchestration may call (never signal) its locked entities, one call per entity at a time, and
 * nothing else; it cannot nest sections or start sub-orchestrations. Locks are released by `handle.release()` or when
 * the execution ends (see {@link EntityCalls.locksToRelease}).
 * @module
 */
import {
  InvalidArgumentError,
  LockingRulesViolationError,
  NonDeterminismError,
  TaskFailedError,
} from "../core/errors.js";
import type {
  EntityLockGranted,
  EntityLockRequested,
  EntityOperationCalled,
  EntityOperationCompleted,
  EntityOperationFailed,
  EntityOperationSignaled,
  EntityUnlockSent,
} from "../core/history-event.js";
import { deserialize } from "../core/json.js";
import { EntityId } from "../core/entity-id.js";
import { DurableTask } from "../api/durable-task.js";
import type { LocksToRelease } from "./episode.js";
import { uuidV5 } from "./new-guid.js";
import type { LockHandle } from "../api/orchestration-context.js";
import type { OpenTask, SessionActions, TaskKind } from "./session-port.js";
import type { OrchestratorAction } from "./actions.js";

/** An entity event that records an action of the orchestrator. */
export type EntityActionEvent =
  EntityOperationCalled | EntityOperationSignaled | EntityLockRequested | EntityUnlockSent;

/** An entity event that settles an awaited task. */
export type EntityResponseEvent = EntityOperationCompleted | EntityOperationFailed | EntityLockGranted;

type Resolve = (
  id: number,
  kind: TaskKind,
  settle: (task: DurableTask<unknown>, open: OpenTask) => void,
) => void;

interface Section {
  readonly id: string;
  readonly lockSet: readonly string[];
  granted: boolean;
  /** Locked entities with a call in flight. */
  readonly busy: Set<string>;
}

interface Request {
  readonly taskId: number;
  /** The entity of a call made inside a section (freed when the response arrives). */
  readonly lockedTarget?: string | undefined;
}

/** @internal Entity calls and critical sections of one orchestration session. */
export class EntityCalls {
  private readonly requests = new Map<string, Request>();
  private section: Section | undefined;

  constructor(private readonly session: SessionActions) {}

  /** True while a critical section is open (requested, granted, not released). */
  get inCriticalSection(): boolean {
    return this.section !== undefined;
  }

  /** The entities of the open critical section (empty outside one). */
  get lockedEntities(): readonly EntityId[] {
    return this.section ? this.section.lockSet.map((id) => EntityId.parse(id)) : [];
  }

  /** Schedules a call; the task settles with the entity's response. */
  call(target: EntityId, operation: string, input: string | undefined): DurableTask<unknown> {
    const targetId = target.toString();
    const section = this.section;
    if (section) {
      const what = `ctx.callEntity('${targetId}', '${operation}')`;
      if (!section.lockSet.includes(targetId))
        throw violation(
          `${what} inside a critical section that has not locked '${targetId}': inside a critical section an ` +
            `orchestration may only call the entities it has locked (${section.lockSet.join(", ")}).`,
        );
      if (!section.granted)
        throw violation(`${what} before the locks were granted: await ctx.lockEntities(...) first.`);
      if (section.busy.has(targetId))
        throw violation(
          `${what} while another call to '${targetId}' is still pending: inside a critical section, calls to one ` +
            `locked entity must be awaited one at a time.`,
        );
    }
    const task = new DurableTask<unknown>(`entity operation '${operation}' on '${targetId}'`);
    this.session.schedule(
      (id) => {
        const requestId = this.requestId(id);
        this.requests.set(requestId, { taskId: id, lockedTarget: section ? targetId : undefined });
        if (section) section.busy.add(targetId);
        return { type: "CallEntity", id, requestId, targetInstanceId: targetId, operation, input };
      },
      "entity",
      task,
      `'${operation}' on '${targetId}'`,
    );
    return task;
  }

  /** Schedules a one-way signal. */
  signal(target: EntityId, operation: string, input: string | undefined, scheduledTime?: string): void {
    const targetId = target.toString();
    if (this.section?.lockSet.includes(targetId))
      throw violation(
        `ctx.signalEntity('${targetId}', '${operation}') inside a critical section that has locked ` +
          `'${targetId}': a locked entity can only be called, not signalled.`,
      );
    this.session.schedule((id) => ({
      type: "SignalEntity",
      id,
      requestId: this.requestId(id),
      targetInstanceId: targetId,
      operation,
      input,
      scheduledTime,
    }));
  }

  /** Opens a critical section on `ids`; the task completes with a handle once every lock is held. */
  lock(ids: readonly EntityId[]): DurableTask<LockHandle> {
    if (ids.length === 0) throw new InvalidArgumentError("ctx.lockEntities needs at least one entity ID.");
    for (const id of ids)
      if (!(id instanceof EntityId))
        throw new InvalidArgumentError(
          `ctx.lockEntities takes entity IDs (entityId(def, key) or def.id(key)), got ${JSON.stringify(id)}.`,
        );
    const lockSet = [...new Set(ids.map((id) => id.toString()))].sort();
    if (this.section)
      throw violation(
        `ctx.lockEntities(${lockSet.join(", ")}) inside a critical section (on ${this.section.lockSet.join(", ")}): ` +
          `critical sections cannot be nested; release the first one before locking again.`,
      );
    const task = new DurableTask<LockHandle>(`lock on ${lockSet.join(", ")}`);
    this.session.schedule(
      (id) => {
        const criticalSectionId = this.requestId(id);
        const section: Section = { id: criticalSectionId, lockSet, granted: false, busy: new Set() };
        this.section = section;
        this.requests.set(criticalSectionId, { taskId: id });
        return { type: "LockEntities", id, criticalSectionId, lockSet };
      },
      "lock",
      task as DurableTask<unknown>,
      lockSet.join(", "),
    );
    return task;
  }

  /** @throws LockingRulesViolationError when a sub-orchestration is started inside a critical section. */
  checkSubOrchestration(name: string): void {
    if (this.section)
      throw violation(
        `ctx.callSubOrchestrator('${name}') inside a critical section: sub-orchestrations cannot be started ` +
          `while holding entity locks; release the section first.`,
      );
  }

  /** Settles the task an entity response is for, through the session's `resolve`. */
  deliver(event: EntityResponseEvent, resolve: Resolve): void {
    switch (event.type) {
      case "EntityOperationCompleted":
        this.responded(event.requestId);
        return resolve(this.taskIdOf(event.requestId, event.type), "entity", (t) =>
          t.complete(deserialize(event.result, "Entity operation result")),
        );
      case "EntityOperationFailed":
        this.responded(event.requestId);
        return resolve(this.taskIdOf(event.requestId, event.type), "entity", (t, open) =>
          t.fail(new TaskFailedError(`Entity operation ${open.name} failed`, event.failure, open.name)),
        );
      case "EntityLockGranted":
        return resolve(this.taskIdOf(event.criticalSectionId, event.type), "lock", (t) =>
          t.complete(this.granted(event.criticalSectionId)),
        );
    }
  }

  /** The task ID of a request (call or lock) by its request / critical section ID. */
  private taskIdOf(requestId: string, what: string): number {
    const request = this.requests.get(requestId);
    if (!request)
      throw new NonDeterminismError(
        `History has ${what} for request '${requestId}', but the orchestrator '${this.session.name}' never sent ` +
          `that request.`,
      );
    return request.taskId;
  }

  /** Called when a response arrives: the locked entity may be called again. */
  private responded(requestId: string): void {
    const target = this.requests.get(requestId)?.lockedTarget;
    if (target) this.section?.busy.delete(target);
  }

  /** Called when the locks of a section were granted; returns the handle the lock task completes with. */
  private granted(criticalSectionId: string): LockHandle {
    const section = this.section;
    if (section?.id === criticalSectionId) section.granted = true;
    const lockedEntities = section ? section.lockSet.map((id) => EntityId.parse(id)) : [];
    return { lockedEntities, release: () => this.release(criticalSectionId) };
  }

  /** Releases the locks of an open, granted section (idempotent). */
  release(criticalSectionId: string): void {
    const section = this.section;
    // After the execution ended, actions are ignored: the engine releases the section (locksToRelease).
    if (section?.id !== criticalSectionId || this.session.isFinished) return;
    this.section = undefined;
    for (const targetInstanceId of section.lockSet)
      this.session.schedule((id) => ({ type: "UnlockEntity", id, criticalSectionId, targetInstanceId }));
  }

  /** The section still open when the execution ends: its locks must be released by the engine. */
  locksToRelease(): LocksToRelease | undefined {
    const section = this.section;
    return section
      ? { criticalSectionId: section.id, lockSet: section.lockSet, granted: section.granted }
      : undefined;
  }

  private requestId(id: number): string {
    return uuidV5(`${this.session.instanceId}:${this.session.executionId}:${id}`);
  }
}

/** What a recorded entity action is about, for non-determinism messages. */
export function describeEntityEvent(event: EntityActionEvent): string {
  switch (event.type) {
    case "EntityOperationCalled":
    case "EntityOperationSignaled":
      return `${event.targetInstanceId} ${event.operation}`;
    case "EntityLockRequested":
      return event.lockSet.join(", ");
    case "EntityUnlockSent":
      return event.targetInstanceId;
  }
}

/** True when the action the code issued is the one history recorded. */
export function matchesEntityEvent(action: OrchestratorAction, event: EntityActionEvent): boolean {
  switch (event.type) {
    case "EntityOperationCalled":
      return (
        action.type === "CallEntity" &&
        action.targetInstanceId === event.targetInstanceId &&
        sameName(action.operation, event.operation)
      );
    case "EntityOperationSignaled":
      return (
        action.type === "SignalEntity" &&
        action.targetInstanceId === event.targetInstanceId &&
        sameName(action.operation, event.operation)
      );
    case "EntityLockRequested":
      return action.type === "LockEntities" && action.lockSet.join("\n") === event.lockSet.join("\n");
    case "EntityUnlockSent":
      return action.type === "UnlockEntity" && action.targetInstanceId === event.targetInstanceId;
  }
}

function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

function violation(message: string): LockingRulesViolationError {
  return new LockingRulesViolationError(message);
}
