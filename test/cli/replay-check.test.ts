/**
 * `taskhub replay-check` and `taskhub history export` as real processes on a real SQLite hub seeded by version 1 of
 * an app (test/support/replay-apps.ts): version 2 changed the order workflow, so every charged order diverges, named
 * with the recorded and the new call; version 1 replays everything. Filters, the JSON report, exit codes, the hub
 * left untouched, and the round trip from `history export` to `replayHistories` in a unit test.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { HistoryFileError } from "../../src/core/errors.js";
import { sqliteTaskHub } from "../../src/index.js";
import { HISTORY_FILE_FORMAT, ReplayDivergenceError, replayHistories } from "../../src/testing/index.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";
import { importApp, SEEDED, seedHub, writeApps } from "../support/replay-apps.js";

after(removeTempDirs);

const dir = tempDir("taskhub-replay-");
const hubPath = join(dir, "hub.db");
const apps = writeApps(dir);
const check = (...args: string[]) => runCli(["replay-check", ...args, "--hub", hubPath], dir);

/** The divergence a worker reports for an order recorded by version 1 and replayed by version 2. */
const diverged = (id: string) =>
  `${id}: NonDeterminismError: History recorded TaskScheduled 'Charge' as task #0, but on replay the orchestrator ` +
  `'OrderFlow' called callActivity('Reserve') as task #0.`;

/**
 * A digest of the hub's database file and the size of its write-ahead log. (A reader of a WAL database makes the
 * `-wal` and `-shm` files SQLite coordinates readers and writers with; a write would add frames to the `-wal`.)
 */
const hubState = () => ({
  database: createHash("sha256").update(readFileSync(hubPath)).digest("hex"),
  walBytes: readdirSync(dir).includes("hub.db-wal") ? readFileSync(`${hubPath}-wal`).length : 0,
});

before(async () => {
  await seedHub(await importApp(apps.v1), sqliteTaskHub(hubPath));
});

