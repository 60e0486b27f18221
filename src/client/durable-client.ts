/**
 * The durable client: starts instances and manages them. Every control operation is an event appended to the
 * instance's inbox; the worker applies it in order with everything else.
 * @module
 */
import { BatchedReads } from "./batched-reads.js";
import { CompletionWaiters } from "./completion-waiters.js";
import { randomUUID } from "node:crypto";
import type { OrchestrationDefinition } from "../api/definitions.js";
import type { Registry } from "../api/registry.js";
import {
  InstanceNotFoundError,
  InstanceStateError,
  InvalidArgumentError,
  TimeoutError,
  UnknownFunctionError,
} from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import { newInstanceId, validateInstanceId } from "../core/instance-id.js";
import { serialize } from "../core/json.js";
import { checkVersion } from "../core/versioning.js";
import { checkTags } from "../core/tags.js";
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";
import { clockFor, type Clock } from "../task-hub/clock.js";
import type { InstanceRecord, NewInstance } from "../core/records.js";
import type { InstanceQuery, TaskHub } from "../task-hub/task-hub.js";
import { createInstanceOn, type DispatchRequest, type Dispatched } from "../task-hub/local-dispatch.js";
import {
  EntityClient,
  type CleanEntityStorageOptions,
  type CleanEntityStorageResult,
  type EntityPage,
  type EntityQuery,
  type ReadEntityStateMethod,
  type SignalEntityMethod,
} from "../entities/entity-client.js";
import { toOrchestrationStatus, type OrchestrationStatus } from "./orchestration-status.js";
import { ATTR } from "../tracing/attributes.js";
import { withProducerSpan } from "../tracing/producer-spans.js";

