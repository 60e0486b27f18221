/**
 * PostgreSQL under churn: the hot tables' storage parameters (migration `0007_churn_tables`), the hub's own vacuuming
 * when autovacuum does not (the warning naming the setting, the rounds, the lease that lets one process at a time
 * vacuum), and the dead rows it reclaims. Real churn: orchestrations run by a worker. Fails, never skips, when the
 * server is unreachable; the autovacuum settings are tried on a throwaway cluster of the test's own.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import pg from "pg";
import { DurableApp } from "../../src/index.js";
import { hubLockKey } from "../../src/sql/postgres/pg-dialect.js";
import {
  HOT_TABLES,
  MAINTENANCE_LOCK_CLASS,
  type PostgresMaintenanceOptions,
} from "../../src/sql/postgres/pg-maintenance.js";
import { dueWork, vacuumThresholds } from "../../src/sql/postgres/pg-vacuum-policy.js";
import { postgresTaskHub } from "../../src/sql/postgres/postgres-task-hub.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { eventually } from "../../src/testing/task-hub-conformance-support.js";
import { RecordingSink, type SinkCall } from "../support/log-capture.js";
import { claimCostProbe, hotTableStats } from "../support/pg-claim-cost.js";
import { startThrowawayCluster, type ThrowawayCluster } from "../support/pg-cluster.js";
import {
  dropCreatedSchemas,
  quietLog,
  requirePostgres,
  testHub,
  uniqueHubName,
  withClient,
} from "./postgres-support.js";

/**
 * Runs `instances` orchestrations to completion on hub `hubName` (with a hub object of its own), each calling
 * `activities` activities and then waiting for an event (so that every instance has a message through its inbox).
 */
async function churn(hubName: string, instances: number, activities = 2): Promise<void> {
  const app = new DurableApp();
  const work = app.activity("Work", (n: number) => n + 1);
  const sequence = app.orchestration("Churn", async (ctx, n: number) => {
    let value = n;
    for (let i = 0; i < activities; i++) value = await ctx.callActivity(work, value);
    return value + (await ctx.waitForExternalEvent<number>("go"));
  });
  const host = await app.start({
    taskHub: testHub(hubName, { maintenance: { vacuum: "off" } }),
    logger: quietLog,
  });
  try {
    const ids = await Promise.all(
      Array.from({ length: instances }, (_, i) => host.client.startNew(sequence, { input: i })),
    );
    await Promise.all(ids.map((id) => host.client.raiseEvent(id, "go", 1)));
    await Promise.all(ids.map((id) => host.client.waitForCompletion(id, { timeoutMs: 60_000 })));
  } finally {
    await host.stop(); // its connections end, and report their table counters
  }
}

/** Sets storage parameters on the hub's hot tables (`autovacuum_enabled = false`: only the test's rounds vacuum). */
async function setHotTables(hubName: string, parameters: string): Promise<void> {
  await withClient(async (client) => {
    for (const table of HOT_TABLES)
      await client.query(`ALTER TABLE "${hubName}".${table} SET (${parameters})`);
  });
}

/** Resolves once every hot table counts more than `dead` dead rows. */
function deadRowsCounted(hubName: string, dead: number) {
  return eventually(
    () =>
      withClient(async (client) => {
        const stats = await hotTableStats(client, hubName);
        return HOT_TABLES.every((table) => (stats[table]?.dead ?? 0) > dead) ? stats : undefined;
      }),
    `more than ${dead} dead rows counted in every hot table`,
    20_000,
  );
}

function warnings(sink: RecordingSink) {
  return sink.calls.filter((call) => call.level === "warn");
}

