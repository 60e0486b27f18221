/**
 * {@link SqliteDriver}: the {@link SqlDriver} over one synchronous better-sqlite3 connection. Statements run
 * synchronously and return already-resolved promises; an {@link AsyncMutex} serializes transactions (and keeps single
 * statements out of a transaction in progress), because interleaved async transactions on one connection would
 * corrupt each other. Storage faults (busy beyond the busy timeout, full, read-only, I/O errors) reject as
 * `TaskHubUnavailableError` (see `sqlite-faults.ts`). Only a type import of `better-sqlite3` appears here: the factory
 * loads the library.
 * @module
 */
import type BetterSqlite3 from "better-sqlite3";
import {
  ROLLBACK,
  type SqlDriver,
  type SqlExecutor,
  type SqlRow,
  type SqlValue,
  type TransactionOptions,
} from "../sql-driver.js";
import { classifySqliteError } from "./sqlite-faults.js";

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
  /** The first failure of a deferred statement in the transaction in progress (fails its commit). */
  private deferredFailure: { readonly error: unknown } | undefined;

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
    // A deferred statement runs at once; its failure is reported by the next statement or the commit, as on
    // PostgreSQL (where it travels with them).
    this.inTx = {
      query: <R extends SqlRow>(sql: string, params?: readonly SqlValue[]) =>
        settle(() => this.afterDeferred(() => this.all(sql, params) as R[])),
      run: (sql: string, params?: readonly SqlValue[]) =>
        settle(() =>
          ROLLBACK.test(sql) // a rollback undoes the failed statement too
            ? (this.takeDeferredFailure(), this.change(sql, params))
            : this.afterDeferred(() => this.change(sql, params)),
        ),
      defer: <R extends SqlRow>(sql: string, params?: readonly SqlValue[]) => {
        const result = settle(() => {
          try {
            return this.all(sql, params) as R[];
          } catch (error) {
            this.deferredFailure ??= { error };
            throw error;
          }
        });
        result.catch(() => undefined);
        return result;
      },
    };
  }

  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.exclusive(() => this.all(sql, params) as R[]);
  }

  defer<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.query<R>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.exclusive(() => this.change(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    try {
      return await this.transactionOnce(fn, options);
    } catch (error) {
      throw classifySqliteError(error);
    }
  }

  private async transactionOnce<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options: TransactionOptions | undefined,
  ): Promise<T> {
    await this.mutex.acquire();
    const relax = options?.durable === false && (this.synchronous === "full" || this.synchronous === "extra");
    try {
      this.assertOpen();
      if (relax) this.prepare("PRAGMA synchronous = NORMAL").run();
      this.prepare("BEGIN IMMEDIATE").run();
      this.deferredFailure = undefined;
      try {
        const result = await fn(this.inTx);
        const failure = this.takeDeferredFailure();
        if (failure) throw failure.error;
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
      } catch (error) {
        throw classifySqliteError(error);
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

  /**
   * Runs `work` unless a deferred statement failed (then throws that failure, which stands until a rollback: the
   * transaction cannot commit without it).
   */
  private afterDeferred<T>(work: () => T): T {
    if (this.deferredFailure) throw this.deferredFailure.error;
    return work();
  }

  private takeDeferredFailure(): { readonly error: unknown } | undefined {
    const failure = this.deferredFailure;
    this.deferredFailure = undefined;
    return failure;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("The SQLite task hub connection is closed.");
  }
}

/** The result of `work` as a promise; its failure rejects it, a storage fault as `TaskHubUnavailableError`. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(classifySqliteError(error));
  }
}
