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
 * Per kind, four queries over the same source: counts by name, status and bucket; percentiles (the dialect's
 * {@link Dialect.percentilesByName}); the slowest per name (`row_number()`); the most frequent failures and failure
 * types per name. PostgreSQL runs them side by side on its pool.
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
  readonly counts: Statement;
  readonly percentiles: Statement;
  readonly slowest: Statement;
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
  const orchestrations = (extra: string, columns: string) =>
    `SELECT name, instance_id, CAST(NULL AS INTEGER) AS task_id, status, completed_at AS ended_at,
       completed_at - created_at AS ms${columns}
     FROM ${instances}
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
  const kind = (source: (extra: string, columns: string) => string, failures: string): KindStatements => {
    const all = source("", "");
    return {
      counts: d.statement(
        `SELECT name, status, CAST((ended_at - :since) / :bucketMs AS INTEGER) AS bucket, COUNT(*) AS n
         FROM (${all}) AS src GROUP BY name, status, bucket`,
      ),
      percentiles: d.statement(d.percentilesByName(`SELECT name, ms FROM (${all}) AS src`, PERCENTILES)),
      slowest: d.statement(
        `SELECT name, instance_id, task_id, ms, ended_at FROM (
           SELECT name, instance_id, task_id, ms, ended_at,
             row_number() OVER (PARTITION BY name ORDER BY ms DESC, instance_id, task_id) AS r
           FROM (${all}) AS src) AS ranked
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
      orchestrations,
      orchestrations(" AND status = 'Failed'", failureColumns("failure", [])),
    ),
    activity: kind(
      activities,
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
    const [counts, percentiles, slowest, failures, types] = await Promise.all([
      run(s.counts),
      run(s.percentiles),
      run(s.slowest),
      run(s.failures),
      run(s.failureTypes),
    ]);
    for (const row of counts)
      builder.finish(kind, String(row.name), String(row.status), num(row.bucket), num(row.n));
    for (const row of percentiles)
      builder.durations(kind, String(row.name), {
        count: num(row.n),
        p50: num(row.p0),
        p95: num(row.p1),
        p99: num(row.p2),
        max: num(row.max_ms),
      });
    for (const row of slowest) {
      const taskId = optNum(row.task_id);
      builder.slow(kind, String(row.name), {
        instanceId: String(row.instance_id),
        ...(taskId !== undefined ? { taskId } : {}),
        durationMs: num(row.ms),
        endedAt: num(row.ended_at),
      });
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