/** Options of `startNew`. */
export interface StartOptions<I> {
  /** The orchestrator's input (any JSON value). */
  readonly input?: I;
  /** A fixed instance ID (singleton pattern). Default: a new random ID. */
  readonly instanceId?: string;
  /** Do not start before this time. */
  readonly startAt?: Date;
  /**
   * The version stamped on the instance (default: the client's `defaultVersion`; `""`: none). Orchestrator code reads
   * it as `ctx.version`; versioned workers run only the versions they accept.
   */
  readonly version?: string;
  /**
   * Tags stored with the instance (string keys and values, at most 50; keys up to 256 characters, values up to 1,024),
   * shown in its status and matched by the `tags` filter of `listInstances`. Kept by continue-as-new and restart.
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Options of `terminate`. */
export interface TerminateOptions {
  /** Why (it becomes the instance's output). */
  readonly reason?: string | undefined;
  /**
   * Terminate the instance's running sub-orchestrations too, at every depth (default true, as in the Durable Task
   * Scheduler). Children that have already finished are left as they are.
   */
  readonly recursive?: boolean | undefined;
}

/** Options of `getStatus`. */
export interface GetStatusOptions {
  /** Include the history events (default false). */
  readonly showHistory?: boolean;
  /** Include the input (default true). */
  readonly showInput?: boolean;
}

/** Options of `waitForCompletion`. */
export interface WaitOptions {
  /** Give up after this long (default 30 s) with a {@link TimeoutError}. */
  readonly timeoutMs?: number;
}

/** Filters and paging of `listInstances`, named as Durable Functions names them. Entities are left out. */
export interface ListInstancesOptions {
  readonly runtimeStatus?: readonly RuntimeStatus[];
  /** Inclusive lower bound on creation time. */
  readonly createdTimeFrom?: Date;
  /** Inclusive upper bound on creation time. */
  readonly createdTimeTo?: Date;
  readonly instanceIdPrefix?: string;
  /** Only instances of this orchestration name (exact, case-sensitive). Not a Durable Functions filter. */
  readonly name?: string;
  /**
   * Only instances stamped with this version (exact, case-sensitive; unversioned instances never match). Not a
   * Durable Functions filter.
   */
  readonly version?: string;
  /** Only instances carrying every one of these tags (key and value exact, case-sensitive). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Page size (default 100). */
  readonly pageSize?: number;
  /** Token from the previous page. */
  readonly continuationToken?: string;
  /** Include inputs (default true). */
  readonly showInput?: boolean;
}

/** One page of `listInstanceIds`. */
export interface InstanceIdsPage {
  readonly instanceIds: string[];
  /** Present when another page may follow. */
  readonly continuationToken?: string | undefined;
}

/** One page of `listInstances`. */
export interface InstancesPage {
  readonly instances: OrchestrationStatus[];
  /** Present when another page may follow. */
  readonly continuationToken?: string | undefined;
}

/** Filter of `purgeInstanceHistoryBy`. */
export interface PurgeFilter {
  readonly createdTimeFrom: Date;
  /** Default: now. */
  readonly createdTimeTo?: Date;
  /** Default: every finished status. Active statuses are never purged. */
  readonly runtimeStatus?: readonly RuntimeStatus[];
}

/** The result of a purge. */
export interface PurgeResult {
  readonly instancesDeleted: number;
}

/** A worker that can start instances as they are created; implemented by `Worker`. */
export interface LocalDispatcher {
  /**
   * Starts `request` in the worker (first step committed with the creation), or falls back to `create` (a
   * `createInstance` call, given a dispatch request when the worker has room).
   */
  startInstance(
    request: NewInstance,
    create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>,
  ): Promise<void>;
  /**
   * Whether the worker holds the instance's lease for a step to come, so that the instance is not finished yet and
   * its finish (or, should the lease be lost, its new holder's) will be published as a notice.
   */
  holdsLease(instanceId: string): boolean;
}

/** Options of {@link DurableClient}. */
export interface DurableClientOptions {
  /** See the constructor. */
  readonly localWorker?: LocalDispatcher | undefined;
  /**
   * Where the client reads time (event timestamps, the default end of a purge's range). Default: the task hub's
   * clock; when given, it must be the hub's.
   */
  readonly clock?: Clock | undefined;
  /**
   * Largest payload the client sends (an orchestration input, event data, an entity operation's input, a termination
   * reason) as UTF-8 JSON, in bytes (default 16 MiB); a larger one is refused with a `PayloadTooLargeError` before
   * anything is written. `DurableApp.start` sets the worker's `maxPayloadBytes`.
   */
  readonly maxPayloadBytes?: number | undefined;
  /**
   * The version stamped on every instance this client starts without one (`startNew`'s `version` overrides it).
   * `DurableApp.start` sets the app's `defaultVersion`.
   */
  readonly defaultVersion?: string | undefined;
  /**
   * Start orchestrations and signal entities by names the registry does not have (default false: an unknown name is
   * an `UnknownFunctionError`): their code runs elsewhere, on the SDK workers connected to the sidecar.
   * `DurableApp.start` sets it when its worker has remote work.
   */
  readonly anyName?: boolean | undefined;
}

/** Starts and manages orchestration instances and entities in a task hub. */
export class DurableClient {
  /** Where the client reads time: the task hub's clock ({@link DurableClientOptions.clock}). */
  readonly clock: Clock;
  /** Everyone waiting for an instance of the hub to finish, by instance ID (one hub subscription for all). */
  readonly #waiters: CompletionWaiters;
  /** The first reads of waits that start together, one query per few hundred instances. */
  readonly #reads: BatchedReads;
  /** The entity operations (also exposed below as methods of the client). */
  readonly entities: EntityClient;
  /** Signals an entity operation, optionally at `signalTime`. See {@link EntityClient.signalEntity}. */
  readonly signalEntity: SignalEntityMethod;
  /** The entity's last committed state. See {@link EntityClient.readEntityState}. */
  readonly readEntityState: ReadEntityStateMethod;

  /**
   * @param options.localWorker A worker in this process sharing the task hub: new instances then run their first step
   *   in it, committed with their creation (or are leased to it when created: eager start), without a claim.
   *   `DurableApp.start` sets it.
   */
  constructor(
    readonly taskHub: TaskHub,
    private readonly registry?: Registry,
    private readonly options: DurableClientOptions = {},
  ) {
    if (options.defaultVersion !== undefined) checkVersion(options.defaultVersion, "defaultVersion");
    this.clock = clockFor(taskHub, options.clock);
    this.#waiters = new CompletionWaiters(taskHub);
    this.#reads = new BatchedReads(taskHub);
    this.entities = new EntityClient(
      taskHub,
      registry,
      this.clock,
      options.maxPayloadBytes,
      options.anyName === true,
    );
    this.signalEntity = this.entities.signalEntity;
    this.readEntityState = this.entities.readEntityState;
  }

  /** Lists entities that exist, with filters and paging. See {@link EntityClient.listEntities}. */
  listEntities(query?: EntityQuery): Promise<EntityPage> {
    return this.entities.listEntities(query);
  }

  /** Removes empty entities and releases orphaned locks. See {@link EntityClient.cleanEntityStorage}. */
  cleanEntityStorage(options?: CleanEntityStorageOptions): Promise<CleanEntityStorageResult> {
    return this.entities.cleanEntityStorage(options);
  }

