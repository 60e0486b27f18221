/**
 * {@link PgDriver}: the {@link SqlDriver} over a `pg.Pool`. Each transaction checks out one client; statements sent
 * alone are named (server-side prepared) statements; transactions that fail with a serialization failure or a
 * deadlock are retried. Round trips are the main cost, so statements that can wait travel together (see
 * {@link PgBatch}): `BEGIN` with the first statement, deferred statements with the next one or the `COMMIT`, and the
 * notifications with the `COMMIT`. Storage faults (the server gone, read-only, out of resources) reject as
 * `TaskHubUnavailableError` (see `pg-faults.ts`).
 * @module
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import {
  isRetryableTransactionError,
  ROLLBACK,
  type SqlDriver,
  type SqlExecutor,
  type SqlRow,
  type SqlValue,
  type TransactionOptions,
} from "../sql-driver.js";
import { classifyPgError } from "./pg-faults.js";

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

const MAX_ATTEMPTS = 5;
const PREPARABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;

/** Driver over a `pg.Pool`. The pool is owned (ended by {@link close}). */
export class PgDriver implements SqlDriver {
  private readonly names = new Map<string, string | undefined>();
  private closed = false;

  constructor(readonly pool: pg.Pool) {}

  async query<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(this.config(sql, params))).rows;
    } catch (error) {
      throw classifyPgError(error);
    }
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    try {
      return (await this.pool.query(this.config(sql, params))).rowCount ?? 0;
    } catch (error) {
      throw classifyPgError(error);
    }
  }

  defer<R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.query<R>(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    try {
      return await this.transactionWithRetries(fn, options);
    } catch (error) {
      throw classifyPgError(error);
    }
  }

  /** {@link transaction}, run again after a serialization failure or a deadlock (up to {@link MAX_ATTEMPTS}). */
  private async transactionWithRetries<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
    options: TransactionOptions | undefined,
  ): Promise<T> {
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
      const batch = new PgBatch(client, (sql, params) => this.config(sql, params), begin);
      try {
        const result = await fn(batch.executor);
        // Whatever is still queued (BEGIN, deferred statements, notifications) travels with the COMMIT.
        await batch.commit(options?.beforeCommit?.() ?? []);
        return result;
      } catch (error) {
        try {
          await batch.rollback();
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
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

interface Queued {
  readonly text: string;
  readonly resolve: (result: pg.QueryResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The statements of one PostgreSQL transaction on one client. Round trips are the main cost, so statements that can
 * wait are sent together with the next one, as one simple-protocol query (their parameters inlined as literals):
 * `BEGIN` with the first statement, deferred statements ({@link SqlExecutor.defer}) with the next statement or with
 * the `COMMIT`, and the notifications with the `COMMIT`. A statement sent alone is a named, prepared statement.
 */
class PgBatch {
  /** True once `BEGIN` was sent (a `ROLLBACK` is then due on failure). */
  private opened = false;
  readonly #queue: Queued[] = [];
  /** Statements to prepare in the next round trip, by batch name. */
  readonly #toPrepare = new Map<string, string>();
  readonly #beginParts: number;
  #failure: { readonly error: unknown } | undefined;
  #last: Promise<unknown> = Promise.resolve();
  readonly executor: SqlExecutor;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly config: (sql: string, params: readonly SqlValue[] | undefined) => pg.QueryConfig,
    begin: string,
  ) {
    const parts = begin.split("; ");
    this.#beginParts = parts.length;
    for (const text of parts) this.#enqueue(text);
    this.executor = {
      query: async <R extends SqlRow>(sql: string, params?: readonly SqlValue[]) =>
        (await this.#send<R>(sql, params)).rows,
      run: async (sql: string, params?: readonly SqlValue[]) => (await this.#send(sql, params)).rowCount ?? 0,
      defer: <R extends SqlRow>(sql: string, params?: readonly SqlValue[]) => {
        const result = (
          paramsLength(params) > INLINE_LIMIT
            ? this.#pipeline<R>(sql, params)
            : new Promise<pg.QueryResult<R>>((resolve, reject) =>
                this.#queue.push({
                  text: this.#text(sql, params),
                  resolve: resolve as (result: pg.QueryResult) => void,
                  reject,
                }),
              )
        ).then((r) => r.rows);
        result.catch(() => undefined); // the transaction fails with the same error
        return result;
      },
    };
  }

  /**
   * A statement with large parameters, which cost more to inline than a round trip: sent at once after what is
   * queued, prepared and with its parameters bound (the client sends queries in order; nothing waits for it here).
   */
  #pipeline<R extends SqlRow>(
    sql: string,
    params: readonly SqlValue[] | undefined,
  ): Promise<pg.QueryResult<R>> {
    if (this.#queue.length > 0) this.#flush().catch(() => undefined);
    this.opened = true;
    const result = this.#query<R>(this.config(sql, params));
    result.catch((error: unknown) => this.#failed(error));
    return result;
  }

  /**
   * Sends a query once the previous one finished (a `pg` client must not be given a query while one runs; statements
   * sent without waiting for their result, as {@link #pipeline} does, queue here).
   */
  #query<R extends SqlRow>(query: pg.QueryConfig | string): Promise<pg.QueryResult<R>> {
    const result = this.#last.then(() => this.client.query<R>(query));
    this.#last = result.catch(() => undefined);
    return result;
  }

  /** Records the first failure of the transaction (later statements fail only because it is aborted). */
  #failed(error: unknown): void {
    this.#failure ??= { error };
  }

  /** The error to report for a failed round trip: the transaction's first failure. */
  #firstFailure(error: unknown): unknown {
    return this.#failure?.error ?? error;
  }

  /** Rolls the transaction back, if it was opened (after any statement still running). */
  async rollback(): Promise<void> {
    if (this.opened) await this.#query("ROLLBACK");
  }

  /** Queues a statement whose result nobody waits for. */
  #enqueue(text: string, resolve: (result: pg.QueryResult) => void = () => undefined): void {
    this.#queue.push({ text, resolve, reject: () => undefined });
  }

  /** Sends what is queued plus `statements` and `COMMIT` (nothing at all for a transaction that did nothing). */
  async commit(statements: readonly string[]): Promise<void> {
    if (!this.opened && this.#queue.length === this.#beginParts && statements.length === 0) return;
    let outcome: string | null = null;
    for (const text of statements) this.#enqueue(text);
    this.#enqueue("COMMIT", (r) => (outcome = r.command));
    try {
      await this.#flush();
    } catch (error) {
      throw this.#firstFailure(error);
    }
    // COMMIT of a transaction a failed statement aborted answers ROLLBACK (a caller swallowed that statement's error).
    if (outcome === "ROLLBACK")
      throw this.#firstFailure(new Error("The transaction was rolled back: one of its statements failed."));
  }

  async #send<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult<R>> {
    try {
      const result = await this.#sendNow<R>(sql, params);
      if (ROLLBACK.test(sql)) this.#failure = undefined; // what failed is undone (a savepoint rolled back)
      return result;
    } catch (error) {
      throw this.#firstFailure(error);
    }
  }

  /** Sends a statement now: alone (prepared, parameters bound), or with what is queued. */
  #sendNow<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult<R>> {
    if (this.#queue.length === 0) return this.#query<R>(this.config(sql, params));
    return new Promise<pg.QueryResult<R>>((resolve, reject) => {
      this.#queue.push({
        text: this.#text(sql, params),
        resolve: resolve as (result: pg.QueryResult) => void,
        reject,
      });
      this.#flush().catch(() => undefined); // rejections reach each statement's own promise
    });
  }

  /**
   * The text of a batched statement: `EXECUTE` of a statement prepared on this connection (prepared in the same
   * round trip the first time, so its plan is cached like a prepared statement sent alone), else the statement itself;
   * parameters as literals.
   */
  #text(sql: string, params: readonly SqlValue[] | undefined): string {
    const name = this.config(sql, undefined).name;
    const prepared = preparedOn(this.client);
    if (name === undefined || prepared.poisoned.has(name))
      return inlineParameters(this.client, sql, params ?? []);
    const batchName = `tb${name.slice(2)}`;
    if (!prepared.ready.has(batchName)) this.#toPrepare.set(batchName, sql);
    const args = (params ?? []).map((value) => literal(this.client, value));
    return args.length > 0 ? `EXECUTE ${batchName}(${args.join(", ")})` : `EXECUTE ${batchName}`;
  }

  /** Sends the queue as one simple-protocol query and settles each statement with its own result. */
  async #flush(): Promise<void> {
    const queued = this.#queue.splice(0);
    const preparing = [...this.#toPrepare];
    this.#toPrepare.clear();
    this.opened = true;
    const prepared = preparedOn(this.client);
    // PREPARE is not transactional and cannot fail for our statements: first, so that a failure later in the batch
    // leaves them prepared. Should the batch fail anyway, they are not used again on this connection.
    const texts = [
      ...preparing.map(([name, sql]) => `PREPARE ${name} AS ${sql}`),
      ...queued.map((q) => q.text),
    ];
    try {
      const results = (await this.#query(texts.join("; "))) as unknown as pg.QueryResult | pg.QueryResult[];
      const list = (Array.isArray(results) ? results : [results]).slice(preparing.length);
      for (const [name] of preparing) prepared.ready.add(name);
      queued.forEach((q, i) => q.resolve(list[i] ?? list[list.length - 1]!));
    } catch (error) {
      this.#failed(error);
      for (const [name] of preparing) prepared.poisoned.add(`th${name.slice(2)}`);
      for (const q of queued) q.reject(error);
      throw error;
    }
  }
}

/** Parameters longer than this (characters in all) are bound, not inlined (see `PgBatch.#pipeline`). */
const INLINE_LIMIT = 16_384;

function paramsLength(params: readonly SqlValue[] | undefined): number {
  let length = 0;
  for (const value of params ?? []) {
    if (typeof value === "string") length += value.length;
    else if (Array.isArray(value))
      for (const element of value as readonly unknown[])
        length += typeof element === "string" ? element.length : 8;
    else if (Buffer.isBuffer(value)) length += value.length * 2;
    else length += 8;
  }
  return length;
}

/** Statements prepared by batches on a connection (and those a failed batch may or may not have prepared). */
interface PreparedOnConnection {
  readonly ready: Set<string>;
  readonly poisoned: Set<string>;
}

const preparedByConnection = new WeakMap<pg.PoolClient, PreparedOnConnection>();

function preparedOn(client: pg.PoolClient): PreparedOnConnection {
  let prepared = preparedByConnection.get(client);
  if (!prepared) preparedByConnection.set(client, (prepared = { ready: new Set(), poisoned: new Set() }));
  return prepared;
}
