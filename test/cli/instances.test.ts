/**
 * `taskhub instances` as a child process on a real SQLite hub file and a real PostgreSQL schema, with a host of the
 * test's app running on the same hub (it carries out what the CLI writes): list with every filter, tables and JSON,
 * paging; show with failure and history; raise, suspend, resume, terminate, rewind, restart; purge one instance and
 * purge by filter with a count. Exit codes: 0 done, 1 failed operation (one line), 2 wrong command line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, type TaskHub } from "../../src/index.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";
import { eventually, MemoryLog } from "../support/test-host.js";
import {
  config as pgConfig,
  dropCreatedSchemas,
  requirePostgres,
  testHub,
  uniqueHubName,
} from "../task-hub/postgres-support.js";

after(removeTempDirs);
after(dropCreatedSchemas);

class Flaky extends Error {
  override readonly name = "Flaky";
}

function opsApp(): DurableApp {
  const app = new DurableApp();
  let failures = 0;
  app.activity("FailOnce", async () => {
    if (failures++ === 0) throw new Flaky("first attempt fails");
    return "second attempt";
  });
  app.orchestration("Echo", async (_ctx, value: string) => value);
  app.orchestration("Wait", async (ctx) => ctx.waitForExternalEvent<unknown>("go"));
  app.orchestration("Flaky", async (ctx) => ctx.callActivity("FailOnce"));
  return app;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI scenario on `hub` (opened by the test's host), the CLI reaching it through `hubArgs`. */
