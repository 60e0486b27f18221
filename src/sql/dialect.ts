/**
 * The dialect seam: the few places where SQLite and PostgreSQL SQL differ. Everything else (every query of the task
 * hub) is written once, in `sql-statements.ts`, with `?` placeholders and the helpers below.
 *
 * | Concern | SQLite | PostgreSQL |
 * | --- | --- | --- |
 * | placeholders | `?` | `$1, $2, ...` (rewritten from `?`) |
 * | table names | `instances` | `"hub".instances` (one schema per hub) |
 * | row locks | none (one writer at a time) | `FOR UPDATE`, `FOR UPDATE SKIP LOCKED` |
 * | list parameters | JSON text through `json_each` | one array parameter (`= ANY($1::text[])`, `unnest`) |
 * | bulk rows | one run per row, columns as plain parameters | one run over `unnest(arrays) WITH ORDINALITY` |
 * | column types | `INTEGER`, `TEXT`, `INTEGER PRIMARY KEY AUTOINCREMENT` | `BIGINT`, `TEXT COLLATE "C"`, identity |
 * | notifications | none in SQL (in-process bus) | `pg_notify` in the committing transaction |
 * | claims | a transaction of a few statements | one statement (`WITH ... FOR UPDATE SKIP LOCKED ... UPDATE`) |
 *
 * Upserts need no seam: both speak `INSERT ... ON CONFLICT (...) DO UPDATE ... WHERE ...`.
 * @module
 */
import type { SqlExecutor, SqlValue } from "./sql-driver.js";

/** Scalar types of list and bulk parameters; `key` is text compared byte-wise (instance IDs). */
export type SqlScalarType = "text" | "key" | "bigint" | "integer";

/** One column of a bulk row source: its name and type. */
export type BulkColumn = readonly [name: string, type: SqlScalarType];

/** A statement run over many rows: once (PostgreSQL arrays) or once per row (SQLite), with the same SQL text. */
export interface BulkStatement {
  /** Final SQL (placeholders already rewritten). */
  readonly sql: string;
  /**
   * Parameter lists to run `sql` with, for `rows` (values in column order) and `trailing` parameters (the plain `?`
   * of the statement, in text order). Empty when `rows` is empty.
   */
  bind(rows: readonly (readonly SqlValue[])[], trailing?: readonly SqlValue[]): SqlValue[][];
}

/**
 * Several independent bulk statements (no `RETURNING`, no trailing parameters, none reading what another writes) run
 * together: on PostgreSQL as one statement (each a data-modifying `WITH` part, one round trip); on SQLite one after
 * the other.
 */
export interface CombinedStatement {
  /**
   * Runs the parts with their rows (`rows[i]` for part `i`; parts without rows are skipped or cost nothing). With
   * `defer`, queues the statement instead ({@link SqlExecutor.defer}; the promise then resolves at once).
   */
  run(tx: SqlExecutor, rows: readonly (readonly (readonly SqlValue[])[])[], defer?: boolean): Promise<void>;
}

/**
 * What a bulk statement is written with (see {@link Dialect.bulk}). On PostgreSQL the rows are one `unnest` of column
 * arrays named `v`, run once; on SQLite each row is bound as plain parameters, run once per row (cheapest there: a
 * cached prepared statement, no row source to materialize).
 */
export interface BulkRows {
  /** The value of `column` in the current row. */
  col(column: string): string;
  /** `" FROM <row source>"`, to follow a select list or `SET` clause (empty on SQLite). */
  readonly from: string;
  /** `" ORDER BY <position in batch>"` so that generated IDs follow the batch order (empty on SQLite). */
  readonly orderBy: string;
  /** An `INSERT` source of all columns, in order, keeping the batch order. */
  values(): string;
  /** A predicate: the tuple of `targets` equals the tuple of `columns` of one of the rows. */
  matches(targets: readonly string[], columns: readonly string[]): string;
}

