/**
 * SQLite-specific behaviour: file handling and pragmas, migrations (repeated, concurrent from several processes,
 * upgrades, newer schema refused), several hub objects on one file, corrupted rows, transactions.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { sqliteDialect } from "../../src/sql/sqlite/sqlite-dialect.js";
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS } from "../../src/sql/migrations.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import type { TaskHubNotice } from "../../src/task-hub/task-hub.js";
import { completionOf, lockAll, newInstance } from "../../src/testing/task-hub-conformance-support.js";
import { assertFailedCompletionWritesNothing, rawQuery, rawRun } from "./sql-hooks.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-sqlite-backend-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newPath = () => join(dir, `hub-${n++}.db`);

describe("SQLite task hub", () => {
  it("creates the parent directory, uses WAL and the requested synchronous level", async () => {
    const path = join(dir, "nested", "deeper", "hub.db");
    const hub = sqliteTaskHub(path);
    await hub.init();
    assert.ok(existsSync(path));
    assert.equal(hub.description, `sqlite:${path}`);
    assert.deepEqual(await rawQuery(hub, "PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
    assert.deepEqual(await rawQuery(hub, "PRAGMA synchronous"), [{ synchronous: 2 }], "default: full");
    await hub.createInstance(newInstance("x"));
    assert.equal((await hub.lockOrchestrationWorkItems({ workerId: "w", max: 1, leaseMs: 1000 })).length, 1);
    assert.deepEqual(
      await rawQuery(hub, "PRAGMA synchronous"),
      [{ synchronous: 2 }],
      "restored after a lease-only (non-durable) transaction",
    );
    await hub.close();
    const normal = sqliteTaskHub(path, { synchronous: "normal" });
    assert.deepEqual(await rawQuery(normal, "PRAGMA synchronous"), [{ synchronous: 1 }]);
    await normal.close();
    assert.throws(
      () => sqliteTaskHub(path, { synchronous: "fast" as never }),
      (e: Error) => e.name === "InvalidArgumentError",
    );
  });

  it("applies migrations once, however often init runs", async () => {
    const path = newPath();
    const first = sqliteTaskHub(path);
    await first.init();
    await first.init();
    const second = sqliteTaskHub(path);
    await second.init();
    const rows = await rawQuery(first, "SELECT version, name FROM schema_migrations ORDER BY version");
    assert.deepEqual(
      rows,
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
    );
    await first.close();
    await second.close();
  });

  it("migrates safely when several processes start at once", async () => {
    const path = newPath();
    const module = fileURLToPath(new URL("../../src/sql/sqlite/sqlite-task-hub.ts", import.meta.url));
    const startAt = Date.now() + 1500;
    const script =
      `import { sqliteTaskHub } from ${JSON.stringify(module)};` +
      `while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 1));` +
      `const hub = sqliteTaskHub(${JSON.stringify(path)}); await hub.init();` +
      `await hub.createInstance({ event: { type: "ExecutionStarted", timestamp: "", name: "o", ` +
      `instanceId: "p" + process.pid, executionId: "e" } }); await hub.close();`;
    const children = Array.from(
      { length: 4 },
      () =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
            stdio: ["ignore", "ignore", "pipe"],
          });
          let stderr = "";
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          child.on("error", reject);
          child.on("exit", (code) =>
            code === 0 ? resolve(code) : reject(new Error(`child failed: ${stderr}`)),
          );
        }),
    );
    await Promise.all(children);
    const hub = sqliteTaskHub(path);
    await hub.init();
    assert.deepEqual(await rawQuery(hub, "SELECT COUNT(*) AS n FROM schema_migrations"), [
      { n: MIGRATIONS.length },
    ]);
    assert.equal((await hub.listInstances({})).instances.length, 4);
    await hub.close();
  });

  it("switches a file to WAL while another process writes to it in rollback mode, within busyTimeoutMs", async () => {
    // SQLite answers a WAL conversion that meets another process's write lock with SQLITE_BUSY at once, without
    // running the busy handler: this is how several processes opening one new file could fail.
    const path = newPath();
    const seed = new Database(path);
    seed.exec("CREATE TABLE t (x INTEGER)");
    seed.close();
    const holdMs = 400;
    const writer = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import Database from "better-sqlite3"; const db = new Database(${JSON.stringify(path)});` +
          `db.exec("BEGIN IMMEDIATE"); db.exec("INSERT INTO t VALUES (1)"); console.log("locked");` +
          `setTimeout(() => { db.exec("COMMIT"); db.close(); }, ${holdMs});`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => writer.once("exit", resolve));
    await new Promise((resolve) => writer.stdout.once("data", resolve));
    const raw = new Database(path);
    raw.pragma("busy_timeout = 5000");
    assert.throws(
      () => raw.pragma("journal_mode = WAL"),
      { code: "SQLITE_BUSY" },
      "what the hub works around",
    );
    raw.close();
    assert.throws(
      () => sqliteTaskHub(path, { busyTimeoutMs: 50 }),
      { code: "SQLITE_BUSY" },
      "bounded by the budget",
    );
    const started = Date.now();
    const hub = sqliteTaskHub(path);
    assert.ok(Date.now() - started >= holdMs / 2, "waited for the writer");
    await hub.init();
    assert.deepEqual(await rawQuery(hub, "PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
    assert.deepEqual(await rawQuery(hub, "SELECT x FROM t"), [{ x: 1 }]);
    await hub.close();
    await exited;
  });

  it("upgrades an older schema and refuses a newer one", async () => {
    const path = newPath();
    const hub = sqliteTaskHub(path);
    await hub.init();
    const extra = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: "9999_test_extra",
      up: () => ["CREATE TABLE extra (x INTEGER)"],
    };
    const result = await migrate(hub.driver, sqliteDialect(), [...MIGRATIONS, extra]);
    assert.deepEqual(result, {
      from: LATEST_SCHEMA_VERSION,
      to: LATEST_SCHEMA_VERSION + 1,
      applied: ["9999_test_extra"],
    });
    await hub.close();
    const old = sqliteTaskHub(path);
    await assert.rejects(old.init(), (e: Error) => e.name === "TaskHubError" && /newer/.test(e.message));
    await old.close();
  });

  it("upgrades a queue of activity messages from before activity limits (0004): no limits, no details", async () => {
    const hub = sqliteTaskHub(newPath());
    await migrate(hub.driver, sqliteDialect(), MIGRATIONS.slice(0, 3));
    await rawRun(
      hub,
      `INSERT INTO activity_queue (instance_id, execution_id, task_id, name, attempt, idempotency_key, visible_at,
         created_at) VALUES ('old', 'e1', 0, 'Act', 1, 'old:e1:0', 0, 0)`,
    );
    await hub.init();
    const [item] = await hub.lockActivityWorkItems({ workerId: "w", max: 1, leaseMs: 30_000 });
    assert.equal(item?.idempotencyKey, "old:e1:0");
    assert.equal(item?.timeoutMs, undefined);
    assert.equal(item?.heartbeatTimeoutMs, undefined);
    assert.equal(item?.heartbeatDetails, undefined);
    await hub.close();
  });

  it("upgrades a version 4 hub holding leased work, then keeps delivery counts across hub objects", async () => {
    const path = newPath();
    const old = sqliteTaskHub(path);
    await migrate(old.driver, sqliteDialect(), MIGRATIONS.slice(0, 4));
    // An instance whose worker died holding its lease, written as version 4 of the schema stores it.
    const event = newInstance("inherited").event;
    await rawRun(
      old,
      `INSERT INTO instances (instance_id, name, execution_id, status, created_at, last_updated_at, lock_token,
         locked_by, lock_expires_at, ready_at)
       VALUES (:id, :name, :executionId, 'Pending', 1, 1, 'old-token', 'dead-worker', 2, 2)`,
      { id: event.instanceId, name: event.name, executionId: event.executionId },
    );
    await rawRun(
      old,
      "INSERT INTO inbox (instance_id, event, visible_at, created_at) VALUES (:id, :event, 1, 1)",
      {
        id: event.instanceId,
        event: JSON.stringify(event),
      },
    );
    await old.close();

    const upgraded = sqliteTaskHub(path);
    await upgraded.init();
    const [first] = await upgraded.lockOrchestrationWorkItems({ workerId: "w1", max: 1, leaseMs: 100 });
    assert.equal(first?.instanceId, "inherited");
    assert.equal(first.deliveryCount, 1, "deliveries before the upgrade were not counted");
    assert.equal(first.takenOverFrom, "dead-worker");
    await upgraded.close(); // w1's process "crashes": its lease is left to expire

    const restarted = sqliteTaskHub(path);
    await restarted.init();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [second] = await restarted.lockOrchestrationWorkItems({ workerId: "w2", max: 1, leaseMs: 30_000 });
    assert.equal(second?.deliveryCount, 2, "the count is stored with the instance");
    assert.equal(second.takenOverFrom, "w1");
    await restarted.close();
  });

  it("lets hub objects on one file share notices and take turns without SQLITE_BUSY", async () => {
    const path = newPath();
    const a = sqliteTaskHub(path);
    const b = sqliteTaskHub(path, { busyTimeoutMs: 200 });
    await Promise.all([a.init(), b.init()]);
    const notices: TaskHubNotice[] = [];
    const unsubscribe = b.subscribe((notice) => notices.push(notice));
    await a.createInstance(newInstance("from-a"));
    assert.ok(notices.some((notice) => notice.kind === "orchestration-work"));
    unsubscribe();

    const count = 40;
    await Promise.all(
      Array.from({ length: count }, (_, i) => (i % 2 ? a : b).createInstance(newInstance(`x-${i}`))),
    );
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).lockOrchestrationWorkItems({ workerId: `w${i}`, max: 7, leaseMs: 30_000 }),
      ),
    );
    const claimed = claims.flat();
    assert.equal(new Set(claimed.map((item) => item.instanceId)).size, claimed.length, "no double claims");
    const outcomes = await Promise.all(
      claimed.map((item, i) =>
        (i % 2 ? a : b).completeOrchestrationWorkItems([completionOf(item, { status: "Completed" })]),
      ),
    );
    assert.ok(outcomes.flat().every((outcome) => outcome === undefined));
    await Promise.all([a.close(), b.close()]);
  });

  it("writes nothing of a completion whose transaction fails midway", async () => {
    const hub = sqliteTaskHub(":memory:");
    await hub.init();
    await hub.createInstance(newInstance("atomic"));
    const item = (await lockAll(hub)).get("atomic")!;
    await assertFailedCompletionWritesNothing(
      hub,
      item,
      () =>
        rawRun(
          hub,
          "CREATE TRIGGER fail_activity BEFORE INSERT ON activity_queue BEGIN SELECT RAISE(ABORT, 'injected'); END",
        ),
      () => rawRun(hub, "DROP TRIGGER fail_activity"),
    );
    await hub.close();
  });

  it("serializes transactions on one connection even when they await between statements", async () => {
    const hub = sqliteTaskHub(":memory:");
    await hub.init();
    const seen: number[] = [];
    const count = async () => Number((await rawQuery(hub, "SELECT COUNT(*) AS n FROM inbox"))[0]?.n);
    const slow = hub.driver.transaction(async (tx) => {
      await tx.run("INSERT INTO inbox (instance_id, event, visible_at, created_at) VALUES ('a', '{}', 0, 0)");
      await new Promise((resolve) => setTimeout(resolve, 30));
      await tx.run("INSERT INTO inbox (instance_id, event, visible_at, created_at) VALUES ('a', '{}', 0, 0)");
    });
    const reader = hub.driver.transaction(async (tx) => {
      seen.push(Number((await tx.query("SELECT COUNT(*) AS n FROM inbox"))[0]?.n));
    });
    const outside = count().then((n) => seen.push(n));
    await Promise.all([slow, reader, outside]);
    assert.deepEqual(seen, [2, 2], "nobody saw the half-done transaction");
    await hub.close();
  });

  it("reads an instance whose stored failure is corrupted", async () => {
    const hub = sqliteTaskHub(":memory:");
    await hub.init();
    await hub.createInstance(newInstance("f"));
    const item = (await lockAll(hub)).get("f")!;
    await hub.completeOrchestrationWorkItems([
      completionOf(item, { status: "Failed", instance: { failure: { errorType: "E", message: "m" } } }),
    ]);
    await rawRun(hub, "UPDATE instances SET failure = :failure WHERE instance_id = :instanceId", {
      failure: "{oops",
      instanceId: "f",
    });
    const record = await hub.getInstance("f");
    assert.equal(record?.status, "Failed");
    assert.equal(record?.failure?.errorType, "TaskHubError");
    await hub.close();
  });

  it("rolls back a failed transaction and keeps serving", async () => {
    const hub = sqliteTaskHub(":memory:");
    await hub.init();
    await assert.rejects(
      hub.driver.transaction(async (tx) => {
        await tx.run(
          "INSERT INTO inbox (instance_id, event, visible_at, created_at) VALUES ('x', '{}', 0, 0)",
        );
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal((await hub.getStats()).inboxDepth, 0);
    const results = await Promise.allSettled([
      hub.driver.transaction(async () => {
        throw new Error("again");
      }),
      hub.createInstance(newInstance("ok")),
    ]);
    assert.equal(results[0].status, "rejected");
    assert.equal(results[1].status, "fulfilled");
    await hub.close();
    await assert.rejects(hub.getInstance("ok"), /closed/);
  });
});
