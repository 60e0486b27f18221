/**
 * End-to-end scenarios for instance management: list, purge, rewind, restart. Run against any task hub.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp, InstanceStateError, RetryPolicy, type WorkerOptions } from "../../src/index.js";
import { eventually, startHost, type HubFactory } from "./test-host.js";

/** Registers the management scenarios for one hub factory. */
export function describeManagement(
  label: string,
  makeHub: HubFactory,
  workerOptions: WorkerOptions = {},
): void {
  describe(`instance management (${label})`, () => {
    it("lists instances with filters and pages through all of them", async () => {
      const app = new DurableApp();
      const echo = app.orchestration("Echo", async (_ctx, n: number) => n);
      const wait = app.orchestration("Wait", async (ctx) => ctx.waitForExternalEvent("Go"));
      const host = await startHost(app, makeHub, workerOptions);
      try {
        for (let i = 0; i < 7; i++) await host.client.startNew(echo, { instanceId: `echo-${i}`, input: i });
        await host.client.startNew(wait, { instanceId: "waiting" });
        for (let i = 0; i < 7; i++) await host.client.waitForCompletion(`echo-${i}`);
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await host.client.listInstances({ pageSize: 3, continuationToken: token });
          seen.push(...page.instances.map((s) => s.instanceId));
          token = page.continuationToken;
        } while (token);
        assert.deepEqual(
          [...seen].sort(),
          [...Array.from({ length: 7 }, (_, i) => `echo-${i}`), "waiting"].sort(),
        );
        const completed = await host.client.listInstances({
          runtimeStatus: ["Completed"],
          instanceIdPrefix: "echo-",
        });
        assert.equal(completed.instances.length, 7);
        const running = await host.client.listInstances({ runtimeStatus: ["Running", "Pending"] });
        assert.deepEqual(
          running.instances.map((s) => s.instanceId),
          ["waiting"],
        );
        const future = await host.client.listInstances({ createdTimeFrom: new Date(Date.now() + 60_000) });
        assert.equal(future.instances.length, 0);
      } finally {
        await host.stop();
      }
    });

    it("purges finished instances (one, and by filter) and never active ones", async () => {
      const app = new DurableApp();
      const child = app.orchestration("PurgeChild", async () => "child");
      const parent = app.orchestration("PurgeParent", async (ctx) =>
        ctx.callSubOrchestrator(child, undefined),
      );
      const wait = app.orchestration("PurgeWait", async (ctx) => ctx.waitForExternalEvent("Go"));
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const from = new Date(Date.now() - 1000);
        await host.client.startNew(parent, { instanceId: "p1" });
        await host.client.startNew(parent, { instanceId: "p2" });
        await host.client.startNew(wait, { instanceId: "active" });
        await host.client.waitForCompletion("p1");
        await host.client.waitForCompletion("p2");
        await assert.rejects(host.client.purgeInstanceHistory("active"), InstanceStateError);
        assert.deepEqual(
          await host.client.purgeInstanceHistory("p1"),
          { instancesDeleted: 2 },
          "with its child",
        );
        assert.equal(await host.client.getStatus("p1"), undefined);
        assert.equal(await host.client.getStatus("p1:0000"), undefined, "sub-orchestration purged too");
        assert.deepEqual(await host.client.purgeInstanceHistory("p1"), { instancesDeleted: 0 });
        const result = await host.client.purgeInstanceHistoryBy({ createdTimeFrom: from });
        assert.equal(result.instancesDeleted, 2, "p2 and its child");
        assert.equal(
          (await host.client.getStatus("active"))?.runtimeStatus,
          "Running",
          "active instance untouched",
        );
      } finally {
        await host.stop();
      }
    });

    it("rewinds a failed instance, re-running only the failed activity", async () => {
      const app = new DurableApp();
      const calls: string[] = [];
      let broken = true;
      const step = app.activity("RewindStep", (name: string) => {
        calls.push(name);
        if (name === "b" && broken) throw new Error("b is broken");
        return name.toUpperCase();
      });
      const orch = app.orchestration("RewindMe", async (ctx) => {
        const first = await ctx.callActivity(step, "first");
        const parallel = await Promise.all(["a", "b", "c"].map((n) => ctx.callActivity(step, n)));
        const last = await ctx.callActivity(step, "last");
        return [first, ...parallel, last].join("");
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(orch);
        const failed = await host.client.waitForCompletion(id);
        assert.equal(failed.runtimeStatus, "Failed");
        await assert.rejects(host.client.rewind("nope"), /No orchestration instance/);
        broken = false;
        await host.client.rewind(id, "fixed b");
        assert.equal(
          (await host.client.getStatus(id))?.runtimeStatus,
          "Pending",
          "rewound: not Failed any more",
        );
        const status = await host.client.waitForCompletion(id);
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal(status.output, "FIRSTABCLAST");
        assert.deepEqual(
          [...calls].sort(),
          ["a", "b", "b", "c", "first", "last"].sort(),
          "successful results are reused; only b ran again",
        );
        await assert.rejects(host.client.rewind(id), InstanceStateError);
      } finally {
        await host.stop();
      }
    });

    it("rewinds through a failed sub-orchestration and a retried activity", async () => {
      const app = new DurableApp();
      let broken = true;
      let runs = 0;
      const flaky = app.activity("RewindFlaky", () => {
        runs++;
        if (broken) throw new Error("still broken");
        return "ok";
      });
      const child = app.orchestration("RewindChild", async (ctx) =>
        ctx.callActivity(flaky, undefined, {
          retry: new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 2 }),
        }),
      );
      const parent = app.orchestration(
        "RewindParent",
        async (ctx) => `parent got ${await ctx.callSubOrchestrator(child, undefined)}`,
      );
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(parent);
        assert.equal((await host.client.waitForCompletion(id)).runtimeStatus, "Failed");
        assert.equal(runs, 2);
        broken = false;
        await host.client.rewind(id);
        assert.equal(
          (await host.client.getStatus(id))?.runtimeStatus,
          "Pending",
          "rewound: not Failed any more",
        );
        const status = await host.client.waitForCompletion(id);
        assert.equal(status.output, "parent got ok", JSON.stringify(status.failureDetails));
        assert.equal(runs, 3);
      } finally {
        await host.stop();
      }
    });

    it("terminates a parent with its running sub-orchestrations at every depth (recursive by default)", async () => {
      const app = new DurableApp();
      const quick = app.orchestration("TreeQuick", async () => "quick");
      const leaf = app.orchestration("TreeLeaf", async (ctx) => ctx.waitForExternalEvent("Never"));
      const mid = app.orchestration("TreeMid", async (ctx) =>
        ctx.callSubOrchestrator(leaf, undefined, { instanceId: "tree-leaf" }),
      );
      const root = app.orchestration("TreeRoot", async (ctx) => {
        await ctx.callSubOrchestrator(quick, undefined, { instanceId: "tree-quick" });
        return ctx.callSubOrchestrator(mid, undefined, { instanceId: "tree-mid" });
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        await host.client.startNew(root, { instanceId: "tree-root" });
        await eventually(async () => (await host.client.getStatus("tree-leaf"))?.runtimeStatus === "Running");
        await host.client.terminate("tree-root", "tree cut");
        for (const id of ["tree-root", "tree-mid", "tree-leaf"]) {
          const status = await host.client.waitForCompletion(id);
          assert.equal(status.runtimeStatus, "Terminated", id);
          assert.equal(status.output, "tree cut", id);
        }
        assert.equal(
          (await host.client.getStatus("tree-quick"))?.runtimeStatus,
          "Completed",
          "finished: kept",
        );
        assert.deepEqual(await host.client.purgeInstanceHistory("tree-root"), { instancesDeleted: 4 });
      } finally {
        await host.stop();
      }
    });

    it("terminate with recursive: false leaves the sub-orchestrations running", async () => {
      const app = new DurableApp();
      const child = app.orchestration("FlatChild", async (ctx) => ctx.waitForExternalEvent<string>("Go"));
      const parent = app.orchestration("FlatParent", async (ctx) =>
        ctx.callSubOrchestrator(child, undefined, { instanceId: "flat-child" }),
      );
      const host = await startHost(app, makeHub, workerOptions);
      try {
        await host.client.startNew(parent, { instanceId: "flat-parent" });
        await eventually(
          async () => (await host.client.getStatus("flat-child"))?.runtimeStatus === "Running",
        );
        await host.client.terminate("flat-parent", { reason: "only the parent", recursive: false });
        assert.equal((await host.client.waitForCompletion("flat-parent")).runtimeStatus, "Terminated");
        assert.equal((await host.client.getStatus("flat-child"))?.runtimeStatus, "Running");
        await host.client.raiseEvent("flat-child", "Go", "still alive");
        const status = await host.client.waitForCompletion("flat-child");
        assert.equal(status.runtimeStatus, "Completed");
        assert.equal(status.output, "still alive");
      } finally {
        await host.stop();
      }
    });

    it("waitForExternalEvent with a timeout: the event first, the default, and a late event kept", async () => {
      const app = new DurableApp();
      const first = app.orchestration("EventFirst", async (ctx) =>
        ctx.waitForExternalEvent<string>("Go", { timeoutMs: 600_000 }),
      );
      const late = app.orchestration("EventLate", async (ctx) => {
        const a = await ctx.waitForExternalEvent<string>("Go", { timeoutMs: 50, defaultValue: "default" });
        ctx.setCustomStatus("timed out");
        const b = await ctx.waitForExternalEvent<string>("Go");
        return [a, b];
      });
      const failing = app.orchestration("EventNone", async (ctx) =>
        ctx.waitForExternalEvent<string>("Go", { timeoutMs: 50 }),
      );
      const host = await startHost(app, makeHub, workerOptions);
      try {
        await host.client.startNew(first, { instanceId: "event-first" });
        await host.client.startNew(failing, { instanceId: "event-none" });
        await eventually(
          async () => (await host.client.getStatus("event-first"))?.runtimeStatus === "Running",
        );
        await host.client.raiseEvent("event-first", "go", "early");
        const won = await host.client.waitForCompletion("event-first");
        assert.equal(won.output, "early");
        const failed = await host.client.waitForCompletion("event-none");
        assert.equal(failed.runtimeStatus, "Failed");
        assert.equal(failed.failureDetails?.errorType, "TimeoutError");
        await host.client.startNew(late, { instanceId: "event-late" });
        await eventually(
          async () => (await host.client.getStatus("event-late"))?.customStatus === "timed out",
        );
        await host.client.raiseEvent("event-late", "Go", "late");
        assert.deepEqual((await host.client.waitForCompletion("event-late")).output, ["default", "late"]);
      } finally {
        await host.stop();
      }
    });

    it("restarts an instance with the same input under a new or the same ID", async () => {
      const app = new DurableApp();
      let n = 0;
      const count = app.activity("RestartCount", () => ++n);
      const orch = app.orchestration(
        "Restartable",
        async (ctx, input: string) => `${input}#${await ctx.callActivity(count, undefined)}`,
      );
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(orch, { instanceId: "restart-me", input: "x" });
        assert.equal((await host.client.waitForCompletion(id)).output, "x#1");
        const newId = await host.client.restart(id);
        assert.notEqual(newId, id);
        assert.equal((await host.client.waitForCompletion(newId)).output, "x#2");
        const sameId = await host.client.restart(id, { restartWithNewInstanceId: false });
        assert.equal(sameId, id);
        assert.notEqual((await host.client.getStatus(id))?.output, "x#2", "the old run is gone at once");
        assert.equal((await host.client.waitForCompletion(id)).output, "x#3");
      } finally {
        await host.stop();
      }
    });
  });
}
