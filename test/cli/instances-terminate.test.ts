/**
 * `taskhub instances terminate` as a real child process on a SQLite hub file: recursive by default (the running
 * sub-orchestrations are terminated with their parent), `--no-recursive` terminates the parent alone, and both flags
 * at once are a usage error (exit 2) before the hub is read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, sqliteTaskHub } from "../../src/index.js";
import { removeTempDirs, runCli, tempDir } from "../support/cli-process.js";
import { eventually, MemoryLog } from "../support/test-host.js";

after(removeTempDirs);

function treeApp(): DurableApp {
  const app = new DurableApp();
  const child = app.orchestration("Child", async (ctx) => ctx.waitForExternalEvent<unknown>("go"));
  app.orchestration("Parent", async (ctx) =>
    ctx.callSubOrchestrator(child, undefined, { instanceId: `${ctx.instanceId}:child` }),
  );
  return app;
}

describe("taskhub instances terminate", () => {
  it("terminates the sub-orchestrations too unless told --no-recursive", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const hubFile = join(dir, "hub.db");
    const host = await treeApp().start({ taskHub: sqliteTaskHub(hubFile), logger: new MemoryLog() });
    const cli = (...args: string[]) => runCli(["instances", ...args, "--hub", hubFile], dir);
    try {
      for (const id of ["deep", "alone"]) await host.client.startNew("Parent", { instanceId: id });
      const running = async (id: string) => (await host.client.getStatus(id))?.runtimeStatus === "Running";
      await eventually(async () => (await running("deep:child")) && (await running("alone:child")), 30_000);

      const both = cli("terminate", "deep", "--recursive", "--no-recursive");
      assert.equal(both.status, 2, both.stderr);
      assert.match(both.stderr, /--recursive and --no-recursive cannot both be given/);

      const deep = cli("terminate", "deep", "--reason", "cancelled");
      assert.equal(deep.status, 0, deep.stderr);
      assert.match(deep.stdout, /deep to be terminated with its sub-orchestrations/);
      assert.equal((await host.client.waitForCompletion("deep:child")).runtimeStatus, "Terminated");

      const alone = cli("terminate", "alone", "--no-recursive");
      assert.equal(alone.status, 0, alone.stderr);
      assert.equal((await host.client.waitForCompletion("alone")).runtimeStatus, "Terminated");
      assert.equal((await host.client.getStatus("alone:child"))?.runtimeStatus, "Running");
    } finally {
      await host.stop();
    }
  });
});