describe("taskhub replay-check", () => {
  it("names each instance the changed code diverges on, with both calls, then a summary; exit 1; writes nothing", () => {
    const state = hubState();
    const result = check("app-v2.ts");
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, "");
    const lines = result.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, -1), SEEDED.waitingOrders.map(diverged), "Running and Suspended ones");
    assert.match(
      lines.at(-1) ?? "",
      /^taskhub replay-check: 1 replayed, 4 diverged, 2 skipped \(1 entity, 1 of an unknown orchestrator: 'Legacy'\), in \d+\.\d\d s\.$/,
    );
    assert.deepEqual(hubState(), state, "the database is unchanged, nothing was written to its log");
  });

  it("exits 0 when the code is unchanged", () => {
    const result = check("app-v1.ts");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^taskhub replay-check: 6 replayed, 0 diverged, 1 skipped \(1 entity\), in /);
  });

  it("selects by status, orchestrator name, creation time and count", () => {
    const completed = check("app-v2.ts", "--status", "completed");
    assert.equal(completed.status, 1);
    assert.equal(completed.stdout.split("\n")[0], diverged(SEEDED.completedOrder));
    assert.match(completed.stdout, /: 0 replayed, 1 diverged, 0 skipped, in /);
    const suspended = check("app-v2.ts", "--status", "Suspended,Completed");
    assert.deepEqual(suspended.stdout.split("\n").slice(0, 2), [
      diverged(SEEDED.waitingOrders[3]),
      diverged(SEEDED.completedOrder),
    ]);
    const greeter = check("app-v2.ts", "--name", "greeter");
    assert.equal(greeter.status, 0, greeter.stdout);
    assert.match(greeter.stdout, /^taskhub replay-check: 1 replayed, 0 diverged, 0 skipped, in /);
    const limited = check("app-v2.ts", "--limit", "2");
    assert.equal(limited.status, 1);
    assert.deepEqual(limited.stdout.split("\n").slice(0, 3), [
      diverged("order-1"),
      diverged("order-2"),
      limited.stdout.split("\n")[2],
    ]);
    assert.match(limited.stdout, /: 0 replayed, 2 diverged, 0 skipped, in /);
    const future = check("app-v2.ts", "--since", "2999-01-01");
    assert.equal(future.status, 0);
    assert.match(future.stdout, /^taskhub replay-check: 0 replayed, 0 diverged, 0 skipped, in /);
    const past = check("app-v2.ts", "--since", "2000-01-01T00:00:00+02:00");
    assert.equal(past.status, 1);
    assert.match(past.stdout, /: 1 replayed, 4 diverged, 2 skipped /);
  });

  it("--json prints a machine-readable report", () => {
    const result = check("app-v2.ts", "--json", "--status", "Running,Suspended,Completed");
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(report.format, "taskhub-replay-check/1");
    assert.equal(report.app, apps.v2);
    assert.equal(report.hub, hubPath);
    assert.deepEqual(report.selection, {
      statuses: ["Running", "Suspended", "Completed"],
      name: null,
      since: null,
      limit: null,
    });
    assert.deepEqual(report.summary, {
      checked: 8,
      replayed: 1,
      diverged: 5,
      skipped: 2,
      skippedByReason: { "unknown-orchestrator": 1, entity: 1 },
      unknownOrchestrators: { Legacy: 1 },
    });
    const divergences = report.diverged as { instanceId: string; errorType: string; message: string }[];
    assert.deepEqual(
      divergences.map((d) => `${d.instanceId}: ${d.errorType}: ${d.message}`),
      ["order-1", "order-2", "order-3", "order-4", "order-done"].map(diverged),
    );
    assert.deepEqual(report.skipped, [
      {
        instanceId: SEEDED.legacy,
        name: "Legacy",
        reason: "unknown-orchestrator",
        message:
          "No orchestrator named 'Legacy' is registered. Registered orchestrators: OrderFlow, Greeter.",
      },
    ]);
    assert.equal(typeof report.elapsedMs, "number");
  });

  it("exits 2 on a wrong command line, an app that does not load and a hub that cannot be read", () => {
    const usage = (args: string[], message: string) => {
      const result = runCli(["replay-check", ...args], dir);
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.equal(result.stderr, `taskhub: ${message}. See 'taskhub replay-check --help'.\n`);
    };
    usage([], "'taskhub replay-check' needs the app module, e.g. taskhub replay-check src/app.ts");
    usage(["app-v1.ts", "app-v2.ts"], "unexpected argument 'app-v2.ts'");
    usage(
      ["app-v1.ts", "--status", "Running,Done"],
      "unknown status 'Done' in '--status' (use Pending, Running, Completed, ContinuedAsNew, Failed, Terminated, " +
        "Suspended, separated by commas)",
    );
    usage(["app-v1.ts", "--limit", "0"], "'--limit' needs a whole number of instances, 1 or more (got '0')");
    usage(
      ["app-v1.ts", "--limit", "ten"],
      "'--limit' needs a whole number of instances, 1 or more (got 'ten')",
    );
    for (const since of ["yesterday", "2024-02-30", "2024-05-01T25:00"])
      usage(
        ["app-v1.ts", "--since", since],
        `'--since' needs a date, such as 2024-05-01 or 2024-05-01T08:00:00Z (got '${since}')`,
      );
    usage(["app-v1.ts", "--port", "80"], "'taskhub replay-check' has no option '--port'");
    usage(["app-v1.ts", "--json=yes"], "option '--json' takes no value");

    const missingHub = runCli(["replay-check", "app-v1.ts", "--hub", "missing.db"], dir);
    assert.equal(missingHub.status, 2);
    assert.equal(
      missingHub.stderr,
      `taskhub replay-check: cannot read the task hub at ${join(dir, "missing.db")}: the file does not exist ` +
        "(a host creates it when it first starts: taskhub start).\n",
    );
    assert.ok(!readdirSync(dir).includes("missing.db"), "no hub is created");
    const missingApp = check("nope.ts");
    assert.equal(missingApp.status, 2);
    assert.equal(
      missingApp.stderr,
      `taskhub replay-check: App module ${join(dir, "nope.ts")} does not exist.\n`,
    );
    writeFileSync(join(dir, "broken.ts"), 'throw new Error("no config");\nexport default 1;\n');
    const broken = check("broken.ts");
    assert.equal(broken.status, 2);
    assert.match(
      broken.stderr,
      /^taskhub replay-check: App module .*broken\.ts failed to load: Error: no config/,
    );
    const memory = runCli(["replay-check", "app-v1.ts", "--hub", ":memory:"], dir);
    assert.equal(memory.status, 2);
    assert.match(memory.stderr, /an in-memory hub lives in one process only/);
  });

  it("documents itself in --help", () => {
    const help = runCli(["replay-check", "--help"], dir);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: taskhub replay-check <app module> \[options\]/);
    for (const option of ["--status", "--name", "--since", "--limit", "--json", "--hub", "--postgres"])
      assert.ok(help.stdout.includes(option), option);
    assert.match(runCli(["--help"], dir).stdout, /replay-check <app>/);
  });
});

