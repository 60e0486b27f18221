/**
 * The task hub contract: the one storage interface every backend (SQLite, PostgreSQL, in-memory, ...) implements, in
 * 15 methods. Nothing else is required for a backend to be correct and complete:
 * - the records it stores and hands out are in `core/records.ts`;
 * - health output (worker heartbeats, counts) is the optional `TaskHubHealth` (`health.ts`);
 * - the fast paths (local dispatch, eager start, held instances, delete-if-idle, creating an instance with its first
 *   step) are the optional `LocalDispatchCapability` (`local-dispatch.ts`). A worker detects it once; without it, it
 *   runs the plain path: claim, run, complete.
 *
 * The engine never sees SQL; storage never sees user code. A backend stores:
 * - **instances**: one row per orchestration instance (status, input, output, lease);
 * - **history**: the event-sourced record of the instance's current execution;
 * - **inbox**: new events for an instance (starts, activity results, timers as delayed messages, external events,
 *   control operations such as terminate / suspend / resume / rewind);
 * - **activity queue**: activity work waiting for a worker.
 *
 * Work is handed out as *work items* under a lease (`lockToken` + expiry, read on the hub's {@link Clock}). A worker
 * whose lease expired and was taken over cannot commit: every `complete*` / `abandon*` / `renew*` call checks the lock
 * token in the same transaction and reports `WorkItemLockLostError` without writing anything for that item.
 *
 * **Delivery counts.** The hub counts the deliveries of each work item (`deliveryCount` of the work items), stored with
 * the instance or the activity message so that the count survives processes and restarts: every lease taken counts one
 * (in the claim's own statements: no extra round trip), a lease released by `abandonWorkItem` gives its delivery
 * back, and a committed step restarts an instance's count. What is left counts the deliveries that ended with their
 * lease expiring (their worker crashed, hung or lost the database): the worker quarantines work whose count passes
 * its `maxDeliveryCount` (poison work) instead of running it again.
 *
 * Entities are orchestration instances whose IDs have the form `@name@key` (orchestration IDs never start with `@`);
 * a backend stores them like any instance.
 *
 * All times are epoch milliseconds. All payloads are JSON text (see `core/json.ts`).
 *
 * @module
 */
import type { HistoryEvent } from "../core/history-event.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type {
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  InstanceRecord,
  NewInboxMessage,
  NewInstance,
  OrchestrationCompletion,
  OrchestrationWorkItem,
} from "../core/records.js";
import type { Clock } from "./clock.js";

// The records, re-exported: the contract's callers (and backends) may import them from here.
export type * from "../core/records.js";
export type { TaskHubStats, WorkerHeartbeat, WorkerInfo } from "./health.js";

/** Options for taking work items. */
export interface LockOptions {
  /** Identifies the worker (shows in health output). */
  readonly workerId: string;
  /** Most work items to return. */
  readonly max: number;
  /** Lease length; after it expires, another worker may take the item. */
  readonly leaseMs: number;
}

/** Options of {@link TaskHub.abandonWorkItem}. */
export interface AbandonOptions {
  /**
   * Keep the delivery counted, as for an expired lease, instead of giving it back (default false): the worker releases
   * work that hung (an activity attempt whose heartbeats stopped), so that work that keeps hanging is quarantined as
   * work that keeps crashing is.
   */
  readonly countDelivery?: boolean | undefined;
}