/** A statement to run (SQL already final). */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
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
  /** Rewrites `?` placeholders into the driver's form. Call once per SQL text (statements are built at startup). */
  sql(text: string): string;
  /**
   * Whether one statement can read, lock and write several tables (PostgreSQL's data-modifying `WITH`). Claims then
   * take one round trip instead of a transaction of several statements.
   */
  readonly writableCte: boolean;
  /** Appended to a claiming `SELECT` so concurrent workers skip rows another one is claiming (or `""`). */
  readonly skipLocked: string;
  /** Appended to a `SELECT` that must lock the rows it reads until commit (or `""`: SQLite writers are serialized). */
  readonly forUpdate: string;
  /** A predicate `expr IN <list>` over one list parameter (bind it with {@link listParam}). */
  inList(expr: string, type: SqlScalarType): string;
  /** A subquery yielding one column `value` per element of one list parameter. */
  listSource(type: SqlScalarType): string;
  /** Binds a list parameter for {@link inList} / {@link listSource}. */
  listParam(values: readonly (string | number)[]): SqlValue;
  /**
   * Builds a statement run over many rows with the given columns. `build` writes it with the {@link BulkRows}
   * helpers (plus plain `?` for trailing parameters, which on PostgreSQL must come after the row source).
   */
  bulk(columns: readonly BulkColumn[], build: (rows: BulkRows) => string): BulkStatement;
  /** Combines independent bulk statements (see {@link CombinedStatement}). */
  combine(parts: readonly BulkStatement[]): CombinedStatement;
  /** Statements run first in the migration transaction (locks, schema creation). */
  migrationPrelude(): SqlStatement[];
  /**
   * DDL creating the lease guard functions (`check_instance_leases`, `check_activity_leases`), or `[]` when the
   * database has none; {@link guardsLeases} then is false and leases are checked by reading them first.
   */
  leaseGuardFunctions(): string[];
  /** Whether completions may check their leases with the guard functions (see `sql-guards.ts`). */
  readonly guardsLeases: boolean;
  /**
   * A statement (SQL text with the payload as a literal, no parameters) that publishes `payload` to other processes
   * when the transaction commits, if the database can. Literal so that it can travel with the `COMMIT` in one round
   * trip (see {@link TransactionOptions.beforeCommit}).
   */
  notify(payload: string): string | undefined;
}

const MARK_START = "\u0001";
const MARK_END = "\u0002";
// eslint-disable-next-line no-control-regex -- the markers are control characters on purpose
const MARKS = /\u0001(\d+)\u0002/g;

/** A marker standing for a column of the current row (resolved per dialect). */
function columnRef(columns: readonly BulkColumn[], name: string): string {
  const i = columns.findIndex(([column]) => column === name);
  if (i < 0) throw new Error(`Unknown bulk column '${name}'.`);
  return `${MARK_START}${i}${MARK_END}`;
}

/** Runs `build` with column references as markers. */
function buildMarked(
  columns: readonly BulkColumn[],
  build: (rows: BulkRows) => string,
  shape: Omit<BulkRows, "col">,
): string {
  return build({ col: (name) => columnRef(columns, name), ...shape });
}

/** SQLite: every column reference and trailing `?` becomes a plain `?`; `bind` lays each row out in text order. */
function sqliteBulk(columns: readonly BulkColumn[], build: (rows: BulkRows) => string): BulkStatement {
  const ref = (name: string) => columnRef(columns, name);
  const text = buildMarked(columns, build, {
    from: "",
    orderBy: "",
    values: () => `VALUES (${columns.map(([name]) => ref(name)).join(", ")})`,
    matches: (targets, cols) => `(${targets.map((t, i) => `${t} = ${ref(cols[i] ?? "")}`).join(" AND ")})`,
  });
  // Parameters in text order: a column index, or -(n + 1) for the n-th trailing `?`.
  const order: number[] = [];
  let trailing = 0;
  let sql = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      sql += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      sql += ch;
    } else if (ch === MARK_START) {
      const end = text.indexOf(MARK_END, i);
      order.push(Number(text.slice(i + 1, end)));
      sql += "?";
      i = end;
    } else {
      if (ch === "?") order.push(-++trailing);
      sql += ch;
    }
  }
  return {
    sql,
    bind: (rows, extra = []) =>
      rows.map((row) => order.map((i) => (i >= 0 ? row[i] : extra[-i - 1]) ?? null)),
  };
}

function countPlaceholders(text: string): number {
  return rewritePlaceholders(text, () => "?").count;
}

/** Rewrites each `?` outside quoted strings and identifiers with `replace(n)` (n from 1). */
function rewritePlaceholders(text: string, replace: (n: number) => string): { text: string; count: number } {
  let out = "";
  let count = 0;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === "?") {
      out += replace(++count);
    } else {
      out += ch;
    }
  }
  return { text: out, count };
}