async function scenario(hub: TaskHub, hubArgs: readonly string[]): Promise<void> {
  const dir = tempDir();
  const host = await opsApp().start({ taskHub: hub, logger: new MemoryLog() });
  const { client } = host;
  const cli = (...args: string[]): Run => {
    const r = runCli(["instances", ...args, ...hubArgs], dir);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (...args: string[]): Run => {
    const r = cli(...args);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    return r;
  };
  const fails = (code: 1 | 2, args: string[], message: RegExp) => {
    const r = cli(...args);
    assert.equal(r.status, code, `${args.join(" ")}: exit ${r.status}, ${r.stderr}`);
    const lines = r.stderr.split("\n");
    assert.equal(lines.length, 2, `one line: ${r.stderr}`);
    assert.match(lines[0]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack");
  };
  const statusOf = async (id: string) => (await client.getStatus(id))?.runtimeStatus;
  try {
    for (let i = 0; i < 4; i++)
      await client.startNew("Echo", {
        instanceId: `echo-${i}`,
        input: `e${i}`,
        tags: { tenant: i < 2 ? "acme" : "globex" },
        ...(i === 3 ? { version: "2.0" } : {}),
      });
    for (let i = 0; i < 3; i++) await client.startNew("Wait", { instanceId: `wait-${i}` });
    await client.startNew("Flaky", { instanceId: "flaky-0" });
    for (let i = 0; i < 4; i++) await client.waitForCompletion(`echo-${i}`);
    assert.equal((await client.waitForCompletion("flaky-0")).runtimeStatus, "Failed");
    for (let i = 0; i < 3; i++) await eventually(async () => (await statusOf(`wait-${i}`)) === "Running");

    // list: filters, JSON, table, paging.
    const ids = (r: Run) =>
      (JSON.parse(r.stdout) as { instances: { instanceId: string }[] }).instances
        .map((s) => s.instanceId)
        .sort();
    assert.deepEqual(ids(ok("list", "--json", "--tag", "tenant=acme")), ["echo-0", "echo-1"]);
    assert.deepEqual(ids(ok("list", "--json", "--tag", "tenant=globex", "--version", "2.0")), ["echo-3"]);
    assert.deepEqual(ids(ok("list", "--json", "--name", "Wait", "--status", "Running")), [
      "wait-0",
      "wait-1",
      "wait-2",
    ]);
    assert.deepEqual(ids(ok("list", "--json", "--prefix", "echo-", "--status", "completed,failed")), [
      "echo-0",
      "echo-1",
      "echo-2",
      "echo-3",
    ]);
    assert.deepEqual(
      ids(ok("list", "--json", "--created-from", "2000-01-01", "--created-to", "2001-01-01")),
      [],
    );
    const table = ok("list", "--name", "Echo", "--tag", "tenant=acme");
    assert.match(table.stdout, /^INSTANCE ID +NAME +STATUS +CREATED +LAST UPDATED +TAGS\n/);
    assert.match(table.stdout, /\necho-0 +Echo +Completed +\S+ +\S+ +tenant=acme\n/);
    assert.equal(table.stdout.trim().split("\n").length, 3);
    const page = ok("list", "--page-size", "3");
    assert.equal(page.stdout.trim().split("\n").length, 4, "one page of 3, with its header");
    const hint = /--continuation-token '([^']+)'/.exec(page.stderr);
    assert.ok(hint, `a hint with the next page's token: ${page.stderr}`);
    const next = ok("list", "--page-size", "3", "--continuation-token", hint[1]!, "--json");
    assert.equal(ids(next).length, 3);
    const all = ok("list", "--all", "--page-size", "3", "--json");
    assert.equal(ids(all).length, 8, "every page");
    assert.equal("continuationToken" in JSON.parse(all.stdout), false);
    const allTable = ok("list", "--all", "--page-size", "3");
    assert.equal(allTable.stdout.trim().split("\n").length, 9, "one header, eight rows");
    assert.equal(allTable.stderr, "");
    assert.match(ok("list", "--tag", "tenant=nobody").stdout, /No instances match/);

    // show: status, failure, history.
    const shown = ok("show", "echo-0");
    assert.match(shown.stdout, /^Instance: +echo-0$/m);
    assert.match(shown.stdout, /^Status: +Completed$/m);
    assert.match(shown.stdout, /^Tags: +tenant=acme$/m);
    assert.match(shown.stdout, /^Output: +"e0"$/m);
    assert.match(ok("show", "flaky-0").stdout, /^Failure: +.*Flaky: first attempt fails/m);
    const history = ok("show", "echo-0", "--history");
    assert.match(
      history.stdout,
      /History:\n# +TIME +EVENT +DETAILS\n0 +\S+ +OrchestratorStarted\n1 +\S+ +ExecutionStarted +Echo +input "e0"/,
    );
    assert.match(history.stdout, /ExecutionCompleted +result "e0" +Completed/);
    const json = JSON.parse(ok("show", "echo-3", "--json").stdout) as Record<string, unknown>;
    assert.equal(json.runtimeStatus, "Completed");
    assert.equal(json.version, "2.0");
    assert.deepEqual(json.tags, { tenant: "globex" });
    fails(1, ["show", "nobody"], /^taskhub instances show: no instance 'nobody'\.$/);

    // raise, suspend, resume, terminate.
    ok("raise", "wait-0", "go", '{"ok":true}');
    assert.deepEqual((await client.waitForCompletion("wait-0")).output, { ok: true });
    fails(2, ["raise", "wait-1", "go", "{not json"], /the event data must be JSON/);
    fails(1, ["raise", "nobody", "go"], /nobody/);
    ok("suspend", "wait-1", "--reason", "maintenance");
    await eventually(async () => (await statusOf("wait-1")) === "Suspended");
    ok("resume", "wait-1");
    await eventually(async () => (await statusOf("wait-1")) === "Running");
    ok("terminate", "wait-1", "--reason", "no longer needed");
    const terminated = await client.waitForCompletion("wait-1");
    assert.equal(terminated.runtimeStatus, "Terminated");
    fails(1, ["terminate", "wait-1"], /^taskhub instances terminate: .*wait-1.*Terminated/);

    // rewind, restart.
    fails(1, ["rewind", "echo-0"], /only Failed instances can be rewound/);
    ok("rewind", "flaky-0");
    await eventually(async () => (await statusOf("flaky-0")) === "Completed");
    const restarted = /Restarted echo-0 as (\S+)\./.exec(ok("restart", "echo-0").stdout)?.[1];
    assert.ok(restarted !== undefined && restarted !== "echo-0");
    const again = await client.waitForCompletion(restarted);
    assert.deepEqual([again.output, again.tags], ["e0", { tenant: "acme" }]);
    assert.match(ok("restart", "echo-1", "--same-id").stdout, /Restarted echo-1 as echo-1\./);
    await eventually(async () => (await statusOf("echo-1")) === "Completed");

    // purge one, purge by filter.
    fails(1, ["purge", "wait-2"], /^taskhub instances purge: .*wait-2.*Running/);
    fails(1, ["purge", "nobody"], /no instance 'nobody'/);
    assert.match(ok("purge", "echo-2").stdout, /^Purged 1 instance\.$/m);
    assert.equal(await client.getStatus("echo-2"), undefined);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const bulk = ok("purge", "--status", "Completed", "--created-before", future, "--tag", "tenant=acme");
    assert.match(bulk.stdout, /^Purged 3 instances\.$/m, "echo-0, echo-1 and the restart");
    assert.match(bulk.stderr, /purged 3 instances/);
    const left = ids(ok("list", "--json", "--all"));
    assert.deepEqual(left, ["echo-3", "flaky-0", "wait-0", "wait-1", "wait-2"]);
    assert.match(ok("purge", "--status", "Completed,Terminated").stdout, /^Purged 4 instances\.$/m);
    assert.deepEqual(ids(ok("list", "--json")), ["wait-2"], "the running one stays");
  } finally {
    await host.stop();
  }
}

