/**
 * The entity processor: turns one work item of an entity (instance `@name@key`) into one completion.
 *
 * It runs the entity's queued requests serially, in arrival order, up to `maxBatchSize` operations per step, then
 * commits everything at once through `completeOrchestrationWorkItems`: the new state, the consumed messages, the
 * responses to callers, the outgoing signals and orchestration starts. The commit is atomic and guarded by the
 * work item's lock token, so each message is applied exactly once, in order, across crashes and with many workers.
 *
 * Each operation runs on its own copy of the state: an operation that throws leaves the state as it was and sends
 * nothing (its caller gets the error). Locks: while an orchestration's critical section holds the entity, requests
 * from anyone else are deferred (kept, in order, in the stored scheduler state) and run once the lock is released.
 *
 * The step keeps the scheduling; the code runs on an entity batch executor (`./entity-batch.ts`): the runnable
 * operations between two lock events go as one batch to the local executor (the registry's entities) or, for an
 * entity the registry does not have, to the remote one (the SDK workers connected to the gRPC sidecar).
 * @module
 */
import type { Registry } from "../api/registry.js";
import { TaskHubError } from "../core/errors.js";
import type { FailureDetails } from "../core/failure.js";
import type { EntityOperationCalled, HistoryEvent } from "../core/history-event.js";
import { errorFields, failureFields, toLogger, type Logger, type LogSink } from "../core/logger.js";
import { systemClock } from "../task-hub/clock.js";
import type { NewInboxMessage, NewInstance, OrchestrationWorkItem } from "../core/records.js";
import type { FastPathCompletion } from "../task-hub/local-dispatch.js";
import { EntityId } from "../core/entity-id.js";
import { poisonFailure, type Quarantine } from "../api/delivery-limit.js";
import {
  ENTITY_CONTINUE_EVENT,
  entityCreation,
  requestOfCreation,
  type EntityRequestEvent,
} from "../orchestration/entity-messages.js";
import type {
  EntityBatchExecutor,
  EntityOperationRequest,
  EntitySends,
  RemoteEntityExecutor,
} from "./entity-batch.js";
import { parseScheduler, serializeScheduler, type EntityLock } from "./entity-record.js";
import { LocalEntityBatchExecutor, type LocalEntityBatchOptions } from "./local-entity-batch.js";
import { payloadChecked } from "./payload-checked-batch.js";

/** Settings of the entity processor (with those of the local executor it runs registered entities on). */
export interface EntityProcessorOptions extends LocalEntityBatchOptions {
  /** Most operations run in one step (default 50). */
  readonly maxBatchSize?: number | undefined;
  /** Where failed signalled operations are reported (default: console). */
  readonly logSink?: LogSink | undefined;
  /** Reads the hub's clock: the time of each step (default: the system clock). */
  readonly clock?: (() => number) | undefined;
  /** Told of each operation run (the entity's name, the operation, how it ended): the worker's metrics. */
  readonly onOperation?:
    ((entityName: string, operation: string, outcome: EntityOperationOutcome) => void) | undefined;
  /**
   * Where the operations of entities the registry does not have run (the gRPC sidecar's SDK workers). Absent: such
   * operations fail with an `UnknownFunctionError`, as ever.
   */
  readonly remote?: RemoteEntityExecutor | undefined;
}

/** How an entity operation ended: its result, a failure (rolled back), or a quarantine (not run: poison work). */
export type EntityOperationOutcome = "completed" | "failed" | "poisoned";

/** A request on the work list: from the stored queue, or from the inbox (`messageId`). */
interface Entry {
  readonly event: HistoryEvent;
  readonly messageId?: number | undefined;
  /** True once looked at (an inbox message looked at is consumed). */
  examined: boolean;
}

type Operation = EntityOperationRequest;

/** Runs entity work items. Stateless between work items: an idle entity costs nothing. */
export class EntityProcessor {
  private readonly maxBatchSize: number;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly onOperation: EntityProcessorOptions["onOperation"];
  private readonly local: LocalEntityBatchExecutor;
  private readonly remote: RemoteEntityExecutor | undefined;