  /**
   * Starts an orchestration and returns its instance ID. Starting an ID whose instance is still Pending, Running or
   * Suspended fails with `InstanceAlreadyExistsError`; a finished one is replaced. An input larger than
   * `maxPayloadBytes` is refused with `PayloadTooLargeError`.
   */
  async startNew<I, O>(
    orchestration: OrchestrationDefinition<I, O>,
    options?: StartOptions<I>,
  ): Promise<string>;
  /** Starts an orchestration by name. */
  async startNew(name: string, options?: StartOptions<unknown>): Promise<string>;
  async startNew(
    orchestration: OrchestrationDefinition<never, unknown> | string,
    options: StartOptions<unknown> = {},
  ): Promise<string> {
    const name = this.resolveName(orchestration);
    const instanceId = options.instanceId ?? newInstanceId();
    validateInstanceId(instanceId);
    const input = serialize(options.input, `Input of orchestration '${name}'`, this.options.maxPayloadBytes);
    const startAt = options.startAt?.getTime();
    if (startAt !== undefined && !Number.isFinite(startAt))
      throw new InvalidArgumentError("startAt must be a valid Date.");
    if (options.version !== undefined) checkVersion(options.version, "startNew's version");
    const tags = checkTags(options.tags, "startNew's tags");
    const version = options.version ?? this.options.defaultVersion;
    const timestamp = this.timestamp();
    const request: NewInstance = {
      event: {
        type: "ExecutionStarted",
        timestamp,
        name,
        instanceId,
        executionId: randomUUID(),
        input,
        scheduledStartTime: startAt !== undefined ? new Date(startAt).toISOString() : undefined,
        version: version === "" ? undefined : version,
        ...(tags !== undefined ? { tags } : {}),
      },
      visibleAt: startAt,
    };
    await this.createTraced(request);
    return instanceId;
  }

  /**
   * Creates the instance under a `create_orchestration:<name>` span, whose trace context the `ExecutionStarted`
   * records: the parent of the orchestration's span.
   */
  private createTraced(request: NewInstance): Promise<void> {
    const { name, instanceId, executionId, version } = request.event;
    return withProducerSpan(
      `create_orchestration:${name}`,
      () => ({
        [ATTR.type]: "create_orchestration",
        [ATTR.taskName]: name,
        [ATTR.instanceId]: instanceId,
        [ATTR.executionId]: executionId,
        ...(version !== undefined ? { [ATTR.version]: version } : {}),
      }),
      (parentTraceContext) =>
        this.create(
          parentTraceContext ? { ...request, event: { ...request.event, parentTraceContext } } : request,
        ),
    );
  }

  /** Creates the instance, starting it in the local worker when there is one. */
  private async create(request: NewInstance): Promise<void> {
    const worker = this.options.localWorker;
    if (worker)
      await worker.startInstance(request, (dispatch) => createInstanceOn(this.taskHub, request, dispatch));
    else await this.taskHub.createInstance(request);
  }

  /** The instance's status, or `undefined` when no instance has that ID. */
  async getStatus(
    instanceId: string,
    options: GetStatusOptions = {},
  ): Promise<OrchestrationStatus | undefined> {
    validateInstanceId(instanceId);
    const record = await this.taskHub.getInstance(instanceId);
    if (!record) return undefined;
    const history = options.showHistory ? await this.taskHub.getHistory(instanceId) : undefined;
    return toOrchestrationStatus(record, { showInput: options.showInput ?? true, history });
  }

  /**
   * Waits until the instance is Completed, Failed or Terminated and returns its status.
   * @throws TimeoutError after `timeoutMs`; InstanceNotFoundError for an unknown ID.
   */
  async waitForCompletion(instanceId: string, options: WaitOptions = {}): Promise<OrchestrationStatus> {
    validateInstanceId(instanceId);
    const timeoutMs = options.timeoutMs ?? 30_000;
    // Watched before the first read, so a finish between the two is not missed.
    const watch = this.#waiters.watch(instanceId, timeoutMs);
    try {
      // An instance leased to the local worker finishes with a notice, so it needs no first read. The first reads of
      // waits that start together are one query (a client waiting for each of the 10,000 instances it started).
      if (!this.options.localWorker?.holdsLease(instanceId)) {
        const record = await this.#reads.read(instanceId);
        if (!record) throw new InstanceNotFoundError(instanceId);
        if (isTerminalStatus(record.status)) return toOrchestrationStatus(record, { showInput: true });
      }
      const finished = await watch.finished;
      if (finished) return toOrchestrationStatus(finished, { showInput: true });
      const record = await this.taskHub.getInstance(instanceId);
      if (!record) throw new InstanceNotFoundError(instanceId);
      if (isTerminalStatus(record.status)) return toOrchestrationStatus(record, { showInput: true });
      throw new TimeoutError(
        `Orchestration '${instanceId}' did not finish within ${timeoutMs} ms (it is ${record.status}).`,
      );
    } finally {
      watch.cancel();
    }
  }