describe("taskhub instances", () => {
  it("operates on a SQLite hub", async () => {
    const dir = tempDir();
    const path = join(dir, "hub.db");
    await scenario(sqliteTaskHub(path), ["--hub", path]);
  });

  it("operates on a PostgreSQL hub", async () => {
    await requirePostgres();
    const hubName = uniqueHubName("instances");
    const url = pgConfig.connectionString ?? "postgres://postgres@127.0.0.1:5432/test";
    await scenario(testHub(hubName), ["--postgres", url, "--hub-name", hubName]);
  });

  it("refuses a wrong command line with exit code 2 and one line, before reading the hub", () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [[], /'taskhub instances' needs an action: list, show/],
      [["destroy"], /unknown action 'destroy'/],
      [["list", "extra"], /unexpected argument 'extra'/],
      [["list", "--status", "Done"], /unknown status 'Done' in --status/],
      [["list", "--tag", "tenant"], /--tag must be KEY=VALUE, got 'tenant'/],
      [["list", "--created-from", "yesterday"], /--created-from must be an ISO date/],
      [["list", "--page-size", "0"], /--page-size must be an integer from 1 to 1000/],
      [["list", "--reason", "x"], /'taskhub instances list' has no option '--reason'/],
      [["show"], /'taskhub instances show' needs the instance ID/],
      [["raise", "id"], /needs the instance ID and the event name/],
      [["terminate", "a", "b"], /unexpected argument 'b'/],
      [["purge"], /needs an instance ID or filters/],
      [["purge", "--status", "Running"], /only finished instances are purged; --status has Running/],
      [["purge", "id", "--status", "Completed"], /not both/],
      [["list", "--version"], /option '--version' needs a value/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(["instances", ...args, "--hub", join(dir, "none.db")], dir);
      assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stdout, "");
      const lines = result.stderr.split("\n");
      assert.equal(lines.length, 2, result.stderr);
      assert.match(lines[0]!, /^taskhub: .*\. See 'taskhub instances --help'\.$/);
      assert.match(lines[0]!, message);
    }
    const missing = runCli(["instances", "list", "--hub", join(dir, "none.db")], dir);
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      /^taskhub instances list: cannot read the task hub at .*the file does not exist/,
    );
    const help = runCli(["instances", "--help"], dir);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: taskhub instances <action>/);
  });
});
