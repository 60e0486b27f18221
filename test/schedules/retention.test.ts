/**
 * Retention policies: parsing (config file, one-line form, clear errors), a run on a real SQLite hub with instances
 * of known ages on virtual time (a manual clock: no test waits for days), in bounded batches, with its log line and
 * its counter; and, with two hosts on one SQLite file, one run per occurrence on exactly one of them.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, sqliteTaskHub, type DurableClient } from "../../src/index.js";
import { ManualClock } from "../../src/testing/index.js";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { createHostMetrics } from "../../src/host/metrics-setup.js";
import { parseRetentionPolicies } from "../../src/schedules/retention-policy.js";
import {
  disableRetention,
  enableRetention,
  runRetention,
  RETENTION_PURGED_METRIC,
  RETENTION_TIMER,
} from "../../src/schedules/retention.js";
import { scheduleInstanceId } from "../../src/schedules/schedule-orchestration.js";
import { eventually, MemoryLog } from "../support/test-host.js";
import { INDEX_URL, runCli, spawnCli } from "../support/cli-process.js";

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "taskhub-retention-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fast = { maxPollIntervalMs: 20, heartbeatIntervalMs: 60_000 };
const POLICIES = parseRetentionPolicies("Completed,Terminated:7d;Failed:30d");

function retentionApp(): DurableApp {
  const app = new DurableApp();
  app.orchestration("Done", async (_ctx, n: number) => n);
  app.orchestration("Fails", async () => {
    throw new Error("boom");
  });
  app.orchestration("Waits", async (ctx) => ctx.waitForExternalEvent("never"));
  return app;
}

/** Creates `count` instances of each of Completed, Failed and Terminated, prefixed `tag`, and waits for them. */
async function makeFinished(client: DurableClient, tag: string, count: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await client.startNew("Done", { instanceId: `${tag}-done-${i}`, input: i }));
    ids.push(await client.startNew("Fails", { instanceId: `${tag}-fail-${i}` }));
    const waiting = await client.startNew("Waits", { instanceId: `${tag}-term-${i}` });
    await eventually(async () => (await client.getStatus(waiting))?.runtimeStatus === "Running");
    await client.terminate(waiting, "test");
    ids.push(waiting);
  }
  for (const id of ids) await client.waitForCompletion(id, { timeoutMs: 30_000 });
}

async function idsOf(client: DurableClient): Promise<string[]> {
  const page = await client.listInstances({ pageSize: 1000 });
  return page.instances
    .map((s) => s.instanceId)
    .filter((id) => !id.startsWith("schedule:"))
    .sort();
}