/** The SQLite dialect (one database file per hub, tables unqualified). */
export function sqliteDialect(): Dialect {
  const dialect: Dialect = {
    name: "sqlite",
    schema: undefined,
    types: {
      bigint: "INTEGER",
      integer: "INTEGER",
      text: "TEXT",
      key: "TEXT",
      json: "TEXT",
      bytes: "BLOB",
      autoId: "INTEGER PRIMARY KEY AUTOINCREMENT",
    },
    table: (name) => name,
    sql: (text) => text,
    writableCte: false,
    skipLocked: "",
    forUpdate: "",
    inList: (expr) => `${expr} IN (SELECT value FROM json_each(?))`,
    listSource: () => `SELECT value FROM json_each(?)`,
    listParam: (values) => JSON.stringify(values),
    bulk: sqliteBulk,
    combine: (parts) => ({
      async run(tx, rows, defer) {
        for (const [i, part] of parts.entries())
          for (const params of part.bind(rows[i] ?? []))
            if (defer) void tx.defer(part.sql, params);
            else await tx.run(part.sql, params);
      },
    }),
    migrationPrelude: () => [],
    notify: () => undefined,
    leaseGuardFunctions: () => [],
    guardsLeases: false,
  };
  return dialect;
}

const PG_TYPES: Record<SqlScalarType, string> = {
  text: "text",
  key: "text",
  bigint: "int8",
  integer: "int4",
};

/** Fixed first key of the advisory lock taken while migrating ("task" in ASCII). */
const ADVISORY_LOCK_CLASS = 0x7461736b;

/** The PostgreSQL dialect for the hub living in `schema` (validated by the caller). */
export function postgresDialect(schema: string): Dialect {
  const quotedSchema = quoteIdentifier(schema);
  const dialect: Dialect = {
    name: "postgres",
    schema,
    types: {
      bigint: "BIGINT",
      integer: "INTEGER",
      text: "TEXT",
      key: 'TEXT COLLATE "C"',
      json: "TEXT",
      bytes: "BYTEA",
      autoId: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    },
    table: (name) => `${quotedSchema}.${quoteIdentifier(name)}`,
    sql: (text) => rewritePlaceholders(text, (n) => `$${n}`).text,
    writableCte: true,
    skipLocked: " FOR UPDATE SKIP LOCKED",
    forUpdate: " FOR UPDATE",
    inList: (expr, type) => `${expr} = ANY(?::${PG_TYPES[type]}[])`,
    listSource: (type) =>
      `SELECT unnest(?::${PG_TYPES[type]}[])${type === "key" ? ' COLLATE "C"' : ""} AS value`,
    listParam: (values) => values,
    bulk(columns, build) {
      const arrays = columns.map(([, type]) => `?::${PG_TYPES[type]}[]`).join(", ");
      const names = columns.map(([name]) => name);
      const source = `unnest(${arrays}) WITH ORDINALITY AS v(${names.join(", ")}, ord)`;
      const text = buildMarked(columns, build, {
        from: ` FROM ${source}`,
        orderBy: " ORDER BY v.ord",
        values: () => `SELECT ${names.map((n) => `v.${n}`).join(", ")} FROM ${source} ORDER BY v.ord`,
        matches: (targets, cols) =>
          `(${targets.join(", ")}) IN (SELECT ${cols.map((c) => `v.${c}`).join(", ")} FROM ${source})`,
      }).replace(MARKS, (_, i: string) => `v.${names[Number(i)]}`);
      const at = text.indexOf(source);
      if (at < 0 || text.indexOf(source, at + 1) >= 0 || countPlaceholders(text.slice(0, at)) > 0)
        throw new Error(`A bulk statement must use its rows once, before any other parameter: ${text}`);
      const trailingCount = countPlaceholders(text) - columns.length;
      return registerColumns(columns.length, {
        sql: dialect.sql(text),
        bind: (rows, trailing = []) => {
          if (rows.length === 0) return [];
          const params: SqlValue[] = columns.map((_, i) =>
            rows.map((row) => row[i] as string | number | null),
          );
          return [[...params, ...trailing.slice(0, trailingCount)]];
        },
      });
    },
    combine(parts) {
      let offset = 0;
      const ctes = parts.map((part, i) => {
        const columns = columnCount(part);
        const text = part.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
        offset += columns;
        return `s${i} AS (${text})`;
      });
      const sql = `WITH ${ctes.join(", ")} SELECT 1`;
      return {
        async run(tx, rows, defer) {
          if (rows.every((r) => r.length === 0)) return;
          const params = parts.flatMap((part, i) => {
            const partRows = rows[i] ?? [];
            return partRows.length > 0
              ? (part.bind(partRows)[0] ?? [])
              : Array.from({ length: columnCount(part) }, (): SqlValue => []);
          });
          if (defer) void tx.defer(sql, params);
          else await tx.run(sql, params);
        },
      };
    },
    migrationPrelude: () => [
      {
        sql: dialect.sql("SELECT pg_advisory_xact_lock(?::int4, ?::int4)"),
        params: [ADVISORY_LOCK_CLASS, hash32(schema)],
      },
      { sql: `CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`, params: [] },
    ],
    notify: (payload) => `SELECT pg_notify(${dollarQuote(notifyChannel(schema))}, ${dollarQuote(payload)})`,
    leaseGuardFunctions: () => pgLeaseGuardFunctions(quotedSchema),
    guardsLeases: true,
  };
  return dialect;
}

