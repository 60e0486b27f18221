/**
 * Analytics over history in SQL (`taskhub stats`; the definitions are in `task-hub/analytics.ts`). Every figure is
 * computed by the database from an index range of the window, with no row of the window sent to this process:
 *
 * - orchestrations that finished in the window: a range of `orchestrations_by_completed` (migration 0008), which
 *   holds every column read but the failures (read from the rows of the failed instances only); those not finished,
 *   created in the window: a range of `orchestrations_by_status` per status;
 * - activity attempts that ended in the window: a range of `history_task_ends`, each joined to its scheduled row
 *   through `history_tasks_scheduled` (the activity columns of history rows, see `history-task-columns.ts`); the
 *   failures read from the events of the failed attempts only.
 *
 * Per kind, one statement reads the window's rows once (a materialized CTE) and returns, tagged by `row`: counts by
 * name, status and bucket (`c`); per name the count, the maximum and the percentiles (`d`, the dialect's
 * {@link Dialect.percentile}, with the duration at rank n − top + 1 as a threshold); and the slowest (`s`): the rows at
 * or above their name's threshold, ranked by `row_number()` (a few rows, where ranking the whole window would sort it
 * all). Two more read the failures (most frequent messages, types) from the failed rows only. PostgreSQL runs them side
 * by side on its pool.
 * @module
 */
import { FAILURE_MESSAGE_CHARS, type AnalyticsQuery, type HubAnalytics } from "../task-hub/analytics.js";
import { AnalyticsBuilder, type AnalyticsKind } from "../task-hub/analytics-builder.js";
import type { Dialect } from "./dialect.js";
import { TASK_FAILED, TASK_SCHEDULED } from "./history-task-columns.js";
import type { SqlExecutor } from "./sql-driver.js";
import { num, optNum } from "./sql-rows.js";
import { TERMINAL_SQL } from "./sql-statements.js";
import type { SqlParams, Statement } from "./statement.js";

const PERCENTILES = [0.5, 0.95, 0.99] as const;

/** The statements of one kind. */
interface KindStatements {
  /** Counts, durations and the slowest, tagged `c`, `d` and `s` in the column `row`. */
  readonly summary: Statement;
  readonly failures: Statement;
  readonly failureTypes: Statement;
}

/** The analytics statements of one hub, with and without a name filter. */
export interface AnalyticsStatements {
  readonly orchestration: KindStatements;
  readonly activity: KindStatements;
  /** Orchestrations not finished, created in the window, by name and status. */
  readonly open: Statement;
}