  constructor(
    private readonly registry: Registry,
    options: EntityProcessorOptions = {},
  ) {
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 50);
    this.log = toLogger(options.logSink ?? console);
    this.clock = options.clock ?? systemClock.now;
    this.onOperation = options.onOperation;
    this.remote = options.remote && payloadChecked(options.remote, options.maxPayloadBytes);
    this.local = new LocalEntityBatchExecutor(registry, {
      maxPayloadBytes: options.maxPayloadBytes,
      defaultVersion: options.defaultVersion,
    });
  }

  /**
   * True when the entity's operations run remotely (the registry does not have it) and no executor that takes it is
   * connected now: the worker then leaves the work item for later instead of processing it (a quarantined item
   * never needs to wait: no code runs for it).
   */
  awaitsExecutor(item: OrchestrationWorkItem): boolean {
    const name = this.remoteName(item);
    return name !== undefined && !this.remote!.accepts(name) && hasOperations(item);
  }

  /** The entity's name when its operations run remotely. */
  private remoteName(item: OrchestrationWorkItem): string | undefined {
    if (!this.remote) return undefined;
    let name: string;
    try {
      name = EntityId.parse(item.instanceId).name;
    } catch {
      return undefined;
    }
    return this.registry.entities.get(name) ? undefined : name;
  }

  /**
   * Processes one step of the entity. Never throws for problems of user code. The step asks to be deleted if idle
   * (`deleteIfIdle`, a fast path) when the entity has no state and nothing left to do; a hub without the fast paths
   * keeps the empty entity, which reads as one that does not exist.
   *
   * Poison work: after a delivery of the entity ended without completing (`deliveryCount` above 1: its worker
   * crashed or hung), steps run one operation each, so that an operation that keeps crashing its worker is soon the
   * only one in its step. With `quarantine` (the work item passed its `maxDeliveryCount`) that operation is not run:
   * it fails with a `PoisonMessageError` (a caller gets it as the operation's failure, a signal is dropped), the
   * entity's state stays as the last committed step left it, and the operations after it run as usual in the next
   * steps. The completion is then marked `quarantined`.
   */
  async process(item: OrchestrationWorkItem, quarantine?: Quarantine): Promise<FastPathCompletion> {
    const careful = quarantine !== undefined || item.deliveryCount > 1;
    const executor: EntityBatchExecutor = this.remoteName(item) !== undefined ? this.remote! : this.local;
    return new EntityStep(executor, item, this.clock(), this.log, quarantine, this.onOperation).run(
      careful ? 1 : this.maxBatchSize,
    );
  }
}

/** One step of one entity. */
class EntityStep {
  private readonly id: EntityId;
  private readonly timestamp: string;
  private stateText: string | undefined;
  private lock: EntityLock | undefined;
  private lastOperationTime: number | undefined;
  private work: Entry[];
  private deferred: Entry[] = [];
  private readonly messages: NewInboxMessage[] = [];
  private readonly newInstances: NewInstance[] = [];
  private readonly created = new Set<string>();
  private readonly consumed = new Set<number>();
  /** Runnable operations not run yet: they run as one batch before the next lock event, and at the end. */
  private batch: Operation[] = [];
  /** True once an operation was quarantined instead of run. */
  private quarantined = false;

  constructor(
    private readonly executor: EntityBatchExecutor,
    private readonly item: OrchestrationWorkItem,
    private readonly now: number,
    private readonly baseLog: Logger,
    private readonly quarantine?: Quarantine,
    private readonly onOperation?: EntityProcessorOptions["onOperation"],
  ) {
    this.id = EntityId.parse(item.instanceId);
    this.timestamp = new Date(now).toISOString();
    this.stateText = item.instance.customStatus;
    let queue: readonly EntityRequestEvent[] = [];
    try {
      const scheduler = parseScheduler(item.instance.input, item.instanceId);
      this.lock = scheduler.lock;
      this.lastOperationTime = scheduler.lastOperationTime;
      queue = scheduler.queue ?? [];
    } catch (error) {
      this.log.error(
        `Entity '${item.instanceId}': ${(error as Error).message}; its lock and queue are reset.`,
        errorFields(error),
      );
    }
    for (const corrupt of item.corruptMessages)
      this.log.error(`Entity '${item.instanceId}': ${corrupt.error}; the message is dropped.`, {
        messageId: corrupt.id,
      });
    this.work = [
      ...queue.map((event): Entry => ({ event, examined: false })),
      ...item.messages.map((m): Entry => ({ event: this.unwrap(m.event), messageId: m.id, examined: false })),
    ];
  }

  /** Lines about this entity carry `instanceId` and `name` (made only when a line is written). */
  private get log(): Logger {
    return this.baseLog.child({ instanceId: this.item.instanceId, name: this.id.name, key: this.id.key });
  }

