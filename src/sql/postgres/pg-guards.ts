/**
 * Guards: on databases with stored procedures (PostgreSQL), a write checks its precondition with a function (created by
 * migration `0003_lease_guards`) that raises {@link GUARD_FAILED} when it does not hold:
 * - `check_instance_leases` / `check_activity_leases`: a completion's leases are held (the functions also lock the rows
 *   the completion writes);
 * - `expect_count`: a statement changed the expected number of rows (a new instance's ID was free).
 *
 * The check then needs no answer before the writes: the check, the writes, the notifications and the `COMMIT` go to
 * the server in one round trip, and a failed check rolls everything back. The caller then writes again the slow way,
 * reading first, to find out what to do (a rare path: a lease lost after a takeover, an instance ID in use).
 * @module
 */
import type { Dialect } from "../dialect.js";
import { newInstanceInserts } from "../sql-statements.js";

/** The SQLSTATE the lease guard functions raise when a lease is not held. */
export const GUARD_FAILED = "TH001";

/**
 * The guard functions' DDL (for the schema `schema`, quoted). The lease guards lock the rows a completion writes (instances in ID order, as every writer
 * does, so that writers cannot deadlock) and raise {@link GUARD_FAILED} unless every listed lease is held, unexpired
 * and (for instances) at the expected history length.
 */
export function pgLeaseGuardFunctions(schema: string): string[] {
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

/** True for the error a guard raises when its precondition does not hold. */
export function isGuardFailure(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === GUARD_FAILED;
}

/** The guarded statements of the PostgreSQL dialect `d`, SQL final. */
export function pgGuardStatements(d: Dialect) {
  const activities = d.table("activity_queue");
  const sql = (text: string) => d.statement(text);
  const { leasedInstanceColumns, dueInstanceColumns, insertNewInstances } = newInstanceInserts(d);

  /**
   * An `insert` of {@link insertNewInstances} (leased or not) that fails the transaction unless every row was created
   * (`expect_count`); parameter `:expected`: the number of rows.
   */
  const guarded = (insert: string) =>
    `WITH ins AS (${insert} ON CONFLICT (instance_id) DO NOTHING RETURNING 1)
             SELECT ${d.table("expect_count")}((SELECT count(*) FROM ins), :expected)`;

  return {
    /** `insertLeasedInstances`, failing the transaction unless all were created (`expect_count`). */
    insertLeasedInstancesGuarded: d.bulk(leasedInstanceColumns, (r) => guarded(insertNewInstances(r, true))),
    /**
     * Creates instances whose IDs are free, else fails the transaction (`expect_count`). Rows as for
     * `upsertInstances`; parameter `:expected`: the number of rows.
     */
    insertNewInstancesGuarded: d.bulk(dueInstanceColumns, (r) => guarded(insertNewInstances(r, false))),
    /**
     * `completeActivities`, failing the transaction unless all (`:expected` rows) were deleted (`expect_count`).
     */
    completeActivitiesGuarded: d.bulk(
      [
        ["id", "bigint"],
        ["lock_token", "text"],
      ],
      (r) =>
        `WITH d AS (
               DELETE FROM ${activities} WHERE ${r.matches(["id", "lock_token"], ["id", "lock_token"])}
                 AND lock_expires_at >= :now RETURNING id
             ) SELECT ${d.table("expect_count")}((SELECT count(*) FROM d), :expected)`,
    ),
    /**
     * Locks the instances `:touched`, checks that the instances `:ids` are leased by `:lockTokens` at `:now`, at the
     * history lengths `:lengths`.
     */
    checkInstanceLeases: sql(
      `SELECT ${d.table("check_instance_leases")}(:touched::text[], :ids::text[], :lockTokens::text[], :lengths::integer[], :now::bigint)`,
    ),
    /** Locks the target instances `:instanceIds`, checks that the activity messages `:ids` are leased by `:lockTokens` at `:now`. */
    checkActivityLeases: sql(
      `SELECT ${d.table("check_activity_leases")}(:instanceIds::text[], :ids::bigint[], :lockTokens::text[], :now::bigint)`,
    ),
  };
}
