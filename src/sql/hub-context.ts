/**
 * {@link HubContext}: what the per-concern SQL modules (instances, orchestrations, activities, queries, workers) need
 * from the hub. Its own module so that none of them imports the hub class.
 * @module
 */
import type { Clock } from "../task-hub/clock.js";
import type { TaskHubNotice } from "../task-hub/task-hub.js";
import type { Dialect } from "./dialect.js";
import type { GroupedWrite } from "./grouped-writes.js";
import type { SqlDriver, SqlExecutor, TransactionOptions } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";

/** What the per-concern modules need from the hub. */
export interface HubContext {
  readonly driver: SqlDriver;
  readonly dialect: Dialect;
  readonly sql: Statements;
  /** Every time the hub stores or compares comes from it (statements take it as a parameter). */
  readonly clock: Clock;
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
