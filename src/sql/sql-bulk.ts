/**
 * Running bulk statements (see `Dialect.bulk`): PostgreSQL binds all rows as arrays in one statement, SQLite runs the
 * statement once per row.
 * @module
 */
import type { BulkRow, BulkStatement } from "./dialect.js";
import type { SqlExecutor, SqlRow } from "./sql-driver.js";
import type { SqlParams } from "./statement.js";

/** Runs a bulk statement over `rows` (with its named parameters `params`) and returns the number of rows changed. */
export async function runBulk<C extends string>(
  tx: SqlExecutor,
  statement: BulkStatement<C>,
  rows: readonly BulkRow<C>[],
  params?: SqlParams,
): Promise<number> {
  let changed = 0;
  for (const values of statement.bind(rows, params)) changed += await tx.run(statement.sql, values);
  return changed;
}

/** Runs a bulk statement with `RETURNING` over `rows` and returns all rows it returned. */
export async function queryBulk<C extends string, R extends SqlRow = SqlRow>(
  tx: SqlExecutor,
  statement: BulkStatement<C>,
  rows: readonly BulkRow<C>[],
  params?: SqlParams,
): Promise<R[]> {
  const out: R[] = [];
  for (const values of statement.bind(rows, params)) out.push(...(await tx.query<R>(statement.sql, values)));
  return out;
}

/** Defers a bulk statement ({@link SqlExecutor.defer}); resolves to its rows once it ran. */
export function deferBulk<C extends string, R extends SqlRow = SqlRow>(
  tx: SqlExecutor,
  statement: BulkStatement<C>,
  rows: readonly BulkRow<C>[],
  params?: SqlParams,
): Promise<R[]> {
  const parts = statement.bind(rows, params).map((values) => tx.defer<R>(statement.sql, values));
  const all = Promise.all(parts).then((results) => results.flat());
  all.catch(() => undefined); // a failed statement fails the transaction
  return all;
}
