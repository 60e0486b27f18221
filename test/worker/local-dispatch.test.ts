/**
 * Local dispatch end to end: with a worker in the process, a started instance runs its first step in it (committed
 * with the instance's creation), the activities its steps schedule run in it, and their results bring the instance
 * back to it, all without a claim; on the SQLite and PostgreSQL hubs. A client without a local worker still has its starts claimed by the hub's workers.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { DurableApp, sqliteTaskHub, type TaskHub } from "../../src/index.js";
import { dropCreatedSchemas, testHub } from "../task-hub/postgres-support.js";

after(dropCreatedSchemas);

/**
 * Wraps `hub`, counting the work items that claims (not dispatch) hand out, instance creations, activity commits
 * and instance reads.
 */
function countingClaims(hub: TaskHub): {
  hub: TaskHub;
  claimed: { orchestrations: number; activities: number };
  creates: { count: number; activityCommits: number; reads: number };
} {
  const claimed = { orchestrations: 0, activities: 0 };
  const creates = { count: 0, activityCommits: 0, reads: 0 };
  const counting = new Proxy(hub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "lockOrchestrationWorkItems" || prop === "lockActivityWorkItems")
        return async (...args: unknown[]) => {
          const items = (await (value as (...a: unknown[]) => Promise<unknown[]>).apply(target, args)) ?? [];
          if (prop === "lockOrchestrationWorkItems") claimed.orchestrations += items.length;
          else claimed.activities += items.length;
          return items;
        };
      // Calls are counted, not look-ups (the worker looks the fast paths up once, when it is constructed).
      return (...args: unknown[]) => {
        if (prop === "createInstance" || prop === "createAndDispatch") creates.count++;
        if (prop === "completeActivityWorkItems" || prop === "completeActivitiesAndDispatch")
          creates.activityCommits++;
        if (prop === "getInstance") creates.reads++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { hub: counting, claimed, creates };
}

function app() {
  const durable = new DurableApp();
  const add = durable.activity("Add", (n: number) => n + 1);
  const chain = durable.orchestration("Chain", async (ctx, n: number) => {
    let value = n;
    for (let i = 0; i < 3; i++) value = await ctx.callActivity(add, value);
    return value;
  });
  return { durable, chain };
}

const backends: [string, () => TaskHub][] = [
  ["SQLite", () => sqliteTaskHub(":memory:")],
  ["PostgreSQL", () => testHub()],
];

for (const [label, make] of backends)
  describe(`local dispatch: ${label}`, () => {
    it("runs a started sequence in the starting worker without a single claim", async () => {
      const { durable, chain } = app();
      const { hub, claimed, creates } = countingClaims(make());
      const host = await durable.start({ taskHub: hub, logger: { ...console, debug() {}, info() {} } });
      try {
        for (let i = 0; i < 5; i++) {
          const id = await host.client.startNew(chain, { input: i });
          const reads = creates.reads;
          const waiting = host.client.waitForCompletion(id); // a first read would have been sent by now
          assert.equal(creates.reads, reads, "no first read: the instance is held here, its finish a notice");
          const status = await waiting;
          assert.equal(status.runtimeStatus, "Completed");
          assert.equal(status.output, i + 3);
        }
        assert.deepEqual(claimed, { orchestrations: 0, activities: 0 }, "everything was dispatched locally");
        assert.equal(creates.count, 0, "each first step was committed with its instance's creation");
        assert.equal(creates.activityCommits, 0, "each activity's result was committed with the next step");
      } finally {
        await host.stop();
      }
    });

    it("starting an ID in use falls back: a finished instance is replaced, an active one refused", async () => {
      const { durable, chain } = app();
      const gate = durable.orchestration("Gate", async (ctx) => ctx.waitForExternalEvent<number>("go"));
      const { hub, creates } = countingClaims(make());
      const host = await durable.start({ taskHub: hub, logger: { ...console, debug() {}, info() {} } });
      try {
        const { client } = host;
        await client.waitForCompletion(await client.startNew(chain, { instanceId: "again", input: 1 }));
        const before = creates.count;
        await client.startNew(chain, { instanceId: "again", input: 10 });
        assert.equal(creates.count, before + 1, "the ID was in use: created the usual way");
        assert.equal(
          (await client.waitForCompletion("again")).output,
          13,
          "the finished instance was replaced",
        );

        await client.startNew(gate, { instanceId: "busy" });
        await assert.rejects(client.startNew(chain, { instanceId: "busy" }), {
          name: "InstanceAlreadyExistsError",
        });
        await client.raiseEvent("busy", "go", 7);
        const status = await client.waitForCompletion("busy");
        assert.equal(status.name, "Gate", "the active instance was not touched");
        assert.equal(status.output, 7);
      } finally {
        await host.stop();
      }
    });

    it("without a local worker, starts are claimed by the hub's workers as before", async () => {
      const { durable, chain } = app();
      const { hub, claimed } = countingClaims(make());
      const host = await durable.start({ taskHub: hub, logger: { ...console, debug() {}, info() {} } });
      try {
        const client = durable.createClient(hub); // no local worker: a plain client
        const status = await client.waitForCompletion(await client.startNew(chain, { input: 1 }));
        assert.equal(status.output, 4);
        assert.equal(claimed.orchestrations, 1, "the start was claimed once; the rest was dispatched");
        assert.equal(claimed.activities, 0);
      } finally {
        await host.stop();
      }
    });

    it("a wait that skipped its read for a held instance still ends when the hold runs out", async () => {
      const durable = new DurableApp();
      const slow = durable.activity("Slow", async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return n * 2;
      });
      const twice = durable.orchestration("Twice", async (ctx, n: number) => ctx.callActivity(slow, n));
      const { hub, creates } = countingClaims(make());
      const host = await durable.start({
        taskHub: hub,
        activityHoldMs: 50,
        logger: { ...console, debug() {}, info() {} },
      });
      try {
        const id = await host.client.startNew(twice, { input: 21 });
        assert.equal(host.worker.holdsLease(id), true, "held for its activity");
        const status = await host.client.waitForCompletion(id, { timeoutMs: 5000 });
        assert.equal(status.output, 42);
        assert.equal(host.worker.holdsLease(id), false);
        await assert.rejects(host.client.waitForCompletion("no-such-instance"), {
          name: "InstanceNotFoundError",
        });
      } finally {
        await host.stop();
      }
      assert.equal(creates.activityCommits, 1, "the hold ran out: the result was committed the usual way");
    });

    it("holds an instance for its running activity no longer than activityHoldMs", async () => {
      const durable = new DurableApp();
      const slow = durable.activity("Slow", async () => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        return "slow";
      });
      const race = durable.orchestration("Race", async (ctx) => {
        const work = ctx.callActivity(slow, undefined);
        const event = ctx.waitForExternalEvent<string>("go");
        const winner = await ctx.whenAny([work, event]);
        return winner === event ? await event : "activity";
      });
      const { hub, creates } = countingClaims(make());
      const host = await durable.start({
        taskHub: hub,
        activityHoldMs: 100,
        logger: { ...console, debug() {}, info() {} },
      });
      try {
        const id = await host.client.startNew(race);
        const started = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 200)); // past the hold: the lease is released
        await host.client.raiseEvent(id, "go", "event");
        const status = await host.client.waitForCompletion(id, { timeoutMs: 5000 });
        assert.equal(status.output, "event", "the event was handled while the activity still ran");
        assert.ok(Date.now() - started < 700, `finished before the activity (${Date.now() - started} ms)`);
      } finally {
        await host.stop();
      }
      assert.equal(creates.activityCommits, 1, "the late result was committed the usual way");
    });
  });
