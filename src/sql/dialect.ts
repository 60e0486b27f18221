/**
 * The dialect seam: the few places where SQLite and PostgreSQL SQL differ. Everything else (every query of the task
 * hub) is written once, in `sql-statements.ts`, with named parameters (`:name`, see `statement.ts`) and the helpers
 * below. The two dialects live in
 * `sqlite/sqlite-dialect.ts` and `postgres/pg-dialect.ts`.
 *
 * | Concern | SQLite | PostgreSQL |
 * | --- | --- | --- |
 * | placeholders | `?` (compiled from `:name`) | `$1, $2, ...` (compiled from `:name`) |
 * | table names | `instances` | `"hub".instances` (one schema per hub) |
 * | row locks | none (one writer at a time) | `FOR UPDATE`, `FOR UPDATE SKIP LOCKED` |
 * | list parameters | JSON text through `json_each` | one array parameter (`= ANY($1::text[])`, `unnest`) |
 * | bulk rows | one run per row, columns as plain parameters | one run over `unnest(arrays) WITH ORDINALITY` |
 * | column types | `INTEGER`, `TEXT`, `INTEGER PRIMARY KEY AUTOINCREMENT` | `BIGINT`, `TEXT COLLATE "C"`, identity |
 * | notifications | none in SQL (in-process bus) | `pg_notify` in the committing transaction |
 * | claims | a transaction of a few statements | one statement (`WITH ... FOR UPDATE SKIP LOCKED ... UPDATE`) |
<<<<<<< HEAD
 * | a key range, sorted | `INDEXED BY` the primary key | the range in a subquery (no index in the order applies) |
 * | ordered `UNION ALL` | merges plain arms | merges arms that carry their own `ORDER BY ... LIMIT` |
=======
| storage parameters | none | `ALTER TABLE ... SET (fillfactor = ..., autovacuum_... = ...)` |
>>>>>>> pgchurn
 *
 * Upserts need no seam: both speak `INSERT ... ON CONFLICT (...) DO UPDATE ... WHERE ...`.
 * @module
 */
import type { SqlExecutor, SqlValue } from "./sql-driver.js";
import { MARK_END, MARK_START, type SqlParams, type Statement } from "./statement.js";

/** Scalar types of list and bulk parameters; `key` is text compared byte-wise (instance IDs). */
export type SqlScalarType = "text" | "key" | "bigint" | "integer";

/** One column of a bulk row source: its name and type. */
export type BulkColumn<C extends string = string> = readonly [name: C, type: SqlScalarType];

/** One row of a bulk statement: its values by column name. */
export type BulkRow<C extends string = string> = { readonly [K in C]: SqlValue };

/** A statement run over many rows: once (PostgreSQL arrays) or once per row (SQLite), with the same SQL text. */
export interface BulkStatement<C extends string = string> {
  /** Final SQL (placeholders already compiled). */
  readonly sql: string;
  /**
   * Parameter lists to run `sql` with, for `rows` and `params` (the values of the statement's named parameters
   * other than the row columns). Empty when `rows` is empty.
   */
  bind(rows: readonly BulkRow<C>[], params?: SqlParams): SqlValue[][];
}

/** The row type of a bulk statement. */
export type RowOf<S> = S extends BulkStatement<infer C> ? BulkRow<C> : never;

/** The rows of each part of a {@link CombinedStatement}. */
export type PartRows<P extends readonly BulkStatement[]> = {
  readonly [I in keyof P]: readonly RowOf<P[I]>[];
};

/**
 * Several independent bulk statements (no `RETURNING`, no named parameters besides the rows, none reading what
 * another writes) run together: on PostgreSQL as one statement (each a data-modifying `WITH` part, one round trip);
 * on SQLite one after the other.
 */
export interface CombinedStatement<P extends readonly BulkStatement[] = readonly BulkStatement[]> {
  /**
   * Runs the parts with their rows (`rows[i]` for part `i`; parts without rows are skipped or cost nothing). With
   * `defer`, queues the statement instead ({@link SqlExecutor.defer}; the promise then resolves at once).
   */
  run(tx: SqlExecutor, rows: PartRows<P>, defer?: boolean): Promise<void>;
}

