/**
 * Analytics over history on a large hub (`--only=stats`, called by `run.ts`), per hub (SQLite `synchronous: "full"`,
 * PostgreSQL):
 * - 100,000 instances (20,000 with `--quick`) by `fillInstances` (as `list-filters.ts`; their durations then spread
 *   over 0 to 60 s), and activity history for 40 % of the finished orchestrations: 1 to 3 attempts each (`Charge`,
 *   `Ship`, `Email`), scheduled-to-ended 5 ms to 20 s, 5 % failed with one of 3 types and 5 messages; on PostgreSQL
 *   then `VACUUM (ANALYZE)` (what autovacuum does after a bulk load);
 * - `getAnalytics` (what `taskhub stats` and the stats route run) over: the last day (every instance and attempt),
 *   the last day for one orchestration name and for one activity name, the last 5 minutes → median and max of 10
 *   runs after 2 warm-up runs, with the counts it found.
 * @module
 */
import { performance } from "node:perf_hooks";
import type { HistoryEvent } from "../src/core/history-event.js";
import { taskColumns } from "../src/sql/history-task-columns.js";
import { buildStatements } from "../src/sql/sql-statements.js";
import type { SqlTaskHub } from "../src/sql/sql-task-hub.js";
import { fillInstances, fillRows } from "../src/testing/sql-instance-fill.js";
import { bucketSizeFor } from "../src/task-hub/analytics-window.js";
import type { AnalyticsQuery } from "../src/task-hub/analytics.js";
import type { ListBenchConfig } from "./list-filters.js";
import { round, summary } from "./workloads.js";

const RUNS = 10;
const WARM_UP = 2;
const ACTIVITIES = ["Charge", "Ship", "Email"];
const TYPES = ["CardDeclined", "TimeoutError", "Error"];
const FINISHED = new Set(["Completed", "Failed", "Terminated"]);

/** A deterministic spread of `i` over [0, n). */
const spread = (i: number, n: number) => Math.abs(Math.imul(i + 1, 2654435761) | 0) % n;

async function fillActivities(hub: SqlTaskHub, count: number, endAt: number): Promise<number> {
  const d = hub.dialect;
  // The hub's own history insert, and its activity columns as a commit writes them.
  const insert = buildStatements(d).insertHistory;
  let attempts = 0;
  await hub.driver.transaction(async (tx) => {
    let batch: Parameters<typeof insert.bind>[0][number][] = [];
    const flush = async () => {
      for (const params of insert.bind(batch)) await tx.run(insert.sql, params);
      batch = [];
    };
    let i = 0;
    for (const row of fillRows(count, { endAt })) {
      i++;
      if (!FINISHED.has(row.status) || row.instance_id.startsWith("@") || spread(i, 10) >= 4) continue;
      let at = row.created_at;
      for (let a = 0; a < 1 + spread(i * 7, 3); a++) {
        const name = ACTIVITIES[a]!;
        const ms = 5 + spread(i * 31 + a, 20_000);
        const failed = spread(i * 13 + a, 100) < 5;
        const scheduled: HistoryEvent = {
          type: "TaskScheduled",
          timestamp: new Date(at).toISOString(),
          eventId: a,
          name,
        };
        const end: HistoryEvent = failed
          ? {
              type: "TaskFailed",
              timestamp: new Date(at + ms).toISOString(),
              taskScheduledId: a,
              failure: { errorType: TYPES[spread(i, 3)]!, message: `failure ${spread(i * 3, 5)}` },
            }
          : { type: "TaskCompleted", timestamp: new Date(at + ms).toISOString(), taskScheduledId: a };
        batch.push(
          {
            instance_id: row.instance_id,
            seq: 2 * a,
            event: JSON.stringify(scheduled),
            ...taskColumns(scheduled),
          },
          { instance_id: row.instance_id, seq: 2 * a + 1, event: JSON.stringify(end), ...taskColumns(end) },
        );
        attempts++;
        at += ms;
      }
      if (batch.length >= 5000) await flush();
    }
    await flush();
  });
  return attempts;
}

/**
 * Fills the initialized, empty `hub` as the stats workload does (see the module documentation), the newest instance
 * created a minute before `now`, and returns how many activity attempts it wrote.
 */
export async function fillStatsHub(hub: SqlTaskHub, instances: number, now: number): Promise<number> {
  const endAt = now - 60_000;
  await fillInstances(hub, instances, { endAt });
  const table = hub.dialect.table("instances");
  await hub.driver.query(
    `UPDATE ${table} SET completed_at = created_at + (created_at % 9973) * 6, last_updated_at = created_at + (created_at % 9973) * 6
     WHERE completed_at IS NOT NULL`,
  );
  const attempts = await fillActivities(hub, instances, endAt);
  if (hub.dialect.name === "postgres")
    for (const name of ["instances", "history"])
      await hub.driver.query(`VACUUM (ANALYZE) ${hub.dialect.table(name)}`);
  return attempts;
}

async function timeQuery(hub: SqlTaskHub, query: AnalyticsQuery) {
  const samples: number[] = [];
  let found = { orchestrations: 0, attempts: 0 };
  for (let i = 0; i < WARM_UP + RUNS; i++) {
    const t = performance.now();
    const report = await hub.getAnalytics(query);
    if (i >= WARM_UP) samples.push(performance.now() - t);
    found = {
      orchestrations: report.orchestrations.reduce((sum, o) => sum + o.finished, 0),
      attempts: report.activities.reduce((sum, a) => sum + a.finished, 0),
    };
  }
  return { ...found, medianMs: summary(samples).medianMs, maxMs: round(Math.max(...samples)) };
}

async function runOne(config: ListBenchConfig, instances: number) {
  const hub = config.make("stats");
  await hub.init();
  try {
    const now = hub.clock.now();
    const t0 = performance.now();
    const attempts = await fillStatsHub(hub, instances, now);
    const fillSeconds = (performance.now() - t0) / 1000;
    const day = { since: now - 86_400_000, until: now, top: 5, bucketMs: bucketSizeFor(86_400_000) };
    return {
      instances,
      activityAttempts: attempts,
      fillSeconds: round(fillSeconds),
      lastDay: await timeQuery(hub, day),
      lastDayOneOrchestration: await timeQuery(hub, { ...day, name: "ProcessOrder" }),
      lastDayOneActivity: await timeQuery(hub, { ...day, name: "Charge" }),
      last5Minutes: await timeQuery(hub, {
        since: now - 300_000,
        until: now,
        top: 5,
        bucketMs: bucketSizeFor(300_000),
      }),
    };
  } finally {
    await hub.close();
    await config.drop?.("stats");
  }
}

/** Runs the stats workload on each configuration. */
export async function runHubStats(
  configs: readonly ListBenchConfig[],
  quick: boolean,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const config of configs) results[config.name] = await runOne(config, quick ? 20_000 : 100_000);
  return results;
}
