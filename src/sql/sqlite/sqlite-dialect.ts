/**
 * The SQLite {@link Dialect} (see `../dialect.ts` for what differs between the dialects).
 * @module
 */
import {
  buildMarked,
  columnRef,
  type BulkColumn,
  type BulkRows,
  type BulkStatement,
  type Dialect,
} from "../dialect.js";
import { checkParamNames, compileStatement, paramValue, rewriteParameters } from "../statement.js";

/** SQLite: every column reference and named parameter becomes a plain `?`; `bind` lays each row out in text order. */
function sqliteBulk<C extends string>(
  columns: readonly BulkColumn<C>[],
  build: (rows: BulkRows<C>) => string,
): BulkStatement<C> {
  const ref = (name: string) => columnRef(columns, name);
  const text = buildMarked(columns, build, {
    from: "",
    orderBy: "",
    values: () => `VALUES (${columns.map(([name]) => ref(name)).join(", ")})`,
    matches: (targets, cols) => `(${targets.map((t, i) => `${t} = ${ref(cols[i] ?? "")}`).join(" AND ")})`,
  });
  // Parameters in text order: a column, or a named parameter.
  const order: { readonly column?: C; readonly param?: string }[] = [];
  const { text: sql, names } = rewriteParameters(
    text,
    (param) => (order.push({ param }), "?"),
    (index) => (order.push({ column: columns[index]![0] }), "?"),
  );
  const expected = new Set(names);
  const clash = columns.find(([column]) => expected.has(column));
  if (clash) throw new Error(`A bulk statement's parameter :${clash[0]} has the name of a column: ${text}`);
  return {
    sql,
    bind: (rows, params = {}) => {
      checkParamNames(sql, expected, params);
      const named = order.map(({ param }) => (param === undefined ? null : paramValue(sql, params, param)));
      return rows.map((row) =>
        order.map(({ column }, j) => (column === undefined ? named[j]! : (row[column] ?? null))),
      );
    },
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
    statement: (text) => compileStatement(text, () => "?"),
    skipLocked: "",
    forUpdate: "",
    inList: (expr, _type, name) => `${expr} IN (SELECT value FROM json_each(:${name}))`,
    listSource: (_type, name) => `SELECT value FROM json_each(:${name})`,
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
    // The primary key of a table with a TEXT key is the table's first automatic index.
    sortedKeyRange: (table, columns, where, orderBy, limit) =>
      `SELECT ${columns} FROM ${table} INDEXED BY sqlite_autoindex_${table}_1 WHERE ${where} ` +
      `ORDER BY ${orderBy} LIMIT ${limit}`,
    // A compound SELECT with an ORDER BY merges its arms, each walking an index in that order (arms with their own
    // ORDER BY and LIMIT would be subqueries, sorted again).
    mergeOrdered: (arms, orderBy, limit) => `${arms.join(" UNION ALL ")} ORDER BY ${orderBy} LIMIT ${limit}`,
    migrationPrelude: () => [],
    notify: () => undefined,
    leaseGuardFunctions: () => [],
    storageParameters: () => [],
    jsonHasEntry: (expr, key, value) =>
      `(json_valid(${expr}) AND EXISTS (SELECT 1 FROM json_each(${expr}) AS tag
        WHERE tag.key = :${key} AND tag.type = 'text' AND tag.value = :${value}))`,
    jsonText: (expr, path) =>
      `CASE WHEN json_valid(${expr}) THEN json_extract(${expr}, '$${path.map((key) => `.${key}`).join("")}') END`,
    // percentile_disc(ms, f) is the value at rank ⌊f·(n − 1)⌋ + 1: f = (rank − ½) / (n − 1) lands half a rank past
    // the one wanted, immune to rounding (capped at 1 for the last rank; any f for a single row).
    valueAtRank: (rank, count) => `percentile_disc(ms, MIN(1.0, ((${rank}) - 0.5) / MAX((${count}) - 1, 1)))`,
    // ⌈p·n⌉ as SQLite computes p·n (in doubles): its integer part, plus one when there is a fraction.
    percentile: (p, count) =>
      dialect.valueAtRank(
        `CAST(${p} * (${count}) AS INTEGER) + (${p} * (${count}) > CAST(${p} * (${count}) AS INTEGER))`,
        count,
      ),
    indexedBy: (index) => ` INDEXED BY ${index}`,
  };
  return dialect;
}
