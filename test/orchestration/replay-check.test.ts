/**
 * The replay check (`replayHistory`): histories recorded by one version of the code, episode by episode as a worker
 * records them, replayed against another. A divergence is reported in the words of the NonDeterminismError a worker
 * raises; work pending at the end of history is no divergence; the end of a finished history is compared too.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEvent } from "../../src/core/history-event.js";
import {
  replayHistory,
  ReplayTally,
  summaryLine,
  type ReplayResult,
} from "../../src/orchestration/replay-check.js";
import { history } from "../../src/testing/history-builder.js";
import { Driver, T0, run, sessionOptions, type Handlers } from "./fixtures.js";

/** The history `handlers[name]` records through `steps` (each a step of the driver after the start). */
async function record(
  handlers: Handlers,
  name: string,
  steps: readonly ((driver: Driver) => Promise<unknown>)[] = [],
): Promise<HistoryEvent[]> {
  const driver = new Driver(handlers, name);
  await driver.start("order-1");
  for (const step of steps) await step(driver);
  return driver.history;
}

const check = (history: readonly HistoryEvent[], handlers: Handlers): Promise<ReplayResult> =>
  replayHistory(history, sessionOptions(handlers));

const old: Handlers = {
  Order: async (ctx) => {
    await ctx.callActivity("Charge");
    await ctx.createTimer(ctx.currentUtcDateTime.getTime() + 3 * 24 * 3600_000);
    return ctx.callActivity("Ship");
  },
};
/** The charge completes: the instance waits on its 3-day timer. */
const charged = (driver: Driver) => driver.step(T0 + 1000, (h) => h.taskCompleted(0, "tx-1"));
const fired = (driver: Driver) =>
  driver.step(T0 + 2000, (h) => h.timerFired(1, T0 + 1000 + 3 * 24 * 3600_000));
const shipped = (driver: Driver) => driver.step(T0 + 3000, (h) => h.taskCompleted(2, "shipped"));

