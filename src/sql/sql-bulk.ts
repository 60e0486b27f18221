/**
 * Running bulk statements (see `Dialect.bulk`): PostgreSQL binds all rows as arrays in one statement, SQLite runs the
 * statement once per row.
 * @module
 */
import type { BulkStatement } from "./dialect.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./sql-driver.js";

/** Runs a bulk statement over `rows` and returns the number of rows changed. */
export async function runBulk(
  tx: SqlExecutor,
  statement: BulkStatement,
  rows: readonly (readonly SqlValue[])[],
  trailing?: readonly SqlValue[],
): Promise<number> {
  let changed = 0;
  for (const params of statement.bind(rows, trailing)) changed += await tx.run(statement.sql, params);
  return changed;
}

/** Runs a bulk statement with `RETURNING` over `rows` and returns all rows it returned. */
export async function queryBulk<R extends SqlRow = SqlRow>(
  tx: SqlExecutor,
  statement: BulkStatement,
  rows: readonly (readonly SqlValue[])[],
  trailing?: readonly SqlValue[],
): Promise<R[]> {
  const out: R[] = [];
  for (const params of statement.bind(rows, trailing))
    out.push(...(await tx.query<R>(statement.sql, params)));
  return out;
}

/** Defers a bulk statement ({@link SqlExecutor.defer}); resolves to its rows once it ran. */
export function deferBulk<R extends SqlRow = SqlRow>(
  tx: SqlExecutor,
  statement: BulkStatement,
  rows: readonly (readonly SqlValue[])[],
  trailing?: readonly SqlValue[],
): Promise<R[]> {
  const parts = statement.bind(rows, trailing).map((params) => tx.defer<R>(statement.sql, params));
  const all = Promise.all(parts).then((results) => results.flat());
  all.catch(() => undefined); // a failed statement fails the transaction
  return all;
}
