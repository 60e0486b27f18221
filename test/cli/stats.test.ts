/**
 * `taskhub stats` as a child process on a SQLite file and on PostgreSQL that real orchestrations wrote (with
 * activities, some failing): the JSON report, the text table, one name; a wrong command line is exit code 2 with a
 * one-line usage error, checked before the hub is read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, type TaskHub } from "../../src/index.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";
import { MemoryLog } from "../support/test-host.js";
import {
  config as pgConfig,
  dropCreatedSchemas,
  requirePostgres,
  testHub,
  uniqueHubName,
} from "../task-hub/postgres-support.js";

after(removeTempDirs);
after(dropCreatedSchemas);

class OutOfStock extends Error {
  override readonly name = "OutOfStock";
}

/** Runs five orders on `hub` (the 2nd and 4th out of stock: their orders fail), then stops. */
async function runOrders(hub: TaskHub): Promise<void> {
  const app = new DurableApp();
  app.activity("Reserve", async (n: number) => {
    if (n % 2 === 1) throw new OutOfStock(`item ${n % 2} out of stock`);
    return n;
  });
  app.orchestration("PlaceOrder", async (ctx, n: number) => ctx.callActivity("Reserve", n));
  const host = await app.start({ taskHub: hub, logger: new MemoryLog() });
  try {
    for (let n = 0; n < 5; n++) {
      const id = await host.client.startNew("PlaceOrder", { input: n, instanceId: `order-${n}` });
      await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
    }
  } finally {
    await host.stop();
  }
}

interface Report {
  format: string;
  buckets: { sizeMs: number; starts: string[] };
  orchestrations: {
    name: string;
    byStatus: Record<string, number>;
    failureRate: number;
    throughput: number[];
  }[];
  activities: {
    name: string;
    byStatus: Record<string, number>;
    durationsMs: { count: number } | null;
    topFailures: { errorType: string; message: string; count: number }[];
  }[];
}

function checkReport(stdout: string): void {
  const report = JSON.parse(stdout) as Report;
  assert.equal(report.format, "taskhub-stats/1");
  assert.equal(report.buckets.sizeMs, 3_600_000, "hours for the default day");
  assert.equal(report.buckets.starts.length, 24);
  assert.deepEqual(
    report.orchestrations.map((o) => [o.name, o.byStatus, o.failureRate]),
    [["PlaceOrder", { Completed: 3, Failed: 2 }, 0.4]],
  );
  assert.equal(
    report.orchestrations[0]!.throughput.reduce((a, b) => a + b, 0),
    5,
  );
  const [reserve] = report.activities;
  assert.equal(reserve?.name, "Reserve");
  assert.deepEqual(reserve.byStatus, { Completed: 3, Failed: 2 });
  assert.equal(reserve.durationsMs?.count, 5);
  assert.deepEqual(reserve.topFailures, [
    { errorType: "OutOfStock", message: "item 1 out of stock", count: 2 },
  ]);
}

describe("taskhub stats", () => {
  it("reports a SQLite hub as JSON, as a table, and for one name", async () => {
    const dir = tempDir();
    const path = join(dir, "hub.db");
    await runOrders(sqliteTaskHub(path));
    const json = runCli(["stats", "--hub", path, "--json"], dir);
    assert.equal(json.status, 0, json.stderr);
    checkReport(json.stdout);
    const text = runCli(["stats", "--hub", path, "--since", "1h", "--top", "2"], dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^Window \S+ to \S+ \(buckets of 5m\)/);
    assert.match(
      text.stdout,
      /Orchestrations:\n {2}NAME +FINISHED +FAILED +FAIL % +P50 +P95 +P99 +MAX +OTHER\n {2}PlaceOrder +5 +2 +40\.0 /,
    );
    assert.match(text.stdout, /Activities:\n {2}NAME .*\n {2}Reserve +5 +2 +40\.0 /);
    assert.match(text.stdout, /Reserve failed 2x: OutOfStock: item 1 out of stock/);
    const slowest = /PlaceOrder slowest: (.*)/.exec(text.stdout)?.[1]?.split(", ");
    assert.equal(slowest?.length, 2, "--top 2");
    const one = runCli(["stats", "--hub", path, "--json", "--name", "Reserve"], dir);
    assert.equal(one.status, 0, one.stderr);
    const only = JSON.parse(one.stdout) as Report;
    assert.deepEqual(only.orchestrations, []);
    assert.deepEqual(
      only.activities.map((a) => a.name),
      ["Reserve"],
    );
    const before = runCli(
      ["stats", "--hub", path, "--json", "--until", "2020-01-01", "--since", "2019-12-31"],
      dir,
    );
    assert.equal(before.status, 0, before.stderr);
    assert.deepEqual((JSON.parse(before.stdout) as Report).orchestrations, []);
  });

  it("reports a PostgreSQL hub", async () => {
    await requirePostgres();
    const hubName = uniqueHubName("stats");
    await runOrders(testHub(hubName));
    const url = pgConfig.connectionString ?? "postgres://postgres@127.0.0.1:5432/test";
    const result = runCli(["stats", "--postgres", url, "--hub-name", hubName, "--json"], tempDir());
    assert.equal(result.status, 0, result.stderr);
    checkReport(result.stdout);
  });

  it("refuses a wrong command line with exit code 2 and a one-line usage error, before reading the hub", () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [["--since", "yesterday"], /'--since' needs a time ago such as 30m, 24h or 7d, 'now', or an ISO date/],
      [["--until", "2026-13-45"], /'--until' needs a time ago/],
      [["--since", "1h", "--until", "2h"], /'--since' \(\S+\) must be before '--until' \(\S+\)/],
      [["--top", "0"], /'--top' needs a whole number from 1 to 100 \(got '0'\)/],
      [["--bucket", "5x"], /'--bucket' needs a length of time of 1s or more/],
      [["--since", "30d", "--bucket", "1m"], /holds 43200 buckets of 60000 ms, more than 1000/],
      [["--limit", "3"], /'taskhub stats' has no option '--limit'/],
      [["--since"], /option '--since' needs a value/],
      [["extra"], /unexpected argument 'extra'/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(["stats", "--hub", join(dir, "none.db"), ...args], dir);
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stdout, "");
      const lines = result.stderr.split("\n");
      assert.equal(lines.length, 2, result.stderr);
      assert.match(lines[0]!, /^taskhub: .*\. See 'taskhub stats --help'\.$/);
      assert.match(lines[0]!, message);
    }
    const help = runCli(["stats", "--help"], dir);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: taskhub stats \[options\]/);
  });
});