/**
 * What a bulk statement is written with (see {@link Dialect.bulk}). On PostgreSQL the rows are one `unnest` of column
 * arrays named `v`, run once; on SQLite each row is bound as plain parameters, run once per row (cheapest there: a
 * cached prepared statement, no row source to materialize).
 */
export interface BulkRows<C extends string = string> {
  /** The value of `column` in the current row. */
  col(column: C): string;
  /** `" FROM <row source>"`, to follow a select list or `SET` clause (empty on SQLite). */
  readonly from: string;
  /** `" ORDER BY <position in batch>"` so that generated IDs follow the batch order (empty on SQLite). */
  readonly orderBy: string;
  /** An `INSERT` source of all columns, in order, keeping the batch order. */
  values(): string;
  /** A predicate: the tuple of `targets` equals the tuple of `columns` of one of the rows. */
  matches(targets: readonly string[], columns: readonly C[]): string;
}

/** A compiled statement and the values of its parameters. */
export interface BoundStatement {
  readonly statement: Statement;
  readonly params: SqlParams;
}

/** Column types used by migrations. */
export interface ColumnTypes {
  /** Epoch milliseconds, counters that may exceed 2^31. */
  readonly bigint: string;
  readonly integer: string;
  readonly text: string;
  /** Instance IDs and other keys: compared and sorted byte-wise. */
  readonly key: string;
  /**
   * JSON payloads. Stored as text in both backends: payloads are opaque to storage (never queried inside), text
   * keeps them byte-for-byte as serialized, and a corrupted row stays readable so it can be reported.
   */
  readonly json: string;
  /** Binary data. */
  readonly bytes: string;
  /** An auto-assigned, ever-increasing integer primary key. */
  readonly autoId: string;
}