describe("retention policies", () => {
  it("parse from the one-line form and the config file's array, and refuse bad ones clearly", () => {
    assert.deepEqual(POLICIES, [
      { statuses: ["Completed", "Terminated"], olderThanMs: 7 * DAY, olderThan: "7d" },
      { statuses: ["Failed"], olderThanMs: 30 * DAY, olderThan: "30d" },
    ]);
    assert.deepEqual(parseRetentionPolicies([{ status: "Failed", olderThan: "12h" }]), [
      { statuses: ["Failed"], olderThanMs: 12 * 3_600_000, olderThan: "12h" },
    ]);
    assert.throws(
      () => parseRetentionPolicies("Completed:7 days"),
      /olderThan must be a positive whole number/,
    );
    assert.throws(() => parseRetentionPolicies("Running:7d"), /not a finished status/);
    assert.throws(() => parseRetentionPolicies("Completed:7d;Completed:1d"), /more than one policy/);
    assert.throws(() => parseRetentionPolicies("Completed"), /must read <statuses>:<age>/);
    assert.throws(
      () => parseRetentionPolicies([{ status: ["Completed"], olderThan: "7d", entities: true }]),
      /unknown key 'entities'/,
    );
  });

  it("come from the config file, the flag and the environment; a bad one is a startup error naming its source", () => {
    const file = join(dir, "retention.config.json");
    writeFileSync(
      file,
      JSON.stringify({
        retention: [
          { status: ["Completed", "Terminated"], olderThan: "7d" },
          { status: ["Failed"], olderThan: "30d" },
        ],
      }),
    );
    assert.deepEqual(resolveConfig({ flags: {}, env: {}, configFile: file, cwd: dir }).retention, POLICIES);
    assert.deepEqual(resolveConfig({ flags: {}, env: {}, cwd: dir }).retention, []);
    assert.deepEqual(
      resolveConfig({ flags: {}, env: { TASKHUB_RETENTION: "Completed,Terminated:7d;Failed:30d" }, cwd: dir })
        .retention,
      POLICIES,
    );
    assert.throws(
      () => resolveConfig({ flags: { retention: "Completed:soon" }, env: {}, cwd: dir }),
      (error: unknown) =>
        error instanceof ConfigError && /^--retention: retention policy 1: olderThan/.test(error.message),
    );
    writeFileSync(file, JSON.stringify({ retention: [{ status: ["Pending"], olderThan: "7d" }] }));
    assert.throws(
      () => resolveConfig({ flags: {}, env: {}, configFile: file, cwd: dir }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes(`'retention' in ${file}`) &&
        error.message.includes("not a finished status"),
    );
    assert.throws(
      () => resolveConfig({ flags: { "retention-schedule": "hourly" }, env: {}, cwd: dir }),
      /--retention-schedule: .*six fields/,
    );
  });

  it("purge old instances by policy in bounded batches on a SQLite hub on virtual time, with a log line and a counter", async () => {
    const clock = new ManualClock(new Date("2024-01-01T00:00:00Z"));
    const host = await retentionApp().start({
      taskHub: sqliteTaskHub(join(dir, `hub-${files++}.db`), { clock }),
      logger: new MemoryLog(),
      ...fast,
    });
    const metrics = createHostMetrics();
    try {
      await makeFinished(host.client, "old", 4); // created on day 0
      clock.advance(10 * DAY);
      await makeFinished(host.client, "new", 1); // created on day 10
      const log = new MemoryLog();
      const counter = metrics.meterProvider.getMeter("test").createCounter(RETENTION_PURGED_METRIC);
      const result = await runRetention(host.client, POLICIES, { batchSize: 3, pauseMs: 0, log, counter });
      // Day 10: Completed and Terminated from day 0 are past 7 days; Failed are not yet past 30.
      assert.deepEqual(result, {
        policies: [
          { statuses: ["Completed", "Terminated"], olderThan: "7d", purged: 8 },
          { statuses: ["Failed"], olderThan: "30d", purged: 0 },
        ],
        purged: 8,
      });
      assert.deepEqual(await idsOf(host.client), [
        "new-done-0",
        "new-fail-0",
        "new-term-0",
        "old-fail-0",
        "old-fail-1",
        "old-fail-2",
        "old-fail-3",
      ]);
      assert.deepEqual(log.lines, [
        "info Retention: purged 8 instance(s): Completed,Terminated older than 7d: 8; Failed older than 30d: 0.",
      ]);
      const text = await metrics.prometheusText();
      assert.match(text, /taskhub_retention_purged(_total)?\{[^}]*status="Completed"[^}]*\} 4/);
      assert.match(text, /taskhub_retention_purged(_total)?\{[^}]*status="Terminated"[^}]*\} 4/);

      clock.advance(25 * DAY); // day 35: the old Failed go, and the new Completed and Terminated
      const later = await runRetention(host.client, POLICIES, { pauseMs: 0, log, counter });
      assert.equal(later.purged, 6);
      assert.deepEqual(await idsOf(host.client), ["new-fail-0"]);
    } finally {
      await host.stop();
      await metrics.shutdown();
    }
  });

  it("runs once per occurrence, on one of two hosts sharing a SQLite file", async () => {
    const clock = new ManualClock(new Date("2024-01-01T00:30:00Z"));
    const path = join(dir, `hub-${files++}.db`);
    const logs = [new MemoryLog(), new MemoryLog()];
    const hosts = [];
    try {
      for (const log of logs) {
        const app = retentionApp();
        enableRetention(app.registry, { policies: POLICIES, pauseMs: 0 });
        hosts.push(await app.start({ taskHub: sqliteTaskHub(path, { clock }), logger: log, ...fast }));
      }
      const [a] = hosts;
      await makeFinished(a!.client, "old", 2);
      const runs = () => logs.flatMap((log) => log.lines.filter((l) => l.includes("Retention: purged")));
      // The schedule waits for 01:00; at 01:00 nothing is old enough yet.
      await eventually(async () => clock.nextTimerAt === Date.parse("2024-01-01T01:00:00Z"));
      clock.set(Date.parse("2024-01-01T01:00:00Z"));
      await eventually(async () => runs().length === 1);
      assert.match(runs()[0]!, /purged 0 instance/);
      // Eight days later (a missed occurrence fires once): the Completed and Terminated go, on one host only.
      await eventually(async () => clock.nextTimerAt === Date.parse("2024-01-01T02:00:00Z"));
      clock.set(Date.parse("2024-01-09T01:30:00Z"));
      await eventually(async () => runs().length === 2);
      await eventually(async () => clock.nextTimerAt === Date.parse("2024-01-09T02:00:00Z"));
      assert.equal(runs().length, 2, runs().join("\n"));
      assert.match(
        runs()[1]!,
        /purged 4 instance\(s\): Completed,Terminated older than 7d: 4; Failed older than 30d: 0/,
      );
      assert.deepEqual(await idsOf(a!.client), ["old-fail-0", "old-fail-1"]);
      // Retention turned off: the schedule stops.
      assert.equal(await disableRetention(a!.client), true);
      const schedule = await a!.client.waitForCompletion(scheduleInstanceId(RETENTION_TIMER), {
        timeoutMs: 30_000,
      });
      assert.equal(schedule.runtimeStatus, "Terminated");
      assert.equal(await disableRetention(a!.client), false);
    } finally {
      for (const host of hosts) await host.stop();
    }
  });

  it("taskhub start refuses a bad policy at startup, and shows the policies it runs", async () => {
    const project = mkdtempSync(join(dir, "cli-"));
    const app = join(project, "app.ts");
    writeFileSync(
      app,
      `import { DurableApp } from ${JSON.stringify(INDEX_URL)};\nexport const app = new DurableApp();\n`,
    );
    const bad = runCli(
      ["start", app, "--local-dev", "--port", "0", "--retention", "Failed:30 days"],
      project,
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--retention: retention policy 1: olderThan must be a positive whole number/);
    writeFileSync(
      join(project, "taskhub.config.json"),
      JSON.stringify({ retention: [{ status: ["Completed", "Terminated"], olderThan: "7d" }] }),
    );
    const child = spawnCli(
      ["start", app, "--local-dev", "--port", "0", "--hub", join(project, "hub.db")],
      project,
    );
    try {
      await eventually(
        async () => child.output().includes("Retention: Completed,Terminated after 7d"),
        30_000,
      );
      assert.match(child.output(), /Timer 'taskhub:retention': schedule .*0 0 \* \* \* \*.* started/);
    } finally {
      child.process.kill("SIGTERM");
      await child.exited;
    }
    // Started again without policies: the schedule is stopped.
    rmSync(join(project, "taskhub.config.json"));
    const off = spawnCli(
      ["start", app, "--local-dev", "--port", "0", "--hub", join(project, "hub.db")],
      project,
    );
    try {
      await eventually(async () => off.output().includes("Taskhub host listening"), 30_000);
      assert.match(off.output(), /Retention is off: its schedule was stopped/);
    } finally {
      off.process.kill("SIGTERM");
      await off.exited;
    }
  });
});
