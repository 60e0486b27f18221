/**
 * The SQLite {@link Dialect} (see `../dialect.ts` for what differs between the dialects).
 * @module
 */
import {
  buildMarked,
  columnRef,
  rewriteParameters,
  type BulkColumn,
  type BulkRows,
  type BulkStatement,
  type Dialect,
} from "../dialect.js";

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
  const { text: sql } = rewriteParameters(
    text,
    (n) => (order.push(-n), "?"),
    (index) => (order.push(index), "?"),
  );
  return {
    sql,
    bind: (rows, extra = []) =>
      rows.map((row) => order.map((i) => (i >= 0 ? row[i] : extra[-i - 1]) ?? null)),
  };
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
  };
  return dialect;
}
