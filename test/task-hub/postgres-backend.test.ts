/**
 * PostgreSQL-specific behaviour: hub names and schemas, migrations (concurrent, upgrade, newer schema refused),
 * isolation between hubs, claims from several pools, LISTEN/NOTIFY across hub objects and listener reconnection,
 * connection defaults. Fails, never skips, when the server is unreachable.
 */
import assert from "node:assert/strict";
import { after, beforeEach, describe, it } from "node:test";
import { postgresDialect } from "../../src/sql/postgres/pg-dialect.js";
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS } from "../../src/sql/migrations.js";
import {
  DEFAULT_POSTGRES_URL,
  postgresTaskHub,
  resolvePostgresConfig,
} from "../../src/sql/postgres/postgres-task-hub.js";
import type { TaskHubNotice } from "../../src/task-hub/task-hub.js";
import {
  completionOf,
  eventually,
  newInstance,
  sleep,
} from "../../src/testing/task-hub-conformance-support.js";
import {
  dropCreatedSchemas,
  requirePostgres,
  testHub,
  uniqueHubName,
  withClient,
} from "./postgres-support.js";
import { assertFailedCompletionWritesNothing, rawQuery } from "./sql-hooks.js";

describe("PostgreSQL task hub", () => {
  beforeEach(requirePostgres);
  after(dropCreatedSchemas);

  it("validates hub names", () => {
    for (const bad of ["", "1hub", "hub-name", "hub name", "a".repeat(51), 'x"y', "_hub"])
      assert.throws(
        () => postgresTaskHub({ hubName: bad }),
        (e: Error) => e.name === "InvalidArgumentError",
        `'${bad}' is refused`,
      );
    for (const good of ["a", "Hub_2", "a".repeat(50)]) void postgresTaskHub({ hubName: good }).close();
  });

  it("resolves the connection from options, then environment, then the default", () => {
    assert.equal(resolvePostgresConfig({}, {}).connectionString, DEFAULT_POSTGRES_URL);
    assert.equal(
      resolvePostgresConfig({ connectionString: "postgres://x/y" }, {}).connectionString,
      "postgres://x/y",
    );
    const env = { TASKHUB_POSTGRES_URL: "postgres://t/1", DATABASE_URL: "postgres://d/2" };
    assert.equal(resolvePostgresConfig({}, env).connectionString, "postgres://t/1");
    assert.equal(
      resolvePostgresConfig({}, { DATABASE_URL: "postgres://d/2" }).connectionString,
      "postgres://d/2",
    );
    assert.equal(
      resolvePostgresConfig({}, { PGHOST: "db" }).connectionString,
      undefined,
      "pg reads PG* itself",
    );
    assert.equal(resolvePostgresConfig({ pool: { host: "h", max: 3 } }, env).host, "h");
  });

  it("keeps a key lookup planned on a nearly empty table an index scan once the table has grown", async () => {
    // A connection keeps its generic plans until statistics change; planned on a tiny table they would scan it.
    const hub = testHub();
    await hub.init();
    const instances = postgresDialect(hub.dialect.schema!).table("instances");
    const plan = await hub.driver.transaction(async (tx) => {
      const grow = (from: number, to: number) =>
        tx.run(
          `INSERT INTO ${instances} (instance_id, name, execution_id, status, created_at, last_updated_at,
             history_length) SELECT 'grown-' || g, 'o', 'e', 'Completed', 0, 0, 0 FROM generate_series($1::int, $2::int) AS g`,
          [from, to],
        );
      await grow(1, 20);
      await tx.run(`ANALYZE ${instances}`); // the statistics of a new hub: one page
      await tx.run(`PREPARE lookup(text[]) AS SELECT 1 FROM ${instances} WHERE instance_id = ANY($1)`);
      await tx.query("EXECUTE lookup('{a}')"); // planned now, on the small table
      await grow(21, 20_000);
      const rows = await tx.query<{ "QUERY PLAN": string }>("EXPLAIN EXECUTE lookup('{grown-7}')");
      await tx.run("DEALLOCATE lookup");
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    assert.doesNotMatch(plan, /Seq Scan/, plan);
    assert.match(plan, /Index/, plan);
    await hub.close();
  });

  it("migrates once when several hub objects initialize one schema at once", async () => {
    const name = uniqueHubName("mig");
    const hubs = Array.from({ length: 6 }, () => testHub(name));
    await Promise.all(hubs.map((hub) => hub.init()));
    await hubs[0]!.init();
    const rows = await rawQuery(
      hubs[0]!,
      `SELECT version, name FROM ${hubs[0]!.dialect.table("schema_migrations")} ORDER BY version`,
    );
    assert.deepEqual(
      rows,
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
    );
    await Promise.all(hubs.map((hub) => hub.close()));
  });

  it("upgrades an older schema and refuses a newer one", async () => {
    const name = uniqueHubName("up");
    const hub = testHub(name);
    await hub.init();
    const extra = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: "9999_test_extra",
      up: (d: ReturnType<typeof postgresDialect>) => [`CREATE TABLE ${d.table("extra")} (x INTEGER)`],
    };
    const result = await migrate(hub.driver, postgresDialect(name), [...MIGRATIONS, extra]);
    assert.deepEqual(result.applied, ["9999_test_extra"]);
    await hub.close();
    const old = testHub(name);
    await assert.rejects(old.init(), (e: Error) => e.name === "TaskHubError" && /newer/.test(e.message));
    await old.close();
  });

  it("keeps hubs in separate schemas apart", async () => {
    const a = testHub();
    const b = testHub();
    await Promise.all([a.init(), b.init()]);
    await a.createInstance(newInstance("same-id", { input: '"a"' }));
    await b.createInstance(newInstance("same-id", { input: '"b"' }));
    assert.equal((await a.getInstance("same-id"))?.input, '"a"');
    assert.equal((await b.getInstance("same-id"))?.input, '"b"');
    const [item] = await a.lockOrchestrationWorkItems({ workerId: "w", max: 10, leaseMs: 30_000 });
    assert.ok(item);
    await a.completeOrchestrationWorkItems([completionOf(item, { status: "Completed" })]);
    assert.equal(await a.purgeInstances({}), 1);
    assert.equal((await b.getInstance("same-id"))?.status, "Pending");
    assert.equal((await b.lockOrchestrationWorkItems({ workerId: "w", max: 10, leaseMs: 30_000 })).length, 1);
    assert.equal(
      typeof (await b.getInstance("same-id"))?.createdAt,
      "number",
      "BIGINT columns arrive as numbers",
    );
    await Promise.all([a.close(), b.close()]);
  });

  it("never hands one instance to two hub objects claiming at once", async () => {
    const name = uniqueHubName("claim");
    const hubs = Array.from({ length: 4 }, () => testHub(name));
    await hubs[0]!.init();
    const total = 60;
    for (let i = 0; i < total; i++) await hubs[0]!.createInstance(newInstance(`c-${i}`));
    const seen = new Map<string, number>();
    await Promise.all(
      hubs.map(async (hub, w) => {
        for (;;) {
          const items = await hub.lockOrchestrationWorkItems({ workerId: `w${w}`, max: 5, leaseMs: 30_000 });
          if (items.length === 0) return;
          for (const item of items) seen.set(item.instanceId, (seen.get(item.instanceId) ?? 0) + 1);
          const outcomes = await hub.completeOrchestrationWorkItems(
            items.map((item) => completionOf(item, { status: "Completed" })),
          );
          assert.ok(outcomes.every((outcome) => outcome === undefined));
        }
      }),
    );
    assert.equal(seen.size, total);
    assert.ok(
      [...seen.values()].every((count) => count === 1),
      "each instance claimed exactly once",
    );
    await Promise.all(hubs.map((hub) => hub.close()));
  });

  it("writes nothing of a completion whose transaction fails midway", async () => {
    const hub = testHub();
    await hub.init();
    await hub.createInstance(newInstance("atomic"));
    const [item] = await hub.lockOrchestrationWorkItems({ workerId: "w", max: 1, leaseMs: 30_000 });
    assert.ok(item);
    const schema = `"${hub.dialect.schema}"`;
    await assertFailedCompletionWritesNothing(
      hub,
      item,
      async () => {
        await hub.driver.run(
          `CREATE FUNCTION ${schema}.fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$`,
        );
        await hub.driver.run(
          `CREATE TRIGGER fail BEFORE INSERT ON ${schema}.activity_queue FOR EACH ROW EXECUTE FUNCTION ${schema}.fail()`,
        );
      },
      () => hub.driver.run(`DROP TRIGGER fail ON ${schema}.activity_queue`),
    );
    await hub.close();
  });

  it("delivers notices across hub objects with LISTEN/NOTIFY, once each", async () => {
    const name = uniqueHubName("notify");
    const a = testHub(name);
    const b = testHub(name);
    await a.init();
    const fromB: TaskHubNotice[] = [];
    b.subscribe((notice) => fromB.push(notice));
    await b.notificationsReady();
    await a.createInstance(newInstance("remote"));
    await eventually(
      async () => (fromB.some((n) => n.kind === "orchestration-work") ? true : undefined),
      "the new-work notice from the other hub object",
    );
    // Other processes hear of new work and of finished instances (without the record), not of every step.
    const [item] = await a.lockOrchestrationWorkItems({ workerId: "w", max: 1, leaseMs: 30_000 });
    assert.ok(item);
    await a.completeOrchestrationWorkItems([
      completionOf(item, { status: "Completed", instance: { output: "1", completedAt: Date.now() } }),
    ]);
    await eventually(
      async () =>
        fromB.some(
          (n) => n.kind === "instance-updated" && n.instanceId === "remote" && n.status === "Completed",
        )
          ? true
          : undefined,
      "the finished-instance notice from the other hub object",
    );
    assert.deepEqual(
      fromB
        .filter((n) => n.kind === "instance-updated")
        .map((n) => n.kind === "instance-updated" && n.status),
      ["Completed"],
      "no Pending notice crosses processes",
    );
    assert.equal(
      fromB.find((n) => n.kind === "instance-updated" && n.record !== undefined),
      undefined,
      "records stay in the process",
    );
    fromB.length = 0;
    await b.createInstance(newInstance("local"));
    await sleep(300);
    assert.equal(
      fromB.filter((n) => n.kind === "instance-updated" && n.instanceId === "local").length,
      1,
      "a hub object does not receive its own notices twice",
    );
    await Promise.all([a.close(), b.close()]);
  });

  it("reconnects the listener after its connection is killed", async () => {
    const name = uniqueHubName("relisten");
    const a = testHub(name);
    const b = testHub(name);
    await a.init();
    const fromB: TaskHubNotice[] = [];
    b.subscribe((notice) => fromB.push(notice));
    await b.notificationsReady();
    const killed = await withClient(async (client) =>
      client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN "taskhub_${name}"`],
      ),
    );
    assert.equal(killed.rowCount, 1, "the listener connection was found and killed");
    await eventually(
      async () => (fromB.some((n) => n.kind === "orchestration-work") ? true : undefined),
      "the catch-up notice after reconnecting",
    );
    await b.notificationsReady();
    fromB.length = 0;
    await a.createInstance(newInstance("after-reconnect"));
    await eventually(
      async () => (fromB.some((n) => n.kind === "orchestration-work") ? true : undefined),
      "a notice after reconnecting",
    );
    await Promise.all([a.close(), b.close()]);
  });
});
