/**
 * `waitForCompletion` right after `rewind` or `restart` waits for the new run, also from a client on another
 * connection to the hub file (as another process would be: no in-process notices), never returning the old status.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, DurableClient, sqliteTaskHub } from "../../src/index.js";
import { startHost } from "../support/test-host.js";

describe("waitForCompletion after rewind and restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-rewind-wait-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("waits for the rewound and the restarted run from a client on another connection", async () => {
    const path = join(dir, "hub.db");
    const app = new DurableApp();
    let broken = true;
    let runs = 0;
    const step = app.activity("Step", () => {
      runs++;
      if (broken) throw new Error("broken");
      return runs;
    });
    const orch = app.orchestration("Fragile", async (ctx) => ctx.callActivity(step, undefined));
    const host = await startHost(app, async () => sqliteTaskHub(path));
    const other = sqliteTaskHub(path);
    await other.init();
    const client = new DurableClient(other);
    try {
      await host.client.startNew(orch, { instanceId: "fragile" });
      assert.equal((await client.waitForCompletion("fragile")).runtimeStatus, "Failed");
      broken = false;
      await client.rewind("fragile");
      const pending = await client.getStatus("fragile");
      assert.equal(pending?.runtimeStatus, "Pending");
      assert.equal(pending?.failureDetails, undefined, "the old failure is not shown for the new run");
      const rewound = await client.waitForCompletion("fragile");
      assert.deepEqual([rewound.runtimeStatus, rewound.output], ["Completed", 2]);
      assert.equal(await client.restart("fragile", { restartWithNewInstanceId: false }), "fragile");
      const restarted = await client.waitForCompletion("fragile");
      assert.deepEqual([restarted.runtimeStatus, restarted.output], ["Completed", 3]);
    } finally {
      await other.close();
      await host.stop();
    }
  });

  it("keeps an event raised between the rewind and the rewound run's first step", async () => {
    const path = join(dir, "events.db");
    const app = new DurableApp();
    let broken = true;
    const step = app.activity("Step", () => {
      if (broken) throw new Error("broken");
      return "stepped";
    });
    const orch = app.orchestration("StepThenWait", async (ctx) => {
      const stepped = await ctx.callActivity(step, undefined);
      const go = await ctx.waitForExternalEvent<string>("Go");
      return `${stepped}, ${go}`;
    });
    const first = await startHost(app, async () => sqliteTaskHub(path));
    try {
      await first.client.startNew(orch, { instanceId: "waits" });
      assert.equal((await first.client.waitForCompletion("waits")).runtimeStatus, "Failed");
    } finally {
      await first.stop();
    }
    // No worker runs while the rewind and the event arrive: both wait in the inbox for the same step.
    const offline = sqliteTaskHub(path);
    await offline.init();
    const client = new DurableClient(offline);
    try {
      await client.rewind("waits");
      await client.raiseEvent("waits", "Go", "went");
    } finally {
      await offline.close();
    }
    broken = false;
    const second = await startHost(app, async () => sqliteTaskHub(path));
    try {
      const done = await second.client.waitForCompletion("waits", { timeoutMs: 30_000 });
      assert.deepEqual([done.runtimeStatus, done.output], ["Completed", "stepped, went"]);
    } finally {
      await second.stop();
    }
  });
});