describe("PostgreSQL under churn", () => {
  beforeEach(requirePostgres);
  after(dropCreatedSchemas);

  it("sets the hot tables' storage parameters for churn", async () => {
    const hubName = uniqueHubName("churn");
    const hub = testHub(hubName, { maintenance: { vacuum: "off" } });
    try {
      await hub.init();
      const options = await withClient(async (client) => {
        const { rows } = await client.query<{ relname: string; reloptions: string[] }>(
          `SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relkind = 'r'`,
          [hubName],
        );
        return Object.fromEntries(rows.map((row) => [row.relname, [...(row.reloptions ?? [])].sort()]));
      });
      assert.deepEqual(options.instances, [
        "autovacuum_analyze_scale_factor=0.05",
        "autovacuum_analyze_threshold=1000",
        "autovacuum_vacuum_insert_scale_factor=0.05",
        "autovacuum_vacuum_insert_threshold=1000",
        "autovacuum_vacuum_scale_factor=0.05",
        "autovacuum_vacuum_threshold=1000",
        "fillfactor=80",
      ]);
      const queue = [
        "autovacuum_analyze_scale_factor=0",
        "autovacuum_analyze_threshold=1000",
        "autovacuum_vacuum_cost_delay=0",
        "autovacuum_vacuum_insert_scale_factor=0",
        "autovacuum_vacuum_insert_threshold=1000",
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=1000",
      ];
      assert.deepEqual(options.inbox, queue);
      assert.deepEqual(options.activity_queue, queue);
      assert.deepEqual(options.history, [], "append-only: the defaults");
    } finally {
      await hub.close();
    }
  });

  it("vacuums the hot tables whose dead rows passed their thresholds, and claims read a few pages again", async () => {
    const hubName = uniqueHubName("churn");
    const hub = testHub(hubName, { maintenance: { vacuum: "off" } });
    try {
      await hub.init();
      await setHotTables(hubName, "autovacuum_enabled = false, autovacuum_vacuum_threshold = 50");
      await churn(hubName, 100);
      // Dead claim-index entries of due times long past: each instance row made due 40 times and then not due, 4,000
      // activity messages sent and deleted.
      await withClient(async (client) => {
        await client.query(
          `DO $$ BEGIN FOR i IN 1..40 LOOP UPDATE "${hubName}".instances SET ready_at = i; END LOOP; END $$`,
        );
        await client.query(`UPDATE "${hubName}".instances SET ready_at = NULL`);
        await client.query(
          `INSERT INTO "${hubName}".activity_queue (instance_id, execution_id, task_id, name, attempt, idempotency_key,
             visible_at, created_at) SELECT 'x', 'x', n, 'Work', 1, 'k' || n, n, 0 FROM generate_series(1, 4000) AS n`,
        );
        await client.query(`DELETE FROM "${hubName}".activity_queue`);
      });
      const before = await deadRowsCounted(hubName, 50);
      const costBefore = await withClient(async (client) => (await claimCostProbe(client, hubName))());
      assert.ok(costBefore.instances.buffers > 10, `before: ${JSON.stringify(costBefore)}`);
      assert.ok(costBefore.activities.buffers > 10, `before: ${JSON.stringify(costBefore)}`);
      const round = await hub.runMaintenance();
      assert.equal(round?.leased, true);
      assert.deepEqual([...round.vacuumed].sort(), [...HOT_TABLES].sort());
      assert.deepEqual(round.skipped, []);
      await withClient(async (client) => {
        const after = await hotTableStats(client, hubName);
        for (const table of HOT_TABLES) {
          assert.equal(after[table]!.vacuums, before[table]!.vacuums + 1, `${table} vacuumed once`);
          assert.ok(
            after[table]!.dead < before[table]!.dead / 4,
            `${table}: ${before[table]!.dead} dead rows, then ${after[table]!.dead}`,
          );
        }
        // Nothing is due any more.
        assert.deepEqual((await hub.runMaintenance())?.vacuumed, []);
        // A claim that finds nothing reads the index's few pages, not the churn's dead entries.
        const cost = await (await claimCostProbe(client, hubName))();
        assert.equal(cost.instances.rows, 0);
        assert.ok(cost.instances.buffers <= 5, `instance claim read ${cost.instances.buffers} buffers`);
        assert.ok(cost.activities.buffers <= 5, `activity claim read ${cost.activities.buffers} buffers`);
      });
    } finally {
      await hub.close();
    }
  });

  it("claims read about what they claim, whatever join their plan picks", async () => {
    const hubName = uniqueHubName("churn");
    const hub = testHub(hubName, { maintenance: { vacuum: "off" } });
    try {
      await hub.init();
      // 20,000 instances, the last 100 ready with a message each; 20,000 activity messages, the last 100 due; stored
      // in no particular order (as rows updated and moved over time are), so reading them in key order reads a page
      // per row.
      await withClient(async (client) => {
        const table = (name: string) => `"${hubName}".${name}`;
        await client.query(
          `INSERT INTO ${table("instances")} (instance_id, name, execution_id, status, created_at, last_updated_at,
             ready_at)
           SELECT 'i' || lpad(n::text, 5, '0'), 'x', 'e', 'Running', n, n, CASE WHEN n > 19900 THEN n END
           FROM generate_series(1, 20000) AS n ORDER BY random()`,
        );
        await client.query(
          `INSERT INTO ${table("inbox")} (instance_id, execution_id, event, visible_at, created_at)
           SELECT 'i' || lpad(n::text, 5, '0'), 'e', '{"kind":"ExecutionStarted"}', n, n
           FROM generate_series(19901, 20000) AS n`,
        );
        await client.query(
          `INSERT INTO ${table("activity_queue")} (id, instance_id, execution_id, task_id, name, attempt,
             idempotency_key, visible_at, created_at)
           SELECT n, 'i', 'e', n, 'Work', 1, 'k' || n, CASE WHEN n > 19900 THEN n ELSE 9e15 END, 0
           FROM generate_series(1, 20000) AS n ORDER BY random()`,
        );
        for (const name of HOT_TABLES) await client.query(`ANALYZE ${table(name)}`);
        // Plans without nested loops: what a generic plan may pick when its estimates say "many rows".
        await client.query("SET enable_nestloop = off");
        const cost = await (await claimCostProbe(client, hubName))();
        assert.equal(cost.instances.rows, 100);
        assert.equal(cost.activities.rows, 100);
        assert.ok(cost.instances.buffers < 5000, JSON.stringify(cost.instances));
        assert.ok(cost.activities.buffers < 5000, JSON.stringify(cost.activities));
      });
    } finally {
      await hub.close();
    }
  });

  it("vacuums in one process at a time, under the hub's lease", async () => {
    const hubName = uniqueHubName("churn");
    const a = testHub(hubName, { maintenance: { vacuum: "off" } });
    const b = testHub(hubName, { maintenance: { vacuum: "off" } });
    try {
      await Promise.all([a.init(), b.init()]);
      // Slow vacuums (a 20 ms pause after every page), as the tables' cost settings say: a round lasts long enough to
      // be caught in progress.
      await setHotTables(
        hubName,
        "autovacuum_enabled = false, autovacuum_vacuum_threshold = 20, " +
          "autovacuum_vacuum_cost_delay = 20, autovacuum_vacuum_cost_limit = 1",
      );
      await churn(hubName, 40);
      const before = await deadRowsCounted(hubName, 20);
      const key = [MAINTENANCE_LOCK_CLASS, hubLockKey(hubName)];

      // Someone else holds the lease: both rounds skip, though every table is due.
      await withClient(async (holder) => {
        await holder.query("SELECT pg_advisory_lock($1::int4, $2::int4)", key);
        const rounds = await Promise.all([a.runMaintenance(), b.runMaintenance()]);
        assert.deepEqual(
          rounds,
          [0, 1].map(() => ({ leased: false, vacuumed: [], analyzed: [], skipped: [] })),
        );
      });
      await withClient(async (client) => {
        const stats = await hotTableStats(client, hubName);
        for (const table of HOT_TABLES) assert.equal(stats[table]!.vacuums, before[table]!.vacuums);
      });

      // a's round holds the lease while it vacuums: b's round, meanwhile, does nothing.
      const first = a.runMaintenance();
      await eventually(
        () =>
          withClient(async (client) => {
            const { rows } = await client.query(
              `SELECT 1 FROM pg_stat_progress_vacuum p JOIN pg_class c ON c.oid = p.relid
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
              [hubName],
            );
            return rows.length > 0 ? true : undefined;
          }),
        "a's round vacuuming",
        20_000,
      );
      assert.deepEqual(await b.runMaintenance(), { leased: false, vacuumed: [], analyzed: [], skipped: [] });
      const done = await first;
      assert.equal(done?.leased, true);
      assert.deepEqual([...done.vacuumed].sort(), [...HOT_TABLES].sort());
      await withClient(async (client) => {
        const stats = await hotTableStats(client, hubName);
        for (const table of HOT_TABLES)
          assert.equal(stats[table]!.vacuums, before[table]!.vacuums + 1, `${table} vacuumed once`);
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("vacuums on its own pace, until closed", async () => {
    const hubName = uniqueHubName("churn");
    const sink = new RecordingSink();
    const hub = testHub(hubName, { logger: sink, maintenance: { intervalMs: 20 } });
    try {
      await hub.init();
      await setHotTables(hubName, "autovacuum_enabled = false, autovacuum_vacuum_threshold = 20");
      await churn(hubName, 40);
      // Every table vacuumed by the rounds, no call needed; each vacuum logged at debug level. Waited for on the
      // hub's own log (what it did), then on the server's statistics (which it reports a little later).
      const logged = (): string[] =>
        sink.calls
          .filter((call) => call.level === "debug" && call.message.includes(" vacuumed "))
          .map((call) => (call.args[0] as { table: string }).table);
      await eventually(
        async () => (HOT_TABLES.every((table) => logged().includes(table)) ? true : undefined),
        "the rounds vacuuming every hot table",
        60_000,
      );
      assert.deepEqual([...new Set(logged())].sort(), [...HOT_TABLES].sort());
      await eventually(
        () =>
          withClient(async (client) => {
            const stats = await hotTableStats(client, hubName);
            return HOT_TABLES.every((table) => stats[table]!.vacuums > 0) ? true : undefined;
          }),
        "the server counting the vacuums",
        60_000,
      );
    } finally {
      await hub.close();
    }
    // Closed: no maintenance session is left behind.
    await eventually(
      () =>
        withClient(async (client) => {
          const { rows } = await client.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'taskhub maintenance' AND query LIKE $1",
            [`%${hubName}%`],
          );
          return rows.length === 0 ? true : undefined;
        }),
      "no maintenance session left",
    );
  });

  it("refuses maintenance options it does not know", () => {
    const bad: unknown[] = [
      { vacuum: "sometimes" },
      { vacuum: "always" },
      { vacuum: true },
      { intervalMs: 0 },
      { intervalMs: 1.5 },
      { interval: 1000 },
      "auto",
    ];
    for (const maintenance of bad)
      assert.throws(
        () => postgresTaskHub({ hubName: "x", maintenance: maintenance as never }),
        (e: Error) => e.name === "InvalidArgumentError" && /maintenance/.test(e.message),
        JSON.stringify(maintenance),
      );
    assert.throws(
      () => postgresTaskHub({ hubName: "x", maintenance: { intervalMS: 10 } as never }),
      /Did you mean 'intervalMs'\?/,
    );
  });
});

describe("the vacuum policy", () => {
  const server = {
    autovacuum_vacuum_threshold: "50",
    autovacuum_vacuum_scale_factor: "0.2",
    autovacuum_vacuum_insert_threshold: "1000",
    autovacuum_vacuum_insert_scale_factor: "0.2",
    autovacuum_analyze_threshold: "50",
    autovacuum_analyze_scale_factor: "0.1",
    autovacuum_vacuum_cost_delay: "2",
    autovacuum_vacuum_cost_limit: "-1",
    vacuum_cost_delay: "0",
    vacuum_cost_limit: "200",
  };

  it("reads a table's settings over the server's, as autovacuum does", () => {
    assert.deepEqual(vacuumThresholds(null, server), {
      vacuumThreshold: 50,
      vacuumScaleFactor: 0.2,
      insertThreshold: 1000,
      insertScaleFactor: 0.2,
      analyzeThreshold: 50,
      analyzeScaleFactor: 0.1,
      costDelayMs: 2,
      costLimit: 200,
    });
    const table = vacuumThresholds(
      [
        "fillfactor=80",
        "autovacuum_vacuum_threshold=1000",
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_cost_delay=0",
      ],
      server,
    );
    assert.equal(table.vacuumThreshold, 1000);
    assert.equal(table.vacuumScaleFactor, 0);
    assert.equal(table.costDelayMs, 0);
    assert.equal(table.analyzeThreshold, 50);
  });

  it("makes a table due once its dead rows, inserts or changes pass threshold + scale factor × rows", () => {
    const t = vacuumThresholds(null, server);
    const counters = { deadRows: 0, insertedSinceVacuum: 0, modifiedSinceAnalyze: 0, rows: 1000 };
    assert.deepEqual(dueWork(counters, t), { vacuum: false, analyze: false });
    assert.deepEqual(dueWork({ ...counters, deadRows: 250 }, t), { vacuum: false, analyze: false });
    assert.deepEqual(dueWork({ ...counters, deadRows: 251 }, t), { vacuum: true, analyze: false });
    assert.deepEqual(dueWork({ ...counters, insertedSinceVacuum: 1201 }, t), {
      vacuum: true,
      analyze: false,
    });
    assert.deepEqual(dueWork({ ...counters, modifiedSinceAnalyze: 151 }, t), {
      vacuum: false,
      analyze: true,
    });
    assert.deepEqual(dueWork({ ...counters, rows: -1, deadRows: 51 }, t), { vacuum: true, analyze: false });
    const noInserts = { ...t, insertThreshold: -1 };
    assert.deepEqual(dueWork({ ...counters, insertedSinceVacuum: 10 ** 9 }, noInserts), {
      vacuum: false,
      analyze: false,
    });
  });
});

describe("PostgreSQL autovacuum settings", () => {
  let cluster: ThrowawayCluster;
  before(async () => {
    cluster = await startThrowawayCluster();
  });
  after(async () => {
    await cluster?.destroy();
  });

  const onCluster = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  /** Turns the cluster's autovacuum on or off (a reload), and waits until new sessions see it. */
  const setAutovacuum = async (value: "on" | "off"): Promise<void> => {
    await onCluster(async (client) => {
      await client.query(`ALTER SYSTEM SET autovacuum = ${value}`);
      await client.query("SELECT pg_reload_conf()");
    });
    await eventually(
      () =>
        onCluster(async (client) =>
          (await client.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]?.autovacuum === value
            ? true
            : undefined,
        ),
      `autovacuum = ${value} after the reload`,
    );
  };

  /** Runs `fn` with hub `hubName` on the cluster, initialized; resolves with the warnings it logged in all. */
  const withHub = async (
    hubName: string,
    maintenance: PostgresMaintenanceOptions,
    fn: (hub: SqlTaskHub, warned: () => SinkCall[]) => Promise<void> = async () => undefined,
  ): Promise<SinkCall[]> => {
    const sink = new RecordingSink();
    const hub = postgresTaskHub({ connectionString: cluster.url, hubName, logger: sink, maintenance });
    try {
      await hub.init();
      await fn(hub, () => warnings(sink));
    } finally {
      await hub.close();
    }
    return warnings(sink);
  };

  /** Sends and deletes 2,000 messages in hub `hubName`'s inbox; resolves once the hub (not autovacuum) vacuumed it. */
  const inboxVacuumed = async (hubName: string): Promise<void> => {
    await onCluster(async (client) => {
      await client.query(
        `INSERT INTO ${hubName}.inbox (instance_id, event, visible_at, created_at)
         SELECT 'i' || n, '{}', 0, 0 FROM generate_series(1, 2000) AS n`,
      );
      await client.query(`DELETE FROM ${hubName}.inbox`);
    });
    await eventually(
      () =>
        onCluster(async (client) => {
          const stats = await hotTableStats(client, hubName);
          return stats.inbox!.vacuums > 0 && stats.inbox!.dead === 0 ? true : undefined;
        }),
      "the hub vacuuming its inbox",
      20_000,
    );
  };

  it("warns once at init when the server's autovacuum is off, naming the setting, and vacuums itself", async () => {
    await setAutovacuum("off");
    const said = await withHub("off_hub", { intervalMs: 20 }, async (_hub, warned) => {
      const [warning, ...more] = warned();
      assert.deepEqual(more, []);
      assert.match(warning!.message, /autovacuum is off on this server \(autovacuum = off\)/);
      assert.match(warning!.message, /maintenance: \{ vacuum: "off" \}/);
      assert.deepEqual(warning!.args[0], {
        hubName: "off_hub",
        setting: "autovacuum = off",
        tables: HOT_TABLES,
      });
      await inboxVacuumed("off_hub");
    });
    assert.equal(said.length, 1, "one warning in all");
  });

  it("says nothing when autovacuum covers the hot tables, and names a table whose autovacuum is disabled", async () => {
    await setAutovacuum("on");
    // Autovacuum on, visiting the database once a day: the hub vacuums when it lags.
    await onCluster(async (client) => {
      await client.query("ALTER SYSTEM SET autovacuum_naptime = '1d'");
      await client.query("SELECT pg_reload_conf()");
    });
    assert.deepEqual(await withHub("on_hub", { intervalMs: 20 }, () => inboxVacuumed("on_hub")), []);
    await onCluster((client) => client.query("ALTER TABLE on_hub.inbox SET (autovacuum_enabled = false)"));
    const [warning, ...more] = await withHub("on_hub", { intervalMs: 20 });
    assert.deepEqual(more, []);
    assert.match(
      warning!.message,
      /Autovacuum is disabled on table inbox of task hub "on_hub" \(autovacuum_enabled = false\)/,
    );
    assert.deepEqual((warning!.args[0] as { tables: string[] }).tables, ["inbox"]);
    // Told not to vacuum: the warning says that nothing does.
    const [unvacuumed, ...others] = await withHub("on_hub", { vacuum: "off" });
    assert.deepEqual(others, []);
    assert.match(unvacuumed!.message, /nothing removes the dead rows/);
  });
});
