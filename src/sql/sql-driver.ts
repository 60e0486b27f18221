/**
 * A tiny async SQL driver abstraction shared by the SQLite and PostgreSQL task hubs.
 *
 * Shared code writes its SQL once (see `dialect.ts`) and runs it through {@link SqlDriver}: `query` returns rows,
 * `run` returns the number of rows affected, `transaction` runs a function on a {@link SqlExecutor} bound to one
 * transaction, committing when it resolves and rolling back when it rejects.
 *
 * - {@link SqliteDriver} wraps one synchronous better-sqlite3 connection. Statements run synchronously and return
 *   already-resolved promises; an {@link AsyncMutex} serializes transactions (and keeps single statements out of a
 *   transaction in progress), because interleaved async transactions on one connection would corrupt each other.
 * - {@link PgDriver} runs on a `pg.Pool`: each transaction checks out one client; DML statements are sent as named
 *   (server-side prepared) statements; transactions that fail with a serialization failure or a deadlock are retried.
 *   Round trips are the main cost, so a transaction's `BEGIN` travels with its first statement (one simple-protocol
 *   query, that statement's parameters inlined as escaped literals, so it is not a prepared statement), and its
 *   notifications with its `COMMIT`.
 *
 * Only type imports of `better-sqlite3` and `pg` appear here: each backend's factory loads its own library.
 * @module
 */
import { createHash } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";

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

const RESOLVED = Promise.resolve();

/**
 * A FIFO async mutex with a synchronous fast path: {@link tryAcquire} takes a free lock without a microtask hop.
 */
