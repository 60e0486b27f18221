/**
 * The `taskhub` CLI on PostgreSQL: selecting the hub with `--postgres` / `TASKHUB_POSTGRES_URL` / `DATABASE_URL`,
 * `taskhub start` serving from a PostgreSQL hub, and `taskhub health` reporting workers, queues and lease takeovers.
 * Fails, never skips, when the server is unreachable.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { eventually } from "../support/test-host.js";
import {
  config,
  dropCreatedSchemas,
  requirePostgres,
  testHub,
  uniqueHubName,
  withClient,
} from "../task-hub/postgres-support.js";
import { newInstance, sleep } from "../../src/testing/task-hub-conformance-support.js";

const BIN = fileURLToPath(new URL("../../bin/taskhub.js", import.meta.url));
const APP = fileURLToPath(new URL("../http/cli-app.ts", import.meta.url));
const URL_ = config.connectionString ?? DEFAULT_POSTGRES_URL;
const dir = mkdtempSync(join(tmpdir(), "taskhub-pg-cli-"));

before(requirePostgres);
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropCreatedSchemas();
});

const resolve = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  resolveConfig({ flags, env, cwd: dir }).hub;

describe("selecting a PostgreSQL hub", () => {
  it("takes --postgres, TASKHUB_POSTGRES_URL, then DATABASE_URL; --hub and --postgres by precedence", () => {
    const pgUrl = "postgres://u@db:5432/app";
    assert.equal(resolve({ postgres: pgUrl }), pgUrl);
    assert.equal(resolve({}, { TASKHUB_POSTGRES_URL: pgUrl }), pgUrl);
    assert.equal(resolve({}, { DATABASE_URL: "postgresql://d/1" }), "postgresql://d/1");
    assert.equal(resolve({}, { DATABASE_URL: "mysql://d/1" }), join(dir, ".taskhub/hub.db"), "not a PG URL");
    assert.equal(resolve({}, { TASKHUB_POSTGRES_URL: pgUrl, DATABASE_URL: "postgres://d/1" }), pgUrl);
    assert.equal(resolve({ hub: "x.db" }, { DATABASE_URL: "postgres://d/1" }), join(dir, "x.db"));
    assert.equal(resolve({ postgres: pgUrl }, { TASKHUB_HUB: "x.db" }), pgUrl, "a flag beats a variable");
    assert.equal(resolve({ hub: "x.db" }, { TASKHUB_POSTGRES_URL: pgUrl }), join(dir, "x.db"));
    assert.throws(() => resolve({ hub: "x.db", postgres: pgUrl }), ConfigError);
    assert.throws(() => resolve({ postgres: "x.db" }), /postgres:\/\//);
  });
});

function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

describe("taskhub start and health on PostgreSQL", () => {
  it("serves an app from a PostgreSQL hub chosen by TASKHUB_POSTGRES_URL, and health reports it", async () => {
    const hubName = uniqueHubName("cli");
    const child: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [BIN, "start", APP, "--port", "0", "--host", "127.0.0.1", "--hub-name", hubName, "--local-dev"],
      { cwd: dir, env: { ...process.env, TASKHUB_POSTGRES_URL: URL_, TASKHUB_HUB: "" } },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolveExit) => child.on("exit", resolveExit));
    try {
      const url = await eventually(
        async () => /Taskhub host listening on (http:\/\/[^\s"]+)/.exec(output)?.[1], // JSON lines
        20_000,
      );
      assert.match(output, new RegExp(`Task hub: postgres://.*\\(name '${hubName}'\\)`));
      const started = await fetch(
        `${url}/runtime/webhooks/durabletask/orchestrators/Hello?timeout=10&pollingInterval=1`,
        { method: "POST", headers: { "content-type": "application/json" }, body: '"Oslo"' },
      );
      assert.equal(started.status, 200);
      assert.deepEqual(await started.json(), ["Hello Oslo!", "Hello Seattle!"]);

      const health = () => {
        const result = runCli(["health", "--postgres", URL_, "--hub-name", hubName]);
        assert.equal(result.status, 0, result.stderr);
        return JSON.parse(result.stdout) as {
          hubName: string;
          workersAlive: number;
          workers: { workerId: string; alive: boolean }[];
          instances: { total: number; byStatus: Record<string, number> };
          entities: number;
          queues: Record<string, number>;
          oldestPendingWorkItem: { ageMs: number } | null;
          leaseTakeovers: number;
        };
      };
      const report = health();
      assert.equal(report.hubName, hubName);
      assert.equal(report.workersAlive, 1, "the host's worker is seen");
      assert.ok(report.workers[0]?.alive);
      assert.equal(report.instances.byStatus.Completed, 1);
      assert.equal(report.entities, 0);
      assert.equal(report.leaseTakeovers, 0);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("health shows queue depths, the oldest pending work item and lease takeovers; fails on a bad or missing hub", async () => {
    const hubName = uniqueHubName("health");
    const hub = testHub(hubName);
    await hub.init();
    await hub.createInstance(newInstance("a"));
    await hub.createInstance(newInstance("b"));
    await hub.lockOrchestrationWorkItems({ workerId: "doomed", max: 1, leaseMs: 100 });
    await sleep(150);
    await hub.lockOrchestrationWorkItems({ workerId: "rescuer", max: 5, leaseMs: 60_000 });
    await hub.createInstance(newInstance("c"));
    await hub.recordWorkerHeartbeat({
      workerId: "rescuer",
      orchestrationsInFlight: 2,
      activitiesInFlight: 0,
    });
    await hub.close();
    const result = runCli(["health", "--hub-name", hubName], { DATABASE_URL: URL_ });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown> & {
      queues: Record<string, number>;
      oldestPendingWorkItem: { visibleSince: string; ageMs: number } | null;
      workers: { workerId: string; leaseTakeovers: number; orchestrationsInFlight: number }[];
    };
    assert.deepEqual(report.queues, {
      inboxMessages: 3,
      activityMessages: 0,
      leasedInstances: 2,
      leasedActivities: 0,
    });
    assert.equal(report.leaseTakeovers, 1);
    assert.deepEqual(
      report.workers.map((w) => [w.workerId, w.leaseTakeovers, w.orchestrationsInFlight]),
      [["rescuer", 1, 2]],
    );
    assert.ok(report.oldestPendingWorkItem && report.oldestPendingWorkItem.ageMs >= 150);

    const missing = uniqueHubName("nohub");
    const absent = runCli(["health", "--postgres", URL_, "--hub-name", missing]);
    assert.equal(absent.status, 1);
    assert.match(absent.stderr, new RegExp(`schema "${missing}" holds no Taskhub task hub`));
    const schemas = await withClient((client) =>
      client.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [missing]),
    );
    assert.equal(schemas.rowCount, 0, "health creates no schema");

    const bad = runCli(["health", "--postgres", "postgres://postgres@127.0.0.1:1/none"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cannot read the task hub at postgres:\/\/postgres@127\.0\.0\.1:1\/none/);
  });
});
