/**
 * `taskhub replay-check` and `taskhub history export` on a PostgreSQL hub chosen with `--postgres`, and the hub they
 * open: its connections refuse writes. Fails, never skips, when the server is unreachable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openTaskHubForReading } from "../../src/host/open-task-hub.js";
import { DEFAULT_POSTGRES_URL } from "../../src/sql/postgres/postgres-task-hub.js";
import { newInstance } from "../../src/testing/task-hub-conformance-support.js";
import { replayHistories } from "../../src/testing/index.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";
import { importApp, SEEDED, seedHub, writeApps } from "../support/replay-apps.js";
import {
  config,
  dropCreatedSchemas,
  requirePostgres,
  testHub,
  uniqueHubName,
} from "../task-hub/postgres-support.js";
import { writeFileSync } from "node:fs";

const URL_ = config.connectionString ?? DEFAULT_POSTGRES_URL;
const dir = tempDir("taskhub-pg-replay-");
const apps = writeApps(dir);
const hubName = uniqueHubName("replay");

before(async () => {
  await requirePostgres();
  await seedHub(await importApp(apps.v1), testHub(hubName));
});
after(async () => {
  removeTempDirs();
  await dropCreatedSchemas();
});

describe("taskhub replay-check on PostgreSQL", () => {
  it("reports the diverging instances of a PostgreSQL hub, and exports a history that replays", async () => {
    const pg = ["--postgres", URL_, "--hub-name", hubName];
    const changed = runCli(["replay-check", "app-v2.ts", ...pg], dir, { TASKHUB_HUB: "" });
    assert.equal(changed.status, 1, changed.stderr);
    const lines = changed.stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.slice(0, -1),
      SEEDED.waitingOrders.map(
        (id) =>
          `${id}: NonDeterminismError: History recorded TaskScheduled 'Charge' as task #0, but on replay the ` +
          `orchestrator 'OrderFlow' called callActivity('Reserve') as task #0.`,
      ),
    );
    assert.match(
      lines.at(-1) ?? "",
      /: 1 replayed, 4 diverged, 2 skipped \(1 entity, 1 of an unknown orchestrator/,
    );
    const unchanged = runCli(["replay-check", "app-v1.ts", ...pg, "--json"], dir, { TASKHUB_HUB: "" });
    assert.equal(unchanged.status, 0, unchanged.stderr);
    const report = JSON.parse(unchanged.stdout) as { hubName: string; summary: { replayed: number } };
    assert.equal(report.hubName, hubName);
    assert.equal(report.summary.replayed, 6);

    const exported = runCli(["history", "export", SEEDED.greeter, ...pg], dir, { TASKHUB_HUB: "" });
    assert.equal(exported.status, 0, exported.stderr);
    const file = join(dir, "greet-1.json");
    writeFileSync(file, exported.stdout);
    const replayed = await replayHistories(await importApp(apps.v2), file);
    assert.equal(replayed.results[0]?.kind, "replayed");
  });

  it("exits 2 when the server cannot be reached or the hub does not exist", () => {
    const unreachable = runCli(
      ["replay-check", "app-v1.ts", "--postgres", "postgres://postgres@127.0.0.1:1/test"],
      dir,
    );
    assert.equal(unreachable.status, 2);
    assert.match(
      unreachable.stderr,
      /^taskhub replay-check: cannot read the task hub at postgres:\/\/.*: .*reached/,
    );
    const missing = runCli(
      ["replay-check", "app-v1.ts", "--postgres", URL_, "--hub-name", "no_such_hub_x"],
      dir,
    );
    assert.equal(missing.status, 2);
    assert.match(
      missing.stderr,
      /^taskhub replay-check: cannot read the task hub at .*: schema "no_such_hub_x" holds no Taskhub task hub/,
    );
  });

  it("opens the hub with read-only transactions: a write fails and writes nothing", async () => {
    const hub = openTaskHubForReading(URL_, hubName);
    try {
      await hub.checkSchema();
      await assert.rejects(hub.createInstance(newInstance("written-by-the-checker")), /read-only/);
      assert.equal(await hub.getInstance("written-by-the-checker"), undefined);
    } finally {
      await hub.close();
    }
  });
});
