/**
 * {@link SqlTaskHub}: the one implementation of the {@link TaskHub} contract over SQL, parameterized by a
 * {@link SqlDriver} (how to talk to the database) and a {@link Dialect} (how its SQL differs). The SQLite and
 * PostgreSQL task hubs are this class with different drivers and dialects (see `sqlite/sqlite-task-hub.ts` and
 * `postgres/postgres-task-hub.ts`).
 *
 * The logic is split by concern: instances and inbox writes (`sql-instances.ts`), orchestration work items
 * (`sql-orchestrations.ts`), activity work items (`sql-activities.ts`), reads, listing and purging
 * (`sql-queries.ts`). All SQL text lives in `sql-statements.ts`.
 * @module
 */
import { randomUUID } from "node:crypto";
import type {
  AbandonOptions,
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  InstanceFilter,
  InstancePage,
  InstanceQuery,
  InstanceRecord,
  LockOptions,
  NewInboxMessage,
  NewInstance,
  OrchestrationCompletion,
  OrchestrationWorkItem,
  TaskHub,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { TaskHubHealth, TaskHubStats, WorkerHeartbeat } from "../task-hub/health.js";
import type { AnalyticsQuery, HubAnalytics, TaskHubAnalytics } from "../task-hub/analytics.js";
import type {
  DispatchRequest,
  DispatchResults,
  Dispatched,
  FastPathCompletion,
  LocalDispatchCapability,
} from "../task-hub/local-dispatch.js";
import { isActivityWorkItem } from "../core/records.js";
import type { HistoryEvent } from "../core/history-event.js";
import { systemClock, type Clock } from "../task-hub/clock.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import type { Dialect } from "./dialect.js";
import { checkSchema, migrate } from "./migrations.js";
import type { HubContext, WriteStrategy } from "./hub-context.js";
import type { HubMaintenance, MaintenanceRound } from "./hub-maintenance.js";
import { encodeNoticePayloads, NoticeBus, type RemoteNoticeSource } from "./notice-bus.js";
import * as activities from "./sql-activities.js";
import { buildAnalyticsStatements, getAnalytics, type AnalyticsStatements } from "./sql-analytics.js";
import { GroupedWrites } from "./grouped-writes.js";
import type { SqlDriver, SqlExecutor, TransactionOptions } from "./sql-driver.js";
import * as instances from "./sql-instances.js";
import * as orchestrations from "./sql-orchestrations.js";
import * as queries from "./sql-queries.js";
import { buildStatements } from "./sql-statements.js";
import * as workers from "./sql-workers.js";
import { commitBatch, lockWorkItems } from "./work-items.js";

/** How to build a {@link SqlTaskHub}. */
export interface SqlTaskHubOptions {
  readonly driver: SqlDriver;
  readonly dialect: Dialect;
  /** How the backend writes: `checkedWrites` (SQLite) or `guardedWrites(dialect)` (PostgreSQL), chosen once. */
  readonly writes: WriteStrategy;
  /** For logs, e.g. `sqlite:./hub.db`. */
  readonly description: string;
  /** In-process notice bus (shared between hub objects on one SQLite file). Default: a private one. */
  readonly bus?: NoticeBus | undefined;
  /** Cross-process notices, when the database offers them. */
  readonly remoteNotices?: RemoteNoticeSource | undefined;
  /** Called once by {@link SqlTaskHub.close} after the driver closed (releases a shared bus). */
  readonly onClose?: (() => void) | undefined;
  /** Tag of the notices this hub object publishes to other processes (default: a random UUID). */
  readonly origin?: string | undefined;
  /** Where the hub reads time (default: the system clock). */
  readonly clock?: Clock | undefined;
  /** See {@link TaskHub.noticesComplete}: true for PostgreSQL (LISTEN/NOTIFY) and in-memory SQLite. */
  readonly noticesComplete?: boolean | undefined;
  /** Upkeep of the hub's tables, started by {@link SqlTaskHub.init} (PostgreSQL: vacuuming them if need be). */
  readonly maintenance?: HubMaintenance | undefined;
}

/**
 * The SQL implementation of {@link TaskHub}, with health output ({@link TaskHubHealth}), analytics
 * ({@link TaskHubAnalytics}) and the fast paths ({@link LocalDispatchCapability}).
 */
export class SqlTaskHub implements TaskHub, TaskHubHealth, TaskHubAnalytics, LocalDispatchCapability {
  readonly description: string;
  /** {@inheritDoc TaskHub.noticesComplete} */
  readonly noticesComplete: boolean;
  /** Where the hub reads time ({@link SqlTaskHubOptions.clock}). */
  readonly clock: Clock;
  /** The driver; exposed for backend-specific tests and tools (raw SQL must use {@link dialect}). */
  readonly driver: SqlDriver;
  /** The dialect; exposed with {@link driver}. */
  readonly dialect: Dialect;
  private readonly context: HubContext;
  private readonly bus: NoticeBus;
  private readonly origin: string;
  private readonly grouped = new GroupedWrites((fn) => this.write(fn));
  /** The analytics statements, without and with a name filter, built when first used. */
  private analytics: [AnalyticsStatements?, AnalyticsStatements?] = [];
  private initializing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SqlTaskHubOptions) {
    this.description = options.description;
    this.noticesComplete = options.noticesComplete ?? false;
    this.clock = options.clock ?? systemClock;
    this.driver = options.driver;
    this.dialect = options.dialect;
    this.bus = options.bus ?? new NoticeBus();
    this.origin = options.origin ?? randomUUID();
    this.context = {
      driver: this.driver,
      dialect: this.dialect,
      sql: buildStatements(this.dialect),
      clock: this.clock,
      writes: options.writes,
      write: (fn, writeOptions) => this.write(fn, writeOptions),
      writeGrouped: (fn) => this.grouped.submit(fn),
      announce: (notices) => this.bus.emit(notices),
    };
  }

  init(): Promise<void> {
    this.initializing ??= migrate(this.driver, this.dialect, undefined, this.clock).then(
      () => this.options.maintenance?.start(),
      (error: unknown) => {
        this.initializing = undefined;
        throw error;
      },
    );
    return this.initializing;
  }

  /**
   * Checks, without creating or upgrading anything, that the hub's schema exists and is the one this code knows
   * (instead of {@link init}, for tools that only read a hub).
   * @throws TaskHubError when the schema is missing, older or newer.
   */
  async checkSchema(): Promise<void> {
    await checkSchema(this.driver, this.dialect);
  }

  /**
   * Runs one round of the hub's storage maintenance now and resolves with what it did, or with `undefined` for a hub
   * that needs none (SQLite). On PostgreSQL a round vacuums (or analyzes) those of the hot tables whose dead rows
   * passed their autovacuum thresholds, under the hub's maintenance lease (`leased: false`: another process held it),
   * whatever the `maintenance` option says: with `vacuum: "off"`, a scheduler of your own can call it.
   */
  runMaintenance(): Promise<MaintenanceRound | undefined> {
    return this.options.maintenance?.runOnce() ?? Promise.resolve(undefined);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.options.maintenance?.close();
        await this.options.remoteNotices?.close();
      } finally {
        try {
          await this.driver.close();
        } finally {
          this.options.onClose?.();
        }
      }
    })();
    return this.closing;
  }

  async createInstance(instance: NewInstance): Promise<void> {
    await instances.createInstance(this.context, instance);
  }

  createAndDispatch(instance: NewInstance, dispatch?: DispatchRequest): Promise<Dispatched | undefined> {
    return instances.createInstance(this.context, instance, dispatch);
  }

  appendInboxMessage(message: NewInboxMessage): Promise<void> {
    return instances.appendInboxMessage(this.context, message);
  }

  getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    return queries.getInstance(this.context, instanceId);
  }

  getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return queries.getHistory(this.context, instanceId);
  }

  listInstances(query: InstanceQuery): Promise<InstancePage> {
    return queries.listInstances(this.context, query);
  }

  purgeInstances(filter: InstanceFilter & { readonly instanceId?: string | undefined }): Promise<number> {
    return queries.purgeInstances(this.context, filter);
  }

  lockOrchestrationWorkItems(options: LockOptions): Promise<OrchestrationWorkItem[]> {
    return lockWorkItems(this.context, options, this.context.writes.lockOrchestrations);
  }

  async completeOrchestrationWorkItems(
    completions: readonly OrchestrationCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    return (await this.commitSteps(completions)).outcomes;
  }

  completeOrchestrationsAndDispatch(
    completions: readonly FastPathCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<DispatchResults> {
    return this.commitSteps(completions, dispatch);
  }

  lockActivityWorkItems(options: LockOptions): Promise<ActivityWorkItem[]> {
    return lockWorkItems(this.context, options, this.context.writes.lockActivities);
  }

  async completeActivityWorkItems(
    completions: readonly ActivityCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    return (await this.commitResults(completions)).outcomes;
  }

  completeActivitiesAndDispatch(
    completions: readonly ActivityCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<DispatchResults> {
    return this.commitResults(completions, dispatch);
  }

  abandonWorkItem(
    workItem: OrchestrationWorkItem | ActivityWorkItem,
    delayMs: number,
    options: AbandonOptions = {},
  ): Promise<void> {
    return isActivityWorkItem(workItem)
      ? activities.abandonActivityWorkItem(this.context, workItem, delayMs, options)
      : orchestrations.abandonOrchestrationWorkItem(this.context, workItem, delayMs, options);
  }

  renewActivityWorkItem(
    workItem: ActivityWorkItem,
    leaseMs: number,
    heartbeatDetails?: string,
  ): Promise<number> {
    return activities.renewActivityWorkItem(this.context, workItem, leaseMs, heartbeatDetails);
  }

  subscribe(listener: (notice: TaskHubNotice) => void): () => void {
    const unsubscribe = this.bus.subscribe(listener);
    this.options.remoteNotices?.start((notices) => this.bus.emit(notices));
    return unsubscribe;
  }

  /**
   * Resolves once notices from other processes are being received, after a first {@link subscribe} (immediately for
   * backends without them, or without subscribers). Useful in tests; workers need not wait for it (they poll).
   */
  async notificationsReady(): Promise<void> {
    await this.options.remoteNotices?.ready();
  }

  recordWorkerHeartbeat(heartbeat: WorkerHeartbeat): Promise<void> {
    return workers.recordWorkerHeartbeat(this.context, heartbeat);
  }

  getStats(): Promise<TaskHubStats> {
    return queries.getStats(this.context);
  }

  /** {@inheritDoc TaskHubAnalytics.getAnalytics} */
  getAnalytics(query: AnalyticsQuery): Promise<HubAnalytics> {
    const byName = query.name !== undefined ? 1 : 0;
    const statements = (this.analytics[byName] ??= buildAnalyticsStatements(this.dialect, byName === 1));
    return getAnalytics(this.driver, statements, query);
  }

  private commitSteps(
    completions: readonly FastPathCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<DispatchResults> {
    return commitBatch(this.context, completions, dispatch, this.context.writes.completeOrchestrations);
  }

  private commitResults(
    completions: readonly ActivityCompletion[],
    dispatch?: DispatchRequest,
  ): Promise<DispatchResults> {
    return commitBatch(this.context, completions, dispatch, this.context.writes.completeActivities);
  }

  private async write<T>(
    fn: (tx: SqlExecutor, notices: TaskHubNotice[]) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    let notices: TaskHubNotice[] = [];
    const result = await this.driver.transaction(
      async (tx) => {
        notices = [];
        return fn(tx, notices);
      },
      {
        ...options,
        // Published with the commit, in the same round trip (PostgreSQL).
        beforeCommit: () => {
          const remote = this.options.remoteNotices
            ? notices.filter(crossesProcesses).map(withoutRecord)
            : [];
          return remote.length > 0
            ? encodeNoticePayloads(this.origin, remote).flatMap(
                (payload) => this.dialect.notify(payload) ?? [],
              )
            : [];
        },
      },
    );
    if (notices.length > 0) this.bus.emit(notices);
    return result;
  }
}

/**
 * Whether a notice is published to other processes: new work (for their workers) and finished instances (for their
 * waiting clients). Intermediate status changes stay in the process: publishing one per step would wake every
 * listening process for nothing.
 */
function crossesProcesses(notice: TaskHubNotice): boolean {
  return notice.kind !== "instance-updated" || isTerminalStatus(notice.status);
}

/** A notice without its record (other processes read the instance: a notification's payload is small). */
function withoutRecord(notice: TaskHubNotice): TaskHubNotice {
  if (notice.kind !== "instance-updated" || notice.record === undefined) return notice;
  const { record: _record, ...rest } = notice;
  return rest;
}