  async run(maxBatchSize: number): Promise<FastPathCompletion> {
    let executed = 0;
    let head = 0;
    let stopped = false;
    while (head < this.work.length) {
      const entry = this.work[head]!;
      const isOperation = isOperationEvent(entry.event);
      if (isOperation && executed >= maxBatchSize && this.runnable(entry.event as Operation)) {
        stopped = true;
        break;
      }
      head++;
      entry.examined = true;
      if (entry.messageId !== undefined) this.consumed.add(entry.messageId);
      const event = entry.event;
      if (isOperation) {
        const operation = event as Operation;
        if (!this.runnable(operation)) this.deferred.push(entry);
        else {
          executed++;
          this.batch.push(operation);
        }
      } else if (event.type === "EntityLockRequested") {
        await this.flush();
        if (this.lock) this.deferred.push(entry);
        else this.acquire(event);
      } else if (event.type === "EntityUnlockSent") {
        await this.flush();
        if (this.release(event)) {
          // Released: what waited for the lock runs now, before anything that arrived after it.
          this.work = [...this.deferred, ...this.work.slice(head)];
          this.deferred = [];
          head = 0;
        }
      }
      // Anything else (the creation's ExecutionStarted, a continue event) needs no action.
    }
    await this.flush();
    return this.completion(this.work.slice(head), stopped);
  }

  /** The request a creation carries (a client's first signal), else the event itself. */
  private unwrap(event: HistoryEvent): HistoryEvent {
    try {
      return requestOfCreation(event) ?? event;
    } catch (error) {
      this.log.error(
        `Entity '${this.item.instanceId}': a corrupted creation request is dropped: ${String(error)}`,
        errorFields(error),
      );
      return event;
    }
  }

  /** True when the operation may run now: the entity is unlocked, or locked by the sender. */
  private runnable(operation: Operation): boolean {
    return !this.lock || operation.parentInstanceId === this.lock.ownerInstanceId;
  }

  /** Runs the operations gathered since the last flush as one batch (quarantined ones fail without running). */
  private async flush(): Promise<void> {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.lastOperationTime = this.now;
    if (this.quarantine) {
      for (const request of batch) {
        this.quarantined = true;
        const what = `Operation '${request.operation}' of entity '${this.item.instanceId}'`;
        this.fail(request, poisonFailure(what, this.quarantine));
        this.onOperation?.(this.id.name, request.operation, "poisoned");
      }
      return;
    }
    const outcome = await this.executor.execute({
      entityId: this.id,
      executionId: this.item.instance.executionId,
      state: this.stateText,
      operations: batch,
      timestamp: this.timestamp,
      lockExpiresAt: this.item.lockExpiresAt,
    });
    if (outcome.results.length !== batch.length)
      throw new TaskHubError(
        `Entity '${this.id}': the executor returned ${outcome.results.length} results for ${batch.length} ` +
          `operations.`,
      );
    outcome.results.forEach((result, i) => {
      const request = batch[i]!;
      if (result.ok) {
        this.send(result);
        if (request.type === "EntityOperationCalled")
          this.respond(request, {
            type: "EntityOperationCompleted",
            timestamp: this.timestamp,
            requestId: request.requestId,
            result: result.result,
          });
        this.onOperation?.(this.id.name, request.operation, "completed");
      } else {
        this.fail(request, result.failure);
        this.onOperation?.(this.id.name, request.operation, "failed");
      }
    });
    if (outcome.sends) this.send(outcome.sends);
    this.stateText = outcome.state;
  }

  /** Keeps what successful operations sent and started. */
  private send(sends: Partial<EntitySends>): void {
    this.messages.push(...(sends.messages ?? []));
    for (const instance of sends.newInstances ?? []) this.create(instance);
  }

  /** An operation failed: its caller gets the failure; a failed signal is logged. */
  private fail(request: Operation, failure: FailureDetails): void {
    if (request.type === "EntityOperationCalled")
      this.respond(request, {
        type: "EntityOperationFailed",
        timestamp: this.timestamp,
        requestId: request.requestId,
        failure,
      });
    else
      this.log.warn(
        `Entity '${this.id}': signalled operation '${request.operation}' failed and was rolled back: ` +
          `${failure.errorType}: ${failure.message}`,
        { operation: request.operation, ...failureFields(failure) },
      );
  }

  private respond(request: EntityOperationCalled, event: HistoryEvent): void {
    this.messages.push({
      instanceId: request.parentInstanceId,
      executionId: request.parentExecutionId,
      event,
    });
  }