/** Filters for listing and purging instances. */
export interface InstanceFilter {
  readonly statuses?: readonly RuntimeStatus[] | undefined;
  /** Inclusive lower bound on creation time. */
  readonly createdFrom?: number | undefined;
  /** Inclusive upper bound on creation time. */
  readonly createdTo?: number | undefined;
  readonly instanceIdPrefix?: string | undefined;
  /** Only these instances (at most `MAX_INSTANCE_IDS`, 1,000; clients waiting for many instances read them at once). */
  readonly instanceIds?: readonly string[] | undefined;
  /** Leave out entities (instance IDs starting with `@`); orchestration queries set it. Default false. */
  readonly excludeEntities?: boolean | undefined;
  /** Only instances of this orchestration (or entity) name: exact, case-sensitive. */
  readonly name?: string | undefined;
  /** Only instances stamped with this version: exact, case-sensitive; instances without a version never match. */
  readonly version?: string | undefined;
  /** Only instances carrying every one of these tags (key and value exact, case-sensitive). */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** A query: filters plus paging. */
export interface InstanceQuery extends InstanceFilter {
  /** Page size (default 100). */
  readonly pageSize?: number | undefined;
  /** Opaque token from the previous page. */
  readonly continuationToken?: string | undefined;
  /** Include `input` / `output` / `customStatus` payloads (default true). */
  readonly includePayloads?: boolean | undefined;
}

/** One page of a query. */
export interface InstancePage {
  readonly instances: readonly InstanceRecord[];
  /** Present when more results may follow. */
  readonly continuationToken?: string | undefined;
}

/**
 * A notice that something changed in the hub, possibly from another process. In-process subscribers get every notice;
 * backends that publish notices to other processes may publish only new work and `instance-updated` notices of
 * finished instances (Completed, Failed, Terminated): what other processes' workers and waiting clients act on.
 */
export type TaskHubNotice =
  | { readonly kind: "orchestration-work"; readonly visibleAt?: number | undefined }
  | { readonly kind: "activity-work"; readonly visibleAt?: number | undefined }
  | {
      readonly kind: "instance-updated";
      readonly instanceId: string;
      readonly status: RuntimeStatus;
      /** The instance as committed, when the backend has it at hand (in-process notices of finished instances). */
      readonly record?: InstanceRecord | undefined;
    };

/**
 * The task hub contract.
 *
 * Error contract common to every method: a storage fault writes nothing (methods never partially apply a write) and
 * callers retry with back-off. A fault that can clear by itself or by an operator's fix (the disk or database full,
 * the database read-only, locked beyond the busy timeout, the server unreachable or shutting down, an I/O error)
 * rejects with a `TaskHubUnavailableError` naming the fault (`fault`, the driver's error as `cause`): the HTTP API
 * answers it with 503 and `Retry-After`. Other storage failures (a serialization failure the backend could not retry,
 * a corrupt row) reject with the driver's error or a `TaskHubError`. Arguments the backend cannot store (an empty
 * worker ID, a malformed continuation token) reject with an `InvalidArgumentError`. Unless a method names another
 * error, it throws nothing else.
 */
export interface TaskHub {
  /** A short name for logs, e.g. `sqlite:./hub.db`. */
  readonly description: string;

  /**
   * The clock the hub decides leases, visibility and timers by (the SQL hubs and the memory hub: their `clock`
   * option, default the system clock). Workers and clients on the hub read it too, unless told otherwise. Absent: the
   * system clock.
   */
  readonly clock?: Clock | undefined;

  /**
   * True when every finish (an `instance-updated` notice with status Completed, Failed or Terminated) reaches
   * {@link subscribe}rs, whichever process committed it: the memory hub (no other process can reach it), an
   * in-memory SQLite hub, PostgreSQL (LISTEN/NOTIFY). Waiting clients then wait for notices instead of polling.
   * Absent or false (a SQLite file another process may write): clients also read what they wait for.
   */
  readonly noticesComplete?: boolean | undefined;

  /**
   * Creates or upgrades the storage (schema migrations). Idempotent; safe from several processes. Every other method
   * may be called only after it resolved.
   */
  init(): Promise<void>;

  /** Releases connections. Idempotent. After it, other methods may reject. */
  close(): Promise<void>;

  /**
   * Creates an instance (row in Pending + `ExecutionStarted` in its inbox, visible at `visibleAt`). An existing
   * instance with the ID is replaced (its history, inbox and queued activities deleted) when it has finished.
   * @throws `InstanceAlreadyExistsError` when an instance with the ID is Pending, Running, Suspended or
   *   ContinuedAsNew (nothing is written).
   */
  createInstance(instance: NewInstance): Promise<void>;

  /**
   * Appends an event to an existing instance's inbox (raise event, terminate, suspend, resume, rewind), visible at
   * `visibleAt` (default now). An `ExecutionRewound` appended to a Failed instance also makes it Pending (failure
   * cleared) in the same write, so that a `waitForCompletion` from any process waits for the rewound run.
   * @throws `InstanceNotFoundError` when no instance has that ID.
   */
  appendInboxMessage(message: NewInboxMessage): Promise<void>;

  /** The instance row, or `undefined` when unknown. Throws only storage faults. */
  getInstance(instanceId: string): Promise<InstanceRecord | undefined>;

  /**
   * The current execution's history, in order. Empty for unknown instances.
   * @throws `TaskHubError` naming the event when a stored row cannot be parsed.
   */
  getHistory(instanceId: string): Promise<HistoryEvent[]>;