describe("taskhub history export and replayHistories", () => {
  it("exports a history file that replayHistories replays against each version of the code", async () => {
    const histories = join(dir, "histories");
    mkdirSync(histories);
    for (const id of [SEEDED.waitingOrders[0], SEEDED.completedOrder, SEEDED.greeter]) {
      const result = runCli(["history", "export", id, "--hub", hubPath], dir);
      assert.equal(result.status, 0, result.stderr);
      writeFileSync(join(histories, `${id}.json`), result.stdout);
    }
    const file = JSON.parse(readFileSync(join(histories, "order-1.json"), "utf8")) as {
      format: string;
      instance: Record<string, unknown>;
      events: { type: string }[];
    };
    assert.equal(file.format, HISTORY_FILE_FORMAT);
    assert.equal(file.instance.instanceId, "order-1");
    assert.equal(file.instance.name, "OrderFlow");
    assert.equal(file.instance.status, "Running");
    assert.deepEqual(
      file.events.map((e) => e.type),
      [
        "OrchestratorStarted",
        "ExecutionStarted",
        "TaskScheduled",
        "OrchestratorCompleted",
        "OrchestratorStarted",
        "TaskCompleted",
        "OrchestratorCompleted",
      ],
    );

    const v1 = await importApp(apps.v1);
    const v2 = await importApp(apps.v2);
    const replayed = await replayHistories(v1, [histories]);
    assert.deepEqual(replayed.summary, {
      replayed: 3,
      diverged: 0,
      skipped: 0,
      skippedByReason: {},
      unknownOrchestrators: {},
    });
    assert.deepEqual(
      replayed.results.map((r) => r.source),
      ["order-1", "order-done", "greet-1"].map((id) => join(histories, `${id}.json`)).sort(),
    );

    const error = await replayHistories(v2, [histories]).then(
      () => assert.fail("version 2 diverges"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ReplayDivergenceError);
    assert.equal(
      error.message,
      "2 of 3 histories do not replay against the app's code (1 replayed, 2 diverged, 0 skipped):\n" +
        `  ${join(histories, "order-1.json")}: ${diverged("order-1")}\n` +
        `  ${join(histories, "order-done.json")}: ${diverged("order-done")}`,
    );
    const report = await replayHistories(v2, join(histories, "greet-1.json"));
    assert.equal(report.results[0]?.kind, "replayed");
    const values = await replayHistories(v2, [file as never], { throwOnDivergence: false });
    assert.equal(values.results[0]?.source, "histories[0]");
    assert.equal(values.results[0]?.kind, "diverged");
  });

  it("refuses what is not a history file, and an instance that does not exist", async () => {
    const v1 = await importApp(apps.v1);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ format: "taskhub-history/9", instance: {}, events: [] }));
    await assert.rejects(
      replayHistories(v1, bad),
      new HistoryFileError(
        `${bad} is in format "taskhub-history/9"; this version of Taskhub reads "taskhub-history/1".`,
      ),
    );
    writeFileSync(bad, "{ not json");
    await assert.rejects(replayHistories(v1, bad), (e: unknown) => e instanceof HistoryFileError);
    const missing = runCli(["history", "export", "nobody", "--hub", hubPath], dir);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, "");
    assert.equal(missing.stderr, `taskhub history: no instance 'nobody' in the task hub at ${hubPath}.\n`);
    const usage = runCli(["history", "export"], dir);
    assert.equal(usage.status, 2);
    assert.equal(
      usage.stderr,
      "taskhub: 'taskhub history export' needs the instance ID. See 'taskhub history --help'.\n",
    );
  });
});