/** Builds the statements (once per hub and filter). */
export function buildAnalyticsStatements(d: Dialect, byName: boolean): AnalyticsStatements {
  const instances = d.table("instances");
  const history = d.table("history");
  const orchestrations = (extra: string, columns: string, index = "") =>
    `SELECT name, instance_id, CAST(NULL AS INTEGER) AS task_id, status, completed_at AS ended_at,
       completed_at - created_at AS ms${columns}
     FROM ${instances}${index}
     WHERE completed_at >= :since AND completed_at < :until AND status IN ${TERMINAL_SQL}
       AND substr(instance_id, 1, 1) <> '@'${byName ? " AND name = :name" : ""}${extra}`;
  const failureColumns = (json: string, path: readonly string[]) =>
    `, COALESCE(${d.jsonText(json, [...path, "errorType"])}, '') AS error_type,
       COALESCE(substr(${d.jsonText(json, [...path, "message"])}, 1, ${FAILURE_MESSAGE_CHARS}), '') AS message`;
  const activities = (extra: string, columns: string) =>
    `SELECT s.task_name AS name, e.instance_id, e.task_id,
       CASE WHEN e.task_event = ${TASK_FAILED} THEN 'Failed' ELSE 'Completed' END AS status,
       e.task_at AS ended_at, e.task_at - s.task_at AS ms${columns}
     FROM ${history} AS e
     JOIN ${history} AS s
       ON s.instance_id = e.instance_id AND s.task_id = e.task_id AND s.task_event = ${TASK_SCHEDULED}
     WHERE e.task_event >= 2 AND e.task_at >= :since AND e.task_at < :until${byName ? " AND s.task_name = :name" : ""}${extra}`;
  // Typed NULLs in the first arm of the union (PostgreSQL would take an untyped NULL for text).
  const none = (type: "bigint" | "integer" | "text") => `CAST(NULL AS ${d.types[type]})`;
  const kind = (all: string, failures: string): KindStatements => {
    const percentiles = PERCENTILES.map((p, i) => `${d.percentile(p, "n")} AS p${i}`).join(", ");
    const threshold = d.valueAtRank("CASE WHEN n > :top THEN n - :top + 1 ELSE 1 END", "n");
    return {
      summary: d.statement(
        `WITH src AS MATERIALIZED (${all}),
           counts AS MATERIALIZED (
             SELECT name, status, CAST((ended_at - :since) / :bucketMs AS INTEGER) AS bucket, COUNT(*) AS n,
               MAX(ms) AS max_ms
             FROM src GROUP BY name, status, bucket),
           counted AS (
             SELECT name, CAST(SUM(n) AS ${d.types.bigint}) AS n, MAX(max_ms) AS max_ms FROM counts GROUP BY name),
           dist AS MATERIALIZED (
             SELECT src.name AS name, n, max_ms, ${percentiles}, ${threshold} AS threshold
             FROM src CROSS JOIN counted WHERE counted.name = src.name GROUP BY src.name, n, max_ms)
         SELECT 'c' AS row, name, status, bucket, n, ${none("bigint")} AS ms, ${none("bigint")} AS p0,
           ${none("bigint")} AS p1, ${none("bigint")} AS p2, ${none("text")} AS instance_id,
           ${none("integer")} AS task_id, ${none("bigint")} AS ended_at
         FROM counts
         UNION ALL
         SELECT 'd', name, NULL, NULL, n, max_ms, p0, p1, p2, NULL, NULL, NULL FROM dist
         UNION ALL
         SELECT 's', name, NULL, NULL, NULL, ms, NULL, NULL, NULL, instance_id, task_id, ended_at FROM (
           SELECT src.name AS name, instance_id, task_id, ms, ended_at,
             row_number() OVER (PARTITION BY src.name ORDER BY ms DESC, instance_id, task_id) AS r
           FROM src CROSS JOIN dist WHERE dist.name = src.name AND ms >= dist.threshold) AS ranked
         WHERE r <= :top`,
      ),
      failures: d.statement(
        `SELECT name, error_type, message, n FROM (
           SELECT name, error_type, message, COUNT(*) AS n,
             row_number() OVER (PARTITION BY name ORDER BY COUNT(*) DESC, error_type, message) AS r
           FROM (${failures}) AS src GROUP BY name, error_type, message) AS grouped
         WHERE r <= :top`,
      ),
      failureTypes: d.statement(
        `SELECT name, error_type, n FROM (
           SELECT name, error_type, COUNT(*) AS n,
             row_number() OVER (PARTITION BY name ORDER BY COUNT(*) DESC, error_type) AS r
           FROM (${failures}) AS src GROUP BY name, error_type) AS grouped
         WHERE r <= :top`,
      ),
    };
  };
  return {
    orchestration: kind(
      orchestrations("", "", d.indexedBy("orchestrations_by_completed")),
      orchestrations(" AND status = 'Failed'", failureColumns("failure", [])),
    ),
    activity: kind(
      activities("", ""),
      activities(` AND e.task_event = ${TASK_FAILED}`, failureColumns("e.event", ["failure"])),
    ),
    open: d.statement(
      `SELECT name, status, COUNT(*) AS n FROM ${instances}
       WHERE status IN ('Pending', 'Running', 'Suspended', 'ContinuedAsNew')
         AND created_at >= :since AND created_at < :until AND substr(instance_id, 1, 1) <> '@'
         ${byName ? "AND name = :name" : ""}
       GROUP BY name, status`,
    ),
  };
}

/** The analytics of the window, read through `db` (the statements of `statements`, built for `query.name`). */
export async function getAnalytics(
  db: SqlExecutor,
  statements: AnalyticsStatements,
  query: AnalyticsQuery,
): Promise<HubAnalytics> {
  const params: Record<string, string | number> = {
    since: query.since,
    until: query.until,
    bucketMs: query.bucketMs,
    top: query.top,
    ...(query.name !== undefined ? { name: query.name } : {}),
  };
  const run = (statement: Statement) => statement.query(db, pick(params, statement.names));
  const builder = new AnalyticsBuilder(query);
  const readKind = async (kind: AnalyticsKind, s: KindStatements) => {
    const [summary, failures, types] = await Promise.all([
      run(s.summary),
      run(s.failures),
      run(s.failureTypes),
    ]);
    for (const row of summary) {
      const name = String(row.name);
      if (row.row === "c") builder.finish(kind, name, String(row.status), num(row.bucket), num(row.n));
      else if (row.row === "d")
        builder.durations(kind, name, {
          count: num(row.n),
          p50: num(row.p0),
          p95: num(row.p1),
          p99: num(row.p2),
          max: num(row.ms),
        });
      else {
        const taskId = optNum(row.task_id);
        builder.slow(kind, name, {
          instanceId: String(row.instance_id),
          ...(taskId !== undefined ? { taskId } : {}),
          durationMs: num(row.ms),
          endedAt: num(row.ended_at),
        });
      }
    }
    for (const row of failures)
      builder.failure(kind, String(row.name), {
        errorType: String(row.error_type),
        message: String(row.message),
        count: num(row.n),
      });
    for (const row of types)
      builder.failureType(kind, String(row.name), { errorType: String(row.error_type), count: num(row.n) });
  };
  const [open] = await Promise.all([
    run(statements.open),
    readKind("orchestration", statements.orchestration),
    readKind("activity", statements.activity),
  ]);
  for (const row of open) builder.count("orchestration", String(row.name), String(row.status), num(row.n));
  return builder.build();
}

function pick(params: Readonly<Record<string, string | number>>, names: readonly string[]): SqlParams {
  return Object.fromEntries(names.filter((name) => name in params).map((name) => [name, params[name]!]));
}