const bulkColumns = new WeakMap<BulkStatement, number>();

function registerColumns(count: number, statement: BulkStatement): BulkStatement {
  bulkColumns.set(statement, count);
  return statement;
}

function columnCount(statement: BulkStatement): number {
  const count = bulkColumns.get(statement);
  if (count === undefined) throw new Error("Only PostgreSQL bulk statements can be combined.");
  return count;
}

/** The LISTEN/NOTIFY channel of the hub living in `schema`. */
export function notifyChannel(schema: string): string {
  return `taskhub_${schema}`;
}

/** A PostgreSQL dollar-quoted string literal of `text` (independent of `standard_conforming_strings`). */
export function dollarQuote(text: string): string {
  let tag = "$n$";
  for (let i = 0; text.includes(tag); i++) tag = `$n${i}$`;
  return `${tag}${text}${tag}`;
}

/** Quotes a PostgreSQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A signed 32-bit FNV-1a hash (advisory lock keys). */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** The SQLSTATE the lease guard functions raise when a lease is not held (see `sql-guards.ts`). */
export const GUARD_FAILED = "TH001";

/**
 * PostgreSQL: the guards (see `sql-guards.ts`). The lease guards lock the rows a completion writes (instances in ID order, as every writer
 * does, so that writers cannot deadlock) and raises {@link GUARD_FAILED} unless every listed lease is held, unexpired
 * and (for instances) at the expected history length.
 */
function pgLeaseGuardFunctions(schema: string): string[] {
  const raise = `RAISE EXCEPTION 'a lease of this commit is not held' USING ERRCODE = '${GUARD_FAILED}'`;
  return [
    `CREATE FUNCTION ${schema}.expect_count(actual bigint, expected bigint) RETURNS void
     LANGUAGE plpgsql AS $f$
     BEGIN
       IF actual <> expected THEN
         RAISE EXCEPTION 'expected % rows, got %', expected, actual USING ERRCODE = '${GUARD_FAILED}';
       END IF;
     END $f$`,
    `CREATE FUNCTION ${schema}.check_instance_leases(
       lock_ids text[], ids text[], tokens text[], lengths integer[], now_ms bigint) RETURNS void
     LANGUAGE plpgsql AS $f$
     BEGIN
       PERFORM 1 FROM ${schema}."instances" WHERE instance_id = ANY(lock_ids) ORDER BY instance_id FOR UPDATE;
       IF (SELECT count(*) FROM ${schema}."instances" AS i
             JOIN unnest(ids, tokens, lengths) AS v(id, token, len) ON i.instance_id = v.id
           WHERE i.lock_token = v.token AND i.history_length = v.len AND i.lock_expires_at >= now_ms)
          <> cardinality(ids) THEN
         ${raise};
       END IF;
     END $f$`,
    `CREATE FUNCTION ${schema}.check_activity_leases(
       lock_ids text[], ids bigint[], tokens text[], now_ms bigint) RETURNS void
     LANGUAGE plpgsql AS $f$
     BEGIN
       PERFORM 1 FROM ${schema}."instances" WHERE instance_id = ANY(lock_ids) ORDER BY instance_id FOR UPDATE;
       IF (SELECT count(*) FROM (
             SELECT 1 FROM ${schema}."activity_queue" AS a JOIN unnest(ids, tokens) AS v(id, token) ON a.id = v.id
             WHERE a.lock_token = v.token AND a.lock_expires_at >= now_ms FOR UPDATE OF a) AS held)
          <> cardinality(ids) THEN
         ${raise};
       END IF;
     END $f$`,
  ];
}
