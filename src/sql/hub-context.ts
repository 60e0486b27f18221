/**
 * {@link HubContext}: what the per-concern SQL modules (instances, orchestrations, activities, queries, workers) need
 * from the hub, and the {@link WriteStrategy} the backend chose. Its own module so that none of them imports the hub
 * class.
 * @module
 */
import type { Clock } from "../task-hub/clock.js";
import type {
  ActivityCompletion,
  ActivityWorkItem,
  LockOptions,
  NewInstance,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type {
  DispatchRequest,
  Dispatched,
  DispatchResults,
  FastPathCompletion,
} from "../task-hub/local-dispatch.js";
import type { Dialect } from "./dialect.js";
import type { GroupedWrite } from "./grouped-writes.js";
import type { SqlDriver, SqlExecutor, SqlValue, TransactionOptions } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";

/** What the per-concern modules need from the hub. */
export interface HubContext {
  readonly driver: SqlDriver;
  readonly dialect: Dialect;
  readonly sql: Statements;
  /** Every time the hub stores or compares comes from it (statements take it as a parameter). */
  readonly clock: Clock;
  /** How this backend writes (chosen once, when the hub is built). */
  readonly writes: WriteStrategy;
  /**
   * Runs `fn` in a write transaction. Notices `fn` pushes are published inside the transaction (PostgreSQL:
   * `pg_notify`, delivered to other processes on commit) and emitted in-process after the commit.
   */
  write<T>(
    fn: (tx: SqlExecutor, notices: TaskHubNotice[]) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T>;
  /**
   * Like {@link write}, but shares one transaction with other small writes submitted at the same time (group
   * commit); `fn` runs in its own savepoint, so its failure rolls back only its own changes.
   */
  writeGrouped<T>(fn: GroupedWrite<T>): Promise<T>;
  /** Emits notices in this process only (after a commit; other processes learn of the work by polling). */
  announce(notices: readonly TaskHubNotice[]): void;
}

/** Work leased inside a transaction, settling once the statement ran (it may travel with the `COMMIT`). */
export interface LeasedInTransaction {
  readonly items: Promise<OrchestrationWorkItem[]>;
}

/**
 * The writes that differ between backends, chosen once per hub: `checkedWrites` (`checked-writes.ts`, SQLite) reads
 * what it needs, then writes, in a transaction of several statements; `guardedWrites` (`postgres/guarded-writes.ts`)
 * claims in one statement and commits with guards (see `postgres/pg-guards.ts`), every statement in the `COMMIT`'s
 * round trip, falling back to the checked way when a guard fails. Arguments are validated by the callers.
 */
export interface WriteStrategy {
  /** Creates one instance (a valid request), leasing it to the dispatching worker when `dispatch` asks. */
  createInstance(
    ctx: HubContext,
    instance: NewInstance,
    dispatch: DispatchRequest | undefined,
  ): Promise<Dispatched | undefined>;
  /** Commits orchestration steps (at least one). */
  completeOrchestrations(
    ctx: HubContext,
    completions: readonly FastPathCompletion[],
    dispatch: DispatchRequest | undefined,
  ): Promise<DispatchResults>;
  /** Commits activity results (at least one). */
  completeActivities(
    ctx: HubContext,
    completions: readonly ActivityCompletion[],
    dispatch: DispatchRequest | undefined,
  ): Promise<DispatchResults>;
  /** Claims and leases up to `options.max` (at least 1) orchestration work items. */
  lockOrchestrations(ctx: HubContext, options: LockOptions): Promise<OrchestrationWorkItem[]>;
  /**
   * Claims and leases, inside `tx`, up to `options.max` (at least 1) of the instances `ids` (a list parameter of
   * sorted, distinct IDs). The items may settle only once the transaction committed.
   */
  claimAmong(
    ctx: HubContext,
    tx: SqlExecutor,
    options: LockOptions,
    ids: SqlValue,
  ): Promise<LeasedInTransaction>;
  /** Claims and leases up to `options.max` (at least 1) activity work items. */
  lockActivities(ctx: HubContext, options: LockOptions): Promise<ActivityWorkItem[]>;
}