describe("replayHistory", () => {
  it("unchanged code replays a history that waits on a timer", async () => {
    const recorded = await record(old, "Order", [charged]);
    const result = await check(recorded, old);
    assert.deepEqual(result, {
      kind: "replayed",
      instanceId: "instance-1",
      name: "Order",
      executionId: "execution-1",
      events: recorded.length,
    });
  });

  it("a call changed at a point history passed: the worker's NonDeterminismError, naming both calls", async () => {
    const recorded = await record(old, "Order", [charged]);
    const changed: Handlers = {
      Order: async (ctx) => {
        await ctx.callActivity("Charge");
        await ctx.callActivity("Reserve"); // inserted before the timer
        await ctx.createTimer(ctx.currentUtcDateTime.getTime() + 1000);
      },
    };
    const result = await check(recorded, changed);
    assert.equal(result.kind, "diverged");
    // What a worker fails the instance with at its next step: the same error type and message.
    const worker = await run(
      changed,
      recorded,
      history()
        .episodeStart(T0 + 5000)
        .build(),
    );
    assert.equal(worker.outcome?.status, "Failed");
    const failure = worker.outcome.status === "Failed" ? worker.outcome.failure : undefined;
    assert.deepEqual(
      {
        errorType: result.kind === "diverged" && result.errorType,
        message: result.kind === "diverged" && result.message,
      },
      { errorType: failure?.errorType, message: failure?.message },
    );
    assert.equal(
      result.kind === "diverged" && result.message,
      "History recorded TimerCreated '2024-01-04T00:00:01.000Z' as task #1, but on replay the orchestrator " +
        "'Order' called callActivity('Reserve') as task #1.",
    );
  });

  it("work the new code adds after the end of history is no divergence (a worker issues it next)", async () => {
    const recorded = await record(old, "Order", [charged]);
    const extended: Handlers = {
      Order: async (ctx) => {
        await ctx.callActivity("Charge");
        // The timer is still task #1; a second task joins it where history ends.
        const timer = ctx.createTimer(ctx.currentUtcDateTime.getTime() + 1000);
        await ctx.whenAll([timer, ctx.callActivity("Notify")]);
      },
    };
    assert.equal((await check(recorded, extended)).kind, "replayed");
  });

  it("code that now throws on replay diverges with its error", async () => {
    const recorded = await record(old, "Order", [charged]);
    const throwing: Handlers = {
      Order: async (ctx, input: string) => {
        const tx = await ctx.callActivity<string>("Charge");
        if (tx.startsWith("tx-")) throw new TypeError(`cannot parse ${input}`);
      },
    };
    const result = await check(recorded, throwing);
    assert.equal(result.kind, "diverged");
    assert.equal(result.kind === "diverged" && result.errorType, "TypeError");
    assert.match(
      result.kind === "diverged" ? result.message : "",
      /^History recorded no failure, but on replay the orchestrator 'Order' failed with TypeError: cannot parse order-1$/,
    );
  });

  it("code awaiting a non-durable promise diverges with OrchestratorMisuseError, as a worker would fail it", async () => {
    const approval: Handlers = {
      Order: async (ctx) => {
        await ctx.callActivity("Charge");
        return ctx.waitForExternalEvent("Approval");
      },
    };
    const recorded = await record(approval, "Order", [charged]);
    assert.equal((await check(recorded, approval)).kind, "replayed");
    const misuse: Handlers = {
      Order: async (ctx) => {
        await ctx.callActivity("Charge");
        await new Promise(() => {}); // never settles, not durable
      },
    };
    const result = await check(recorded, misuse);
    assert.equal(result.kind === "diverged" && result.errorType, "OrchestratorMisuseError");
  });

  describe("a finished history", () => {
    it("replays when the code ends it the same way, fire-and-forget actions of the last step included", async () => {
      const handlers: Handlers = {
        Notify: async (ctx) => {
          await ctx.callActivity("Charge");
          void ctx.callActivity("Audit"); // scheduled in the step that completes
          return "done";
        },
      };
      const recorded = await record(handlers, "Notify", [charged]);
      assert.equal(recorded.at(-2)?.type, "ExecutionCompleted");
      assert.ok(recorded.some((e) => e.type === "TaskScheduled" && e.name === "Audit"));
      assert.equal((await check(recorded, handlers)).kind, "replayed");
      const changed: Handlers = {
        Notify: async (ctx) => {
          await ctx.callActivity("Charge");
          void ctx.callActivity("Log");
          return "done";
        },
      };
      const result = await check(recorded, changed);
      assert.equal(
        result.kind === "diverged" && result.message,
        "History recorded TaskScheduled 'Audit' as task #1, but on replay the orchestrator 'Notify' called " +
          "callActivity('Log') as task #1.",
      );
    });

    it("diverges when the code ends earlier than history did: the first call it no longer makes", async () => {
      const recorded = await record(old, "Order", [charged, fired, shipped]);
      assert.equal(recorded.at(-2)?.type, "ExecutionCompleted");
      assert.equal((await check(recorded, old)).kind, "replayed");
      const shorter: Handlers = { Order: async (ctx) => ctx.callActivity("Charge") };
      const result = await check(recorded, shorter);
      assert.equal(result.kind === "diverged" && result.errorType, "NonDeterminismError");
      assert.equal(
        result.kind === "diverged" && result.message,
        "History recorded TimerCreated '2024-01-04T00:00:01.000Z' as task #1, but on replay the orchestrator " +
          "'Order' did not schedule task #1. The code no longer does what it did when the instance ran.",
      );
    });

    it("diverges when the code does not end it, or ends it otherwise", async () => {
      const recorded = await record(old, "Order", [charged, fired, shipped]);
      const longer: Handlers = {
        Order: async (ctx) => {
          await old.Order!(ctx, undefined as never);
          await ctx.waitForExternalEvent("Delivered");
        },
      };
      const waits = await check(recorded, longer);
      assert.equal(
        waits.kind === "diverged" && waits.message,
        "History recorded the end of the execution as Completed, but on replay the orchestrator 'Order' did not " +
          "end it.",
      );
      const failing: Handlers = {
        Order: async (ctx) => {
          await old.Order!(ctx, undefined as never);
          throw new Error("no label");
        },
      };
      const fails = await check(recorded, failing);
      assert.equal(fails.kind === "diverged" && fails.errorType, "Error");
      assert.match(fails.kind === "diverged" ? fails.message : "", /failed with Error: no label$/);
    });

    it("a history that failed with a NonDeterminismError replays once the code is fixed", async () => {
      const changed: Handlers = {
        Order: async (ctx) => {
          await ctx.callActivity("Charge");
          await ctx.callActivity("Reserve");
        },
      };
      const driver = new Driver(old, "Order");
      await driver.start("order-1");
      await charged(driver);
      const failing = new Driver(changed, "Order", { checkCache: false });
      failing.history = driver.history;
      await fired(failing);
      assert.equal(failing.changes?.instance.status, "Failed");
      assert.equal((await check(failing.history, changed)).kind, "diverged");
      assert.equal((await check(failing.history, old)).kind, "replayed");
    });
  });

  it("skips entities, unknown orchestrators and instances not started, saying why", async () => {
    const options = sessionOptions(old);
    const entity = await replayHistory([], options, { instanceId: "@counter@a", name: "counter" });
    assert.equal(entity.kind === "skipped" && entity.reason, "entity");
    const recorded = history().started("Retired").build();
    const unknown = await replayHistory(recorded, options);
    assert.equal(unknown.kind === "skipped" && unknown.reason, "unknown-orchestrator");
    assert.equal(
      unknown.kind === "skipped" && unknown.message,
      "No orchestrator named 'Retired' is registered. Registered orchestrators: Order.",
    );
    const pending = await replayHistory([], options, { instanceId: "p-1", name: "Order" });
    assert.equal(pending.kind === "skipped" && pending.reason, "not-started");
    const pendingUnknown = await replayHistory([], options, { instanceId: "p-2", name: "Retired" });
    assert.equal(pendingUnknown.kind === "skipped" && pendingUnknown.reason, "unknown-orchestrator");

    const tally = new ReplayTally();
    for (const result of [
      entity,
      unknown,
      pending,
      pendingUnknown,
      await check(await record(old, "Order"), old),
    ])
      tally.add(result);
    assert.equal(
      summaryLine(tally.summary()),
      "1 replayed, 0 diverged, 4 skipped (1 entity, 2 of an unknown orchestrator: 'Retired', 1 not started yet)",
    );
  });

  it("patched code replays histories recorded before and after the patch (the marker is read ahead)", async () => {
    const patched: Handlers = {
      Order: async (ctx) => {
        await ctx.callActivity("Charge");
        if (ctx.patched("receipt")) await ctx.callActivity("SendReceipt");
        await ctx.createTimer(ctx.currentUtcDateTime.getTime() + 3 * 24 * 3600_000);
        return ctx.callActivity("Ship");
      },
    };
    const before = await record(old, "Order", [charged, fired, shipped]);
    const after = await record(patched, "Order", [
      charged,
      (d) => d.step(T0 + 1500, (h) => h.taskCompleted(1, "sent")),
      (d) => d.step(T0 + 2000, (h) => h.timerFired(2, T0 + 1500 + 3 * 24 * 3600_000)),
      (d) => d.step(T0 + 3000, (h) => h.taskCompleted(3, "shipped")),
    ]);
    assert.ok(after.some((e) => e.type === "PatchMarkerRecorded"));
    for (const recorded of [before, after]) assert.equal((await check(recorded, patched)).kind, "replayed");
  });
});