  /**
   * One page of instances matching the query, ordered by creation time then ID.
   * @throws `InvalidArgumentError` when the continuation token is not one this hub returned.
   */
  listInstances(query: InstanceQuery): Promise<InstancePage>;

  /**
   * Deletes finished instances (and their history, inbox and queued activities) matching the filter, plus the
   * sub-orchestrations they started. Pending, Running, Suspended and ContinuedAsNew instances are never deleted.
   * Works in bounded batches. Returns how many instances were deleted. Throws only storage faults.
   */
  purgeInstances(filter: InstanceFilter & { readonly instanceId?: string | undefined }): Promise<number>;

  /**
   * Leases up to `max` instances that have visible inbox messages and no live lease. Never returns two work items
   * for one instance, and never an instance leased by another worker whose lease has not expired. Taking an instance
   * whose previous lease expired without being released counts as a lease takeover (`TaskHubHealth`). A work
   * item carries the instance's earliest visible messages, in arrival order, up to a backend's bound (1,000 for the
   * SQL and memory hubs); messages it does not carry keep the instance ready, for its next work item. Each lease taken
   * adds one to the instance's delivery count; the work item carries the count with this delivery
   * (`OrchestrationWorkItem.deliveryCount`: 1 for the first since the instance's last committed step).
   * Returns an empty array when nothing is ready. Throws only storage faults.
   */
  lockOrchestrationWorkItems(options: LockOptions): Promise<OrchestrationWorkItem[]>;

  /**
   * Commits orchestration steps, each atomically (history, instance row, consumed inbox rows, outgoing messages,
   * new instances, activities) and releases their leases; each committed instance's delivery count restarts at 0.
   * Items may share one transaction (group commit).
   * Returns one outcome per completion, in order: `undefined`, or a `WorkItemLockLostError` when the item's
   * lease was lost (nothing of that item is written; the others are). Lost leases are outcomes, never thrown.
   */
  completeOrchestrationWorkItems(
    completions: readonly OrchestrationCompletion[],
  ): Promise<readonly CompletionOutcome[]>;

  /**
   * Leases up to `max` visible activity messages (an expired, unreleased lease taken over counts as a takeover); each
   * lease adds one to the message's delivery count (`ActivityWorkItem.deliveryCount`, this delivery included).
   */
  lockActivityWorkItems(options: LockOptions): Promise<ActivityWorkItem[]>;

  /**
   * Commits activity outcomes: deletes each leased message and puts its result in the instance's inbox (tagged with
   * the work item's execution ID), atomically per item. Results for instances that no longer exist are dropped.
   * Returns one outcome per completion, as {@link completeOrchestrationWorkItems} does.
   */
  completeActivityWorkItems(
    completions: readonly ActivityCompletion[],
  ): Promise<readonly CompletionOutcome[]>;

  /**
   * Releases the lease of an orchestration or activity work item without consuming anything; its messages (or the
   * activity message) become visible again after `delayMs`. The release gives the delivery back (the instance's or
   * message's delivery count goes down by one): a worker that lets go of work on purpose (at shutdown, after a
   * failed commit, to wait for a delayed start) is alive, and only deliveries that ended by lease expiry count
   * towards quarantine. The next delivery then carries the count this one had. With `options.countDelivery`, the
   * delivery counts as one that failed (the worker gives up on work that hung), like an expired lease.
   * @throws `WorkItemLockLostError` when the lease was lost (harmless: the item is someone else's now).
   */
  abandonWorkItem(
    workItem: OrchestrationWorkItem | ActivityWorkItem,
    delayMs: number,
    options?: AbandonOptions,
  ): Promise<void>;

  /**
   * Extends an activity lease (long-running activities) to `leaseMs` from now. Returns the new expiry. With
   * `heartbeatDetails` (JSON text), also stores them with the message: its later deliveries carry them
   * (`ActivityWorkItem.heartbeatDetails`) until the message is completed; without, stored details are kept.
   * @throws `WorkItemLockLostError` when the lease was lost (nothing is stored).
   */
  renewActivityWorkItem(
    workItem: ActivityWorkItem,
    leaseMs: number,
    heartbeatDetails?: string,
  ): Promise<number>;

  /**
   * Subscribes to notices of new work and instance changes, from this process and (where the backend can) others.
   * Returns an unsubscribe function. Backends without cross-process notification still notify in-process. Never
   * throws; a listener's exception is the listener's problem (backends catch it).
   */
  subscribe(listener: (notice: TaskHubNotice) => void): () => void;
}