  private acquire(request: Extract<HistoryEvent, { type: "EntityLockRequested" }>): void {
    this.lock = {
      criticalSectionId: request.criticalSectionId,
      ownerInstanceId: request.parentInstanceId,
      ownerExecutionId: request.parentExecutionId,
    };
    const next = request.lockSet[request.position + 1];
    if (next !== undefined) {
      this.messages.push({
        instanceId: next,
        event: { ...request, timestamp: this.timestamp, eventId: -1, position: request.position + 1 },
      });
      this.create(entityCreation(next, this.timestamp));
    } else {
      this.messages.push({
        instanceId: request.parentInstanceId,
        executionId: request.parentExecutionId,
        event: {
          type: "EntityLockGranted",
          timestamp: this.timestamp,
          criticalSectionId: request.criticalSectionId,
        },
      });
    }
  }

  /** Applies a release; true when it released this entity's lock. */
  private release(request: Extract<HistoryEvent, { type: "EntityUnlockSent" }>): boolean {
    const chain = request.lockSet;
    if (this.lock?.criticalSectionId !== request.criticalSectionId) {
      // A release along the chain that overtook nothing: the request still waits here; drop it.
      if (chain)
        this.deferred = this.deferred.filter(
          (e) =>
            !(
              e.event.type === "EntityLockRequested" &&
              e.event.criticalSectionId === request.criticalSectionId
            ),
        );
      return false;
    }
    this.lock = undefined;
    const next = chain?.[(request.position ?? 0) + 1];
    if (chain && next !== undefined)
      this.messages.push({
        instanceId: next,
        event: {
          ...request,
          timestamp: this.timestamp,
          targetInstanceId: next,
          position: (request.position ?? 0) + 1,
        },
      });
    return true;
  }

  private create(instance: NewInstance): void {
    const id = instance.event.instanceId;
    if (EntityId.isEntityInstanceId(id)) {
      if (this.created.has(id)) return;
      this.created.add(id);
    }
    this.newInstances.push(instance);
  }

  private completion(rest: readonly Entry[], stopped: boolean): FastPathCompletion {
    const { item } = this;
    // `rest` is: entries already looked at or from the stored queue, then inbox messages not looked at. The first
    // go back to the stored queue, the latter stay in the inbox for the next step.
    let split = rest.length;
    while (split > 0 && rest[split - 1]!.messageId !== undefined && !rest[split - 1]!.examined) split--;
    const queue = [...this.deferred, ...rest.slice(0, split)];
    for (const entry of queue) if (entry.messageId !== undefined) this.consumed.add(entry.messageId);
    for (const corrupt of item.corruptMessages) this.consumed.add(corrupt.id);
    const leftInInbox = split < rest.length;
    if (stopped && !leftInInbox && split > 0)
      this.messages.push({
        instanceId: item.instanceId,
        event: { type: "EventRaised", timestamp: this.timestamp, name: ENTITY_CONTINUE_EVENT },
      });
    const idle = this.stateText === undefined && !this.lock && queue.length === 0 && !leftInInbox && !stopped;
    return {
      workItem: item,
      consumedMessageIds: [...this.consumed],
      replaceHistory: false,
      newHistory: [],
      instance: {
        status: "Running",
        executionId: item.instance.executionId,
        name: item.instance.name,
        input: serializeScheduler({
          lock: this.lock,
          queue: queue.map((e) => e.event as EntityRequestEvent),
          lastOperationTime: this.lastOperationTime,
        }),
        customStatus: this.stateText,
      },
      activities: [],
      messages: this.messages,
      newInstances: this.newInstances,
      ...(idle ? { deleteIfIdle: true } : {}),
      ...(this.quarantined ? { quarantined: true } : {}),
    };
  }
}

/** True when the item may run an operation (a lock or release alone, or a continue event, needs no executor). */
function hasOperations(item: OrchestrationWorkItem): boolean {
  const operation = (event: HistoryEvent | undefined): boolean =>
    event !== undefined &&
    (isOperationEvent(event) || (event.type === "ExecutionStarted" && event.input !== undefined));
  if (item.messages.some((m) => operation(m.event))) return true;
  try {
    return (parseScheduler(item.instance.input, item.instanceId).queue ?? []).some(operation);
  } catch {
    return true;
  }
}

function isOperationEvent(event: HistoryEvent): event is Operation {
  return event.type === "EntityOperationSignaled" || event.type === "EntityOperationCalled";
}
