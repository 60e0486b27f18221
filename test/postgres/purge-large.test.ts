/**
 * Purging a large PostgreSQL hub: 100,000 finished instances (with history) purged by filter in bounded batches, while
 * a worker keeps running new orchestrations on the same hub. The purge must delete exactly what the filter says, keep
 * every transaction short, and not hold up other work.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { DurableApp, postgresTaskHub } from "../../src/index.js";
import { PURGE_BATCH_SIZE } from "../../src/sql/sql-queries.js";
import type { SqlExecutor } from "../../src/sql/sql-driver.js";
import {
  config,
  dropCreatedSchemas,
  requirePostgres,
  testHub,
  uniqueHubName,
} from "../task-hub/postgres-support.js";
import { rawRun, table } from "../task-hub/sql-hooks.js";

const TOTAL = 100_000;

before(requirePostgres);
after(dropCreatedSchemas);

describe("purge on a large PostgreSQL hub", () => {
  it(
    "purges 100k instances by filter in short batches while other work proceeds",
    { timeout: 240_000 },
    async () => {
      const hubName = uniqueHubName("purge");
      const seed = testHub(hubName);
      await seed.init();
      const base = Date.now() - 3_600_000;
      // 100k finished instances created over the last hour (3 history events each), plus some that must stay: active
      // ones inside the filter, and finished ones after its upper bound.
      await rawRun(
        seed,
        `INSERT INTO ${table(seed, "instances")} (instance_id, name, execution_id, status, created_at, last_updated_at,
         completed_at, history_length)
       SELECT 'old-' || lpad(g::text, 6, '0'), 'Old', 'e-' || g, CASE WHEN g % 3 = 0 THEN 'Failed' ELSE 'Completed' END,
         :base::bigint + g, :base::bigint + g, :base::bigint + g, 3
       FROM generate_series(1, :total) AS g`,
        { base, total: TOTAL },
      );
      await rawRun(
        seed,
        `INSERT INTO ${table(seed, "history")} (instance_id, seq, event)
       SELECT 'old-' || lpad(g::text, 6, '0'), s, '{"type":"OrchestratorStarted","timestamp":"2026-01-01T00:00:00Z"}'
       FROM generate_series(1, :total) AS g, generate_series(0, 2) AS s`,
        { total: TOTAL },
      );
      await rawRun(
        seed,
        `INSERT INTO ${table(seed, "instances")} (instance_id, name, execution_id, status, created_at, last_updated_at,
         history_length)
       SELECT 'keep-' || g, 'Old', 'e', CASE WHEN g % 2 = 0 THEN 'Running' ELSE 'Completed' END,
         CASE WHEN g % 2 = 0 THEN :inside::bigint ELSE :after::bigint END, :base::bigint, 0
       FROM generate_series(1, 10) AS g`,
        { inside: base + 50, after: Date.now() + 1000, base },
      );
      await rawRun(seed, `ANALYZE ${table(seed, "instances")}`);
      await rawRun(seed, `ANALYZE ${table(seed, "history")}`);
      await seed.close();

      // A worker runs orchestrations on the hub during the purge; the purge runs through its own hub object so that its
      // transactions can be timed.
      const app = new DurableApp();
      const ping = app.activity("Ping", (n: number) => n + 1);
      const orchestration = app.orchestration("PingPong", async (ctx, n: number) =>
        ctx.callActivity(ping, n),
      );
      const host = await app.start({
        taskHub: postgresTaskHub({ connectionString: config.connectionString, hubName }),
        logger: { debug() {}, info() {}, warn: console.warn, error: console.error },
      });
      const purger = testHub(hubName);
      await purger.init();
      const transactions: number[] = [];
      const transaction = purger.driver.transaction.bind(purger.driver);
      purger.driver.transaction = async <T>(
        fn: (tx: SqlExecutor) => Promise<T>,
        options?: { durable?: boolean },
      ) => {
        const t = performance.now();
        try {
          return await transaction(fn, options);
        } finally {
          transactions.push(performance.now() - t);
        }
      };
      try {
        let purging = true;
        const latencies: number[] = [];
        const traffic = (async () => {
          for (let i = 0; purging; i++) {
            const t = performance.now();
            const id = await host.client.startNew(orchestration, { input: i });
            const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
            assert.equal(status.output, i + 1);
            latencies.push(performance.now() - t);
          }
        })();
        const t0 = performance.now();
        const purged = await purger.purgeInstances({
          statuses: ["Completed", "Failed"],
          createdFrom: base,
          createdTo: base + TOTAL + 100,
        });
        const purgeMs = performance.now() - t0;
        purging = false;
        await traffic;

        assert.equal(purged, TOTAL, "every finished instance in the range, nothing else");
        const left = await purger.listInstances({ instanceIdPrefix: "keep-", pageSize: 100 });
        assert.equal(left.instances.length, 10, "active instances and instances outside the filter stay");
        assert.equal(await purger.getInstance("old-000001"), undefined);
        const [historyRows] = await purger.driver.query(
          `SELECT COUNT(*) AS n FROM ${table(purger, "history")} WHERE instance_id LIKE 'old-%'`,
        );
        assert.equal(Number(historyRows?.n), 0, "their history went with them");

        const batches = transactions.length;
        const longest = Math.max(...transactions);
        latencies.sort((a, b) => a - b);
        const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
        process.stderr.write(
          `purge: ${purged} instances in ${Math.round(purgeMs)} ms, ${batches} transactions of at most ` +
            `${PURGE_BATCH_SIZE} roots, longest ${Math.round(longest)} ms; ${latencies.length} orchestrations ran ` +
            `meanwhile, p95 start-to-completion ${Math.round(p95)} ms\n`,
        );
        assert.ok(batches >= TOTAL / PURGE_BATCH_SIZE, "the purge worked in bounded batches");
        assert.ok(longest < 2000, `no purge transaction took long (longest ${Math.round(longest)} ms)`);
        assert.ok(latencies.length >= 5, "other work proceeded during the purge");
        assert.ok(p95 < 2000, `other work was not held up (p95 ${Math.round(p95)} ms)`);
      } finally {
        await purger.close();
        await host.stop();
      }
    },
  );
});