  /**
   * Sends an external event to a running instance.
   * @throws InstanceNotFoundError for an unknown ID; InstanceStateError when the instance has finished;
   *   PayloadTooLargeError for data larger than `maxPayloadBytes`.
   */
  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    if (typeof eventName !== "string" || eventName.length === 0)
      throw new InvalidArgumentError("raiseEvent needs a non-empty event name.");
    const input = serialize(eventData, `Data of event '${eventName}'`, this.options.maxPayloadBytes);
    await withProducerSpan(
      `orchestration_event:${eventName}`,
      () => ({ [ATTR.type]: "event", [ATTR.taskName]: eventName, [ATTR.instanceId]: instanceId }),
      () =>
        this.sendControl(instanceId, "raise an event on", {
          type: "EventRaised",
          timestamp: this.timestamp(),
          name: eventName,
          input,
        }),
    );
  }

  /**
   * Terminates a running instance (its status becomes Terminated, with the reason as output), and with it its running
   * sub-orchestrations at every depth unless `recursive: false`. A string argument is the reason (recursive).
   */
  async terminate(instanceId: string, options?: string | TerminateOptions): Promise<void> {
    const { reason, recursive } =
      typeof options === "string" ? { reason: options, recursive: undefined } : (options ?? {});
    if (reason !== undefined && typeof reason !== "string")
      throw new InvalidArgumentError("terminate's reason must be a string.");
    if (recursive !== undefined && typeof recursive !== "boolean")
      throw new InvalidArgumentError("terminate's recursive must be a boolean.");
    serialize(reason, "Termination reason", this.options.maxPayloadBytes); // it becomes the output
    await this.sendControl(instanceId, "terminate", {
      type: "ExecutionTerminated",
      timestamp: this.timestamp(),
      reason,
      ...(recursive === false ? { recursive: false } : {}),
    });
  }

  /** Suspends a running instance: events are held until it is resumed. */
  async suspend(instanceId: string, reason?: string): Promise<void> {
    await this.sendControl(instanceId, "suspend", {
      type: "ExecutionSuspended",
      timestamp: this.timestamp(),
      reason,
    });
  }

  /** Resumes a suspended instance. */
  async resume(instanceId: string, reason?: string): Promise<void> {
    await this.sendControl(instanceId, "resume", {
      type: "ExecutionResumed",
      timestamp: this.timestamp(),
      reason,
    });
  }

  /** Lists instances matching the filters, one page at a time. */
  async listInstances(options: ListInstancesOptions = {}): Promise<InstancesPage> {
    const page = await this.taskHub.listInstances(this.instanceQuery(options, true));
    const showInput = options.showInput ?? true;
    return {
      instances: page.instances.map((record) => toOrchestrationStatus(record, { showInput })),
      continuationToken: page.continuationToken,
    };
  }

  /**
   * Lists the IDs of the instances matching the filters (as `listInstances` does, without reading their payloads),
   * one page at a time.
   */
  async listInstanceIds(options: Omit<ListInstancesOptions, "showInput"> = {}): Promise<InstanceIdsPage> {
    const page = await this.taskHub.listInstances(this.instanceQuery(options, false));
    return {
      instanceIds: page.instances.map((record) => record.instanceId),
      continuationToken: page.continuationToken,
    };
  }

  /** The task hub query of `listInstances` / `listInstanceIds`. */
  private instanceQuery(options: ListInstancesOptions, includePayloads: boolean): InstanceQuery {
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new InvalidArgumentError(`pageSize must be an integer from 1 to 1000, got ${pageSize}.`);
    return {
      statuses: options.runtimeStatus,
      createdFrom: options.createdTimeFrom?.getTime(),
      createdTo: options.createdTimeTo?.getTime(),
      instanceIdPrefix: options.instanceIdPrefix,
      excludeEntities: !options.instanceIdPrefix?.startsWith("@"),
      name: options.name,
      version: options.version,
      tags: checkTags(options.tags, "the tags filter"),
      pageSize,
      continuationToken: options.continuationToken,
      includePayloads,
    };
  }

