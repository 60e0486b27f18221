/**
 * Worker behaviour: concurrency limits, graceful shutdown (finish or release), the session cache's bounds, and
 * non-determinism detected across a code change between two workers on one hub file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DurableApp, TimeoutError, sqliteTaskHub } from "../../src/index.js";
import { OrchestrationSession } from "../../src/orchestration/orchestration-session.js";
import { SessionCache } from "../../src/worker/session-cache.js";
import { eventually, sleep, startHost } from "../support/test-host.js";
import { statsOf } from "../../src/task-hub/health.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-worker-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("worker", () => {
  it("never runs more activities at once than maxConcurrentActivities", async () => {
    const app = new DurableApp();
    let running = 0;
    let peak = 0;
    const slow = app.activity("Slow", async () => {
      peak = Math.max(peak, ++running);
      await sleep(20);
      running--;
    });
    const fan = app.orchestration("Fan", async (ctx) =>
      Promise.all(Array.from({ length: 12 }, () => ctx.callActivity(slow, undefined))),
    );
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"), { maxConcurrentActivities: 3 });
    try {
      const status = await host.client.waitForCompletion(await host.client.startNew(fan));
      assert.equal(status.runtimeStatus, "Completed");
      assert.equal(peak, 3);
    } finally {
      await host.stop();
    }
  });

  it("stop() lets an in-flight activity finish and commit", async () => {
    const app = new DurableApp();
    let started = false;
    const slow = app.activity("SlowCommit", async () => {
      started = true;
      await sleep(300);
      return "finished";
    });
    const orch = app.orchestration("StopsGracefully", async (ctx) => ctx.callActivity(slow, undefined));
    const file = join(dir, "graceful.db");
    const host = await startHost(app, async () => sqliteTaskHub(file));
    const id = await host.client.startNew(orch);
    await eventually(async () => started);
    await host.worker.stop();
    // The activity's result was committed before stop() returned: a new worker only runs the final episode.
    const history = await host.taskHub.getHistory(id);
    const inbox = await statsOf(host.taskHub);
    assert.equal(inbox.activityQueueDepth, 0, "the activity message was completed");
    assert.ok(history.some((e) => e.type === "TaskScheduled"));
    await host.stop();
    const host2 = await startHost(app, async () => sqliteTaskHub(file));
    try {
      assert.equal((await host2.client.waitForCompletion(id)).output, "finished");
    } finally {
      await host2.stop();
    }
  });

  it("stop() releases work that does not finish in time, so another worker takes it at once", async () => {
    const app = new DurableApp();
    const deliveries: number[] = [];
    const stuck = app.activity("Stuck", async (_: unknown, ctx) => {
      deliveries.push(ctx.deliveryCount);
      if (deliveries.length === 1)
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      return `run ${deliveries.length}, delivery ${ctx.deliveryCount}`;
    });
    const orch = app.orchestration("Released", async (ctx) => ctx.callActivity(stuck, undefined));
    const file = join(dir, "release.db");
    const host = await startHost(app, async () => sqliteTaskHub(file), {
      shutdownTimeoutMs: 200,
      leaseMs: 60_000,
    });
    const id = await host.client.startNew(orch);
    await eventually(async () => deliveries.length === 1);
    await host.stop();
    const host2 = await startHost(app, async () => sqliteTaskHub(file), { leaseMs: 60_000 });
    try {
      const started = Date.now();
      const status = await host2.client.waitForCompletion(id, { timeoutMs: 10_000 });
      // Released by a live worker at shutdown: the delivery was given back, it was no crash.
      assert.equal(status.output, "run 2, delivery 1");
      assert.ok(Date.now() - started < 5000, "taken over without waiting for the 60 s lease");
    } finally {
      await host2.stop();
    }
  });

  it("waitForCompletion times out with a clear TimeoutError", async () => {
    const app = new DurableApp();
    const orch = app.orchestration("Forever", async (ctx) => ctx.waitForExternalEvent("Never"));
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      const id = await host.client.startNew(orch);
      await assert.rejects(host.client.waitForCompletion(id, { timeoutMs: 100 }), (error: unknown) => {
        assert.ok(error instanceof TimeoutError);
        assert.match(error.message, /did not finish within 100 ms/);
        return true;
      });
    } finally {
      await host.stop();
    }
  });

  it("fails an instance with NonDeterminismError when redeployed code calls something else", async () => {
    const file = join(dir, "nde.db");
    const v1 = new DurableApp();
    const a = v1.activity("A", () => "a");
    v1.orchestration("Evolving", async (ctx) => {
      await ctx.callActivity(a, undefined);
      return ctx.waitForExternalEvent("Continue");
    });
    const host1 = await startHost(v1, async () => sqliteTaskHub(file));
    const id = await host1.client.startNew("Evolving");
    await eventually(async () =>
      (await host1.taskHub.getHistory(id)).some((e) => e.type === "TaskCompleted"),
    );
    await host1.stop();

    const v2 = new DurableApp();
    const b = v2.activity("B", () => "b");
    v2.orchestration("Evolving", async (ctx) => {
      await ctx.callActivity(b, undefined); // changed: was A
      return ctx.waitForExternalEvent("Continue");
    });
    const host2 = await startHost(v2, async () => sqliteTaskHub(file));
    try {
      await host2.client.raiseEvent(id, "Continue", 1);
      const status = await host2.client.waitForCompletion(id);
      assert.equal(status.runtimeStatus, "Failed");
      assert.equal(status.failureDetails?.errorType, "NonDeterminismError");
      assert.match(status.failureDetails?.message ?? "", /TaskScheduled 'A' as task #0.*callActivity\('B'\)/);
    } finally {
      await host2.stop();
    }
  });
});

describe("session cache", () => {
  const session = (events: number): OrchestrationSession => {
    const s = new OrchestrationSession({ resolve: () => undefined });
    s.historyLength = events;
    return s;
  };

  it("evicts the least recently used sessions beyond the count bound", () => {
    const cache = new SessionCache({ maxSessions: 2, maxHistoryEvents: 1000 });
    cache.put("a", session(1));
    cache.put("b", session(1));
    cache.put("c", session(1));
    assert.equal(cache.size, 2);
    assert.equal(cache.take("a"), undefined, "the oldest was evicted");
    assert.ok(cache.take("b"));
  });

  it("bounds the total number of history events held", () => {
    const cache = new SessionCache({ maxSessions: 100, maxHistoryEvents: 100 });
    cache.put("a", session(60));
    cache.put("b", session(30));
    cache.put("c", session(30));
    assert.equal(cache.take("a"), undefined);
    assert.equal(cache.size, 2);
    cache.put("huge", session(101));
    assert.equal(cache.take("huge"), undefined, "a session larger than the bound is not kept");
  });

  it("is disabled with maxSessions 0", () => {
    const cache = new SessionCache({ maxSessions: 0, maxHistoryEvents: 100 });
    cache.put("a", session(1));
    assert.equal(cache.size, 0);
  });
});
