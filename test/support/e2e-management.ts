/**
 * End-to-end scenarios for instance management: list, purge, rewind, restart. Run against any task hub.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DurableApp,
  InstanceStateError,
  RetryPolicy,
  type DurableClient,
  type OrchestrationStatus,
  type WorkerOptions,
} from "../../src/index.js";
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
        const status = await waitAfterRewind(host.client, id);
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
        const status = await waitAfterRewind(host.client, id);
        assert.equal(status.output, "parent got ok", JSON.stringify(status.failureDetails));
        assert.equal(runs, 3);
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
        assert.equal((await host.client.waitForCompletion(id)).output, "x#3");
      } finally {
        await host.stop();
      }
    });
  });
}

/** Waits for the rewound instance to leave Failed, then for it to finish. */
async function waitAfterRewind(client: DurableClient, id: string): Promise<OrchestrationStatus> {
  await eventually(async () => (await client.getStatus(id))?.runtimeStatus !== "Failed");
  return client.waitForCompletion(id);
}