  /**
   * Deletes a finished instance with its history (and its sub-orchestrations).
   * @throws InstanceStateError when the instance is still Pending, Running or Suspended.
   */
  async purgeInstanceHistory(instanceId: string): Promise<PurgeResult> {
    validateInstanceId(instanceId);
    const record = await this.taskHub.getInstance(instanceId);
    if (!record) return { instancesDeleted: 0 };
    if (!isTerminalStatus(record.status))
      throw new InstanceStateError(
        instanceId,
        record.status,
        `Cannot purge orchestration '${instanceId}': it is ${record.status}. Terminate it first.`,
      );
    return { instancesDeleted: await this.taskHub.purgeInstances({ instanceId }) };
  }

  /** Deletes finished instances created in a time range (optionally only some statuses), in bounded batches. */
  async purgeInstanceHistoryBy(filter: PurgeFilter): Promise<PurgeResult> {
    const from = filter.createdTimeFrom?.getTime();
    if (from === undefined || !Number.isFinite(from))
      throw new InvalidArgumentError("purgeInstanceHistoryBy needs a valid createdTimeFrom.");
    const statuses = (filter.runtimeStatus ?? ["Completed", "Failed", "Terminated"]).filter(isTerminalStatus);
    if (statuses.length === 0) return { instancesDeleted: 0 };
    const deleted = await this.taskHub.purgeInstances({
      createdFrom: from,
      createdTo: filter.createdTimeTo?.getTime() ?? this.clock.now(),
      statuses,
      excludeEntities: true,
    });
    return { instancesDeleted: deleted };
  }

  /**
   * Runs a Failed instance again from where it failed: failed activities and sub-orchestrations are re-executed,
   * every successful result is reused from history.
   * @throws InstanceNotFoundError; InstanceStateError when the instance is not Failed.
   */
  async rewind(instanceId: string, reason?: string): Promise<void> {
    validateInstanceId(instanceId);
    const record = await this.taskHub.getInstance(instanceId);
    if (!record) throw new InstanceNotFoundError(instanceId);
    if (record.status !== "Failed")
      throw new InstanceStateError(
        instanceId,
        record.status,
        `Cannot rewind orchestration '${instanceId}': only Failed instances can be rewound; it is ${record.status}.`,
      );
    await this.taskHub.appendInboxMessage({
      instanceId,
      event: { type: "ExecutionRewound", timestamp: this.timestamp(), reason },
    });
  }

  /**
   * Starts the instance again with its original input, under a new ID (default) or the same one (which must have
   * finished). Returns the ID of the new instance.
   */
  async restart(
    instanceId: string,
    options: { readonly restartWithNewInstanceId?: boolean } = {},
  ): Promise<string> {
    validateInstanceId(instanceId);
    const record = await this.taskHub.getInstance(instanceId);
    if (!record) throw new InstanceNotFoundError(instanceId);
    const history = await this.taskHub.getHistory(instanceId);
    const started = history.find((e) => e.type === "ExecutionStarted");
    const newId = options.restartWithNewInstanceId === false ? instanceId : newInstanceId();
    const timestamp = this.timestamp();
    const request: NewInstance = {
      event: {
        type: "ExecutionStarted",
        timestamp,
        name: record.name,
        instanceId: newId,
        executionId: randomUUID(),
        input: started?.type === "ExecutionStarted" ? started.input : record.input,
        version: record.version,
        ...(record.tags !== undefined ? { tags: record.tags } : {}),
      },
    };
    await this.createTraced(request);
    return newId;
  }

  /** Appends a control event after checking that the instance exists and has not finished. */
  protected async sendControl(
    instanceId: string,
    verb: string,
    event: HistoryEvent,
  ): Promise<InstanceRecord> {
    validateInstanceId(instanceId);
    const record = await this.taskHub.getInstance(instanceId);
    if (!record) throw new InstanceNotFoundError(instanceId);
    if (isTerminalStatus(record.status))
      throw new InstanceStateError(
        instanceId,
        record.status,
        `Cannot ${verb} orchestration '${instanceId}': it has already finished (${record.status}).`,
      );
    await this.taskHub.appendInboxMessage({ instanceId, event });
    return record;
  }

  /** Now on the clock, as an event timestamp. */
  private timestamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private resolveName(orchestration: OrchestrationDefinition<never, unknown> | string): string {
    const name = typeof orchestration === "string" ? orchestration : orchestration?.name;
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("startNew needs an orchestration definition or a non-empty name.");
    if (!this.registry) return name;
    const definition = this.registry.orchestrations.get(name);
    if (!definition && this.options.anyName) return name;
    if (!definition)
      throw new UnknownFunctionError("orchestrator", name, this.registry.orchestrations.names());
    return definition.name;
  }
}
