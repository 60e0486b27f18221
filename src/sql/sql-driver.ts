/**
 * A tiny async SQL driver abstraction shared by the SQLite and PostgreSQL task hubs.
 *
 * Shared code writes its SQL once (see `dialect.ts`) and runs it through {@link SqlDriver}: `query` returns rows,
 * `run` returns the number of rows affected, `transaction` runs a function on a {@link SqlExecutor} bound to one
 * transaction, committing when it resolves and rolling back when it rejects.
 *
 * - `SqliteDriver` (`sqlite/sqlite-driver.ts`) wraps one synchronous better-sqlite3 connection.
 * - `PgDriver` (`postgres/pg-driver.ts`) runs on a `pg.Pool`.
 * @module
 */
/** A value bound to a statement parameter. Arrays are for PostgreSQL array parameters only. */
export type SqlValue = string | number | bigint | null | Buffer | readonly (string | number | null)[];

/** One result row, keyed by column name. */
export type SqlRow = Record<string, unknown>;

/** Runs statements: on the driver directly (auto-commit) or inside a transaction. */
export interface SqlExecutor {
  /** Runs a statement and returns its rows (statements with `RETURNING` included). */
  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Runs a statement that returns no rows and resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Queues a statement whose result the transaction does not need before it commits. PostgreSQL sends it with the
   * transaction's next statement or with its `COMMIT`, in the same round trip (its parameters inlined as literals);
   * SQLite runs it at once. A failure fails the transaction (at the latest at commit) and rejects the returned
   * promise, which callers may ignore. Outside a transaction it is {@link query}.
   */
  defer<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
}

/** Options of {@link SqlDriver.transaction}. */
export interface TransactionOptions {
  /**
   * `false` for transactions whose loss in a crash is harmless (taking or releasing leases: a lost lease is as if it
   * had expired). They commit without waiting for the disk: SQLite runs them with `synchronous = NORMAL` (when the
   * connection is at FULL or EXTRA), PostgreSQL with `synchronous_commit = off`. Neither can corrupt anything, and a
   * later durable commit makes them durable too (logs are written in order). Default `true`.
   */
  readonly durable?: boolean | undefined;
  /**
   * Statements without parameters to run last in the transaction (notifications), called once `fn` resolved.
   * PostgreSQL sends them in the same round trip as the `COMMIT`.
   */
  readonly beforeCommit?: (() => readonly string[]) | undefined;
}

/** A connection (or pool) to one database. */
export interface SqlDriver extends SqlExecutor {
  /**
   * Runs `fn` in a write transaction: commits when it resolves, rolls back and rethrows when it rejects. `fn` must
   * use only the executor it is given (and may be run again after a PostgreSQL serialization failure or deadlock,
   * so it must not have side effects outside the database before it resolves).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Releases the connection(s). Idempotent. */
  close(): Promise<void>;
}

/** Matches `ROLLBACK` and `ROLLBACK TO SAVEPOINT ...`: after one, a failed statement no longer fails the transaction. */
export const ROLLBACK = /^\s*ROLLBACK\b/i;

/** PostgreSQL error codes after which a whole transaction is safely retried. */
const RETRYABLE_CODES = new Set(["40001" /* serialization_failure */, "40P01" /* deadlock_detected */]);

/** True for a serialization failure or a deadlock: the whole transaction may be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE_CODES.has(code);
}