export class AsyncMutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  /** Takes the lock when it is free and returns whether it did. */
  tryAcquire(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  /** Resolves once the caller holds the lock. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return RESOLVED;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the lock to the next waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

type SqliteStatement = BetterSqlite3.Statement<unknown[], SqlRow>;

/**
 * Driver over one better-sqlite3 connection. Transactions start with `BEGIN IMMEDIATE` so that a writer in another
 * process makes this one wait (up to the connection's `busy_timeout`) instead of failing halfway; prepared statements
 * are cached by SQL text.
 */
export class SqliteDriver implements SqlDriver {
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly inTx: SqlExecutor;
  private closed = false;

  /**
   * @param mutex Serializes this connection's work. Connections to one file in one process must share it: SQLite's
   *   busy wait is synchronous, so a transaction waiting for another connection's write lock in the same thread
   *   would block the very thread that has to finish (and release) it.
   * @param synchronous The connection's `PRAGMA synchronous` level, restored after non-durable transactions.
   */
  constructor(
    readonly db: BetterSqlite3.Database,
    private readonly mutex: AsyncMutex = new AsyncMutex(),
    private readonly synchronous: "off" | "normal" | "full" | "extra" = "full",
  ) {
    this.inTx = {
      query: <R extends SqlRow>(sql: string, params?: readonly SqlValue[]) =>
        settle(() => this.all(sql, params) as R[]),
      run: (sql: string, params?: readonly SqlValue[]) => settle(() => this.change(sql, params)),
    };
  }

  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.exclusive(() => this.all(sql, params) as R[]);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.exclusive(() => this.change(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    await this.mutex.acquire();
    const relax = options?.durable === false && (this.synchronous === "full" || this.synchronous === "extra");
    try {
      this.assertOpen();
      if (relax) this.prepare("PRAGMA synchronous = NORMAL").run();
      this.prepare("BEGIN IMMEDIATE").run();
      try {
        const result = await fn(this.inTx);
        for (const statement of options?.beforeCommit?.() ?? []) this.prepare(statement).run();
        this.prepare("COMMIT").run();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.prepare("ROLLBACK").run();
        throw error;
      }
    } finally {
      try {
        if (relax && !this.closed)
          this.prepare(`PRAGMA synchronous = ${this.synchronous.toUpperCase()}`).run();
      } finally {
        this.mutex.release();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.acquire();
    try {
      if (this.closed) return;
      this.closed = true;
      this.statements.clear();
      this.db.close();
    } finally {
      this.mutex.release();
    }
  }

  /** Runs `work` alone on the connection: synchronously when no transaction is in progress, else after it. */
  private exclusive<T>(work: () => T): Promise<T> {
    if (this.mutex.tryAcquire()) {
      try {
        return settle(work);
      } finally {
        this.mutex.release();
      }
    }
    return this.mutex.acquire().then(() => {
      try {
        return work();
      } finally {
        this.mutex.release();
      }
    });
  }

  private all(sql: string, params: readonly SqlValue[] | undefined): SqlRow[] {
    const statement = this.prepare(sql);
    if (statement.reader) return statement.all(...(params ?? []));
    statement.run(...(params ?? []));
    return [];
  }

  private change(sql: string, params: readonly SqlValue[] | undefined): number {
    const statement = this.prepare(sql);
    if (statement.reader) return statement.all(...(params ?? [])).length;
    return statement.run(...(params ?? [])).changes;
  }

  private prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      this.assertOpen();
      statement = this.db.prepare<unknown[], SqlRow>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("The SQLite task hub connection is closed.");
  }
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `sql` with each `$n` replaced by the literal of `params[n - 1]` (our statements have no other `$`). */
function inlineParameters(client: pg.PoolClient, sql: string, params: readonly SqlValue[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(client, params[Number(n) - 1] ?? null));
}

function literal(client: pg.PoolClient, value: SqlValue): string {
  if (value === null) return "NULL";
  if (Buffer.isBuffer(value)) return `'\\x${value.toString("hex")}'`;
  if (Array.isArray(value)) {
    const elements = (value as readonly (string | number | null)[]).map((element) =>
      element === null ? "NULL" : `"${String(element).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`,
    );
    return client.escapeLiteral(`{${elements.join(",")}}`);
  }
  return client.escapeLiteral(String(value));
}

/** PostgreSQL error codes after which a whole transaction is safely retried. */
const RETRYABLE_CODES = new Set(["40001" /* serialization_failure */, "40P01" /* deadlock_detected */]);
const MAX_ATTEMPTS = 5;
const PREPARABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;

/** Driver over a `pg.Pool`. The pool is owned (ended by {@link close}). */
export class PgDriver implements SqlDriver {
  private readonly names = new Map<string, string | undefined>();
  private closed = false;

  constructor(readonly pool: pg.Pool) {}

  async query<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    const result = await this.pool.query<R>(this.config(sql, params));
    return result.rows;
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    const result = await this.pool.query(this.config(sql, params));
    return result.rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const begin = options?.durable === false ? "BEGIN; SET LOCAL synchronous_commit = off" : "BEGIN";
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no error listener: a connection that dies between two statements (server restart,
      // pg_terminate_backend) would emit an unhandled 'error' and crash the process. Record it instead; the next
      // statement fails and the client is discarded on release.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      // BEGIN travels with the transaction's first statement (one round trip instead of two).
      const opening = { begin: begin as string | undefined };
      try {
        const result = await fn(this.executor(client, opening));
        const last = [...(opening.begin ? [opening.begin] : []), ...(options?.beforeCommit?.() ?? [])];
        if (opening.begin === undefined || last.length > 1)
          await client.query(last.length > 0 ? `${last.join("; ")}; COMMIT` : "COMMIT");
        return result;
      } catch (error) {
        try {
          if (opening.begin === undefined) await client.query("ROLLBACK");
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE_CODES.has((error as { code?: string }).code ?? ""))
          throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private executor(client: pg.PoolClient, opening: { begin: string | undefined }): SqlExecutor {
    const send = async <R extends SqlRow>(
      sql: string,
      params?: readonly SqlValue[],
    ): Promise<pg.QueryResult<R>> => {
      const begin = opening.begin;
      if (begin === undefined) return client.query<R>(this.config(sql, params));
      // The first statement: sent with BEGIN in one simple-protocol query, its parameters as literals.
      opening.begin = undefined;
      const results = (await client.query<R>(
        `${begin}; ${inlineParameters(client, sql, params ?? [])}`,
      )) as unknown as pg.QueryResult<R>[] | pg.QueryResult<R>;
      return Array.isArray(results) ? results[results.length - 1]! : results;
    };
    return {
      query: async <R extends SqlRow>(sql: string, params?: readonly SqlValue[]) =>
        (await send<R>(sql, params)).rows,
      run: async (sql: string, params?: readonly SqlValue[]) => (await send(sql, params)).rowCount ?? 0,
    };
  }

  /** A query config: DML gets a stable statement name so each pooled connection prepares it once. */
  private config(sql: string, params: readonly SqlValue[] | undefined): pg.QueryConfig {
    let name = this.names.get(sql);
    if (name === undefined && !this.names.has(sql)) {
      name = PREPARABLE.test(sql)
        ? "th_" + createHash("sha1").update(sql).digest("hex").slice(0, 24)
        : undefined;
      this.names.set(sql, name);
    }
    return { text: sql, values: params as unknown[] | undefined, ...(name ? { name } : {}) };
  }
}