/** How one database speaks SQL. See the module documentation for the differences it covers. */
export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** The PostgreSQL schema of the hub, or `undefined` for SQLite. */
  readonly schema: string | undefined;
  readonly types: ColumnTypes;
  /** Qualified, quoted name of a hub table. */
  table(name: string): string;
  /**
   * Compiles SQL with named parameters (`:name`) into the driver's placeholders. Call once per SQL text (statements
   * are built when the hub is).
   */
  statement(text: string): Statement;
  /** Appended to a claiming `SELECT` so concurrent workers skip rows another one is claiming (or `""`). */
  readonly skipLocked: string;
  /** Appended to a `SELECT` that must lock the rows it reads until commit (or `""`: SQLite writers are serialized). */
  readonly forUpdate: string;
  /** A predicate `expr IN <list>` over the list parameter `:name` (bind it with {@link listParam}). */
  inList(expr: string, type: SqlScalarType, name: string): string;
  /** A subquery yielding one column `value` per element of the list parameter `:name`. */
  listSource(type: SqlScalarType, name: string): string;
  /** Binds a list parameter for {@link inList} / {@link listSource}. */
  listParam(values: readonly (string | number)[]): SqlValue;
  /**
   * Builds a statement run over many rows with the given columns. `build` writes it with the {@link BulkRows}
   * helpers, plus named parameters (`:name`, named apart from the columns) bound by {@link BulkStatement.bind}.
   */
  bulk<C extends string>(
    columns: readonly BulkColumn<C>[],
    build: (rows: BulkRows<C>) => string,
  ): BulkStatement<C>;
  /** Combines independent bulk statements (see {@link CombinedStatement}). */
  combine<const P extends readonly BulkStatement[]>(parts: P): CombinedStatement<P>;
  /**
   * A query of `columns` of the rows of the hub table `table` matching `where` (which holds a range of its primary
   * key), in the order `orderBy`, at most `limit` (the clauses, without the keywords): the primary key's range walked,
   * then its matches sorted, whatever other index could serve `orderBy` or an equality of `where`. SQLite names the
   * index (`INDEXED BY`); PostgreSQL walks the range in a subquery, where the order does not apply.
   */
  sortedKeyRange(table: string, columns: string, where: string, orderBy: string, limit: string): string;
  /**
   * `SELECT`s (`arms`, with the same columns, each able to walk an index in the order `orderBy`) united with
   * `UNION ALL`, in that order, at most `limit` rows (`orderBy` and `limit`: the clauses, without the keywords): a
   * merge of the arms' index walks that stops after `limit` rows, without sorting them.
   */
  mergeOrdered(arms: readonly string[], orderBy: string, limit: string): string;
  /** Statements run first in the migration transaction (locks, schema creation). */
  migrationPrelude(): BoundStatement[];
  /**
   * DDL creating the guard functions (`expect_count`, `check_instance_leases`, `check_activity_leases`) that the
   * guarded write strategy calls, or `[]` when the database has none (see `postgres/pg-guards.ts`).
   */
  leaseGuardFunctions(): string[];
  /**
   * DDL setting storage parameters of the hub table `name` (`fillfactor`, the per-table autovacuum settings), or `[]`
   * when the database has none (SQLite: deleted rows leave no dead versions behind).
   */
  storageParameters(name: string, parameters: Readonly<Record<string, number>>): string[];
  /**
   * A statement (SQL text with the payload as a literal, no parameters) that publishes `payload` to other processes
   * when the transaction commits, if the database can. Literal so that it can travel with the `COMMIT` in one round
   * trip (see {@link TransactionOptions.beforeCommit}).
   */
  notify(payload: string): string | undefined;
  /**
   * The text at `path` (object keys) inside the JSON text `expr`, or NULL when there is none (SQLite: also when `expr`
   * is not valid JSON). For the few rows an analytics query reads inside (failures); payloads are otherwise opaque.
   */
  jsonText(expr: string, path: readonly string[]): string;
  /**
   * A predicate: the JSON object text `expr` has the key bound to the parameter `:key` with the string value bound to
   * `:value` (parameter names without the colon). False for NULL or text that is not a JSON object.
   */
  jsonHasEntry(expr: string, key: string, value: string): string;
  /**
   * An aggregate of the column `ms` of a group: its value at the 1-based rank `rank` of the ascending order, where
   * `rank` (in [1, `count`]) and `count` (the group's row count) are expressions constant within the group (grouped
   * columns). PostgreSQL: `percentile_disc` at a fraction between the ranks; SQLite: its `percentile_disc` (whose rank
   * is ⌊p·(n − 1)⌋ + 1, not PostgreSQL's nearest rank ⌈p·n⌉) at a fraction between the ranks likewise.
   */
  valueAtRank(rank: string, count: string): string;
  /**
   * An aggregate of the column `ms` of a group: its nearest-rank `p`-th percentile (`p` in (0, 1]), the value at rank
   * ⌈p·n⌉ with p·n computed in doubles (as PostgreSQL's `percentile_disc` and JavaScript do); `count` as in
   * {@link Dialect.valueAtRank}.
   */
  percentile(p: number, count: string): string;
  /**
   * The clause that makes SQLite read the table named just before it through the index `index` (`INDEXED BY`: the
   * planner, without statistics, may prefer a worse one); nothing on PostgreSQL, which plans from statistics.
   */
  indexedBy(index: string): string;
}

/** Matches a bulk column marker; group 1 is the column index. */
// eslint-disable-next-line no-control-regex -- the markers are control characters on purpose
export const MARKS = /\u0001(\d+)\u0002/g;

/** A marker standing for a column of the current row (resolved per dialect). */
export function columnRef(columns: readonly BulkColumn[], name: string): string {
  const i = columns.findIndex(([column]) => column === name);
  if (i < 0) throw new Error(`Unknown bulk column '${name}'.`);
  return `${MARK_START}${i}${MARK_END}`;
}

/** Runs `build` with column references as markers. */
export function buildMarked<C extends string>(
  columns: readonly BulkColumn<C>[],
  build: (rows: BulkRows<C>) => string,
  shape: Omit<BulkRows<C>, "col">,
): string {
  return build({ col: (name) => columnRef(columns, name), ...shape });
}
