/**
 * Fixture tests of `waitForExternalEvent(name, { timeoutMs, defaultValue })`: a durable timer races the event; the
 * default value or a `TimeoutError` after the timer; a late event stays buffered for a later wait.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TimeoutError } from "../../src/core/errors.js";
import { history } from "../../src/testing/history-builder.js";
import { Driver, T0, failureOf, iso, output, run, type Handlers } from "./fixtures.js";

const handlers: Handlers = {
  WithDefault: async (ctx) =>
    ctx.waitForExternalEvent<string>("Approval", { timeoutMs: 60_000, defaultValue: "none" }),
  WithoutDefault: async (ctx) => ctx.waitForExternalEvent<string>("Approval", { timeoutMs: 60_000 }),
  Caught: async (ctx) => {
    try {
      return await ctx.waitForExternalEvent<string>("Approval", { timeoutMs: 1000 });
    } catch (error) {
      return { caught: (error as Error).name, timeout: error instanceof TimeoutError };
    }
  },
  TwoWaits: async (ctx) => {
    const first = await ctx.waitForExternalEvent<string>("Go", { timeoutMs: 1000, defaultValue: "default" });
    await ctx.callActivity("Between");
    const second = await ctx.waitForExternalEvent<string>("Go");
    return [first, second];
  },
  Old: async (ctx) => ctx.waitForExternalEvent<string>("Approval"),
};

const timer = { type: "CreateTimer", id: 0, fireAt: iso(T0 + 60_000) };

describe("waitForExternalEvent with a timeout", () => {
  it("schedules a durable timer; the event first completes the wait and the timer's firing is ignored", async () => {
    const driver = new Driver(handlers, "WithoutDefault");
    assert.deepEqual((await driver.start()).actions, [timer]);
    assert.deepEqual(output(await driver.step(T0 + 5000, (h) => h.eventRaised("approval", "yes"))), "yes");
    assert.deepEqual(driver.history.filter((e) => e.type === "TimerCreated").length, 1);
  });

  it("a cancelled timer firing after the event does not change the result", async () => {
    const result = await run(
      handlers,
      history()
        .started("WithDefault")
        .timerCreated(0, T0 + 60_000)
        .build(),
      history()
        .episodeStart(T0 + 60_000)
        .eventRaised("Approval", "yes")
        .timerFired(0, T0 + 60_000)
        .build(),
    );
    assert.equal(output(result), "yes");
  });

  it("resolves with the default value when the timer fires first", async () => {
    const driver = new Driver(handlers, "WithDefault");
    assert.deepEqual((await driver.start()).actions, [timer]);
    assert.equal(output(await driver.step(T0 + 60_000, (h) => h.timerFired(0, T0 + 60_000))), "none");
  });

  it("a present defaultValue of undefined is a default too", async () => {
    const h: Handlers = {
      Undef: async (ctx) => {
        const v = await ctx.waitForExternalEvent("E", { timeoutMs: 10, defaultValue: undefined });
        return { isUndefined: v === undefined };
      },
    };
    const driver = new Driver(h, "Undef");
    await driver.start();
    assert.deepEqual(output(await driver.step(T0 + 10, (b) => b.timerFired(0, T0 + 10))), {
      isUndefined: true,
    });
  });

  it("fails with TimeoutError without a default", async () => {
    const driver = new Driver(handlers, "WithoutDefault");
    await driver.start();
    const failure = failureOf(await driver.step(T0 + 60_000, (h) => h.timerFired(0, T0 + 60_000)));
    assert.equal(failure.errorType, "TimeoutError");
    assert.match(failure.message, /'Approval' did not arrive within 60000 ms/);
  });

  it("the TimeoutError can be caught by orchestrator code", async () => {
    const driver = new Driver(handlers, "Caught");
    await driver.start();
    assert.deepEqual(output(await driver.step(T0 + 1000, (h) => h.timerFired(0, T0 + 1000))), {
      caught: "TimeoutError",
      timeout: true,
    });
  });

  it("a late event after the timeout stays buffered for a later wait", async () => {
    const driver = new Driver(handlers, "TwoWaits");
    await driver.start();
    const timedOut = await driver.step(T0 + 1000, (h) =>
      h.timerFired(0, T0 + 1000).eventRaised("go", "late"),
    );
    assert.deepEqual(timedOut.actions, [
      { type: "ScheduleTask", id: 1, name: "Between", input: undefined, attempt: 1, firstAttemptId: 1 },
    ]);
    assert.deepEqual(output(await driver.step(T0 + 2000, (h) => h.taskCompleted(1))), ["default", "late"]);
  });

  it("an event buffered before the wait completes it at once, without a timer", async () => {
    const h: Handlers = {
      Late: async (ctx) => {
        await ctx.callActivity("First");
        return ctx.waitForExternalEvent<string>("Go", { timeoutMs: 1000 });
      },
    };
    const driver = new Driver(h, "Late");
    await driver.start();
    await driver.step(T0 + 1, (b) => b.eventRaised("Go", "early"));
    const done = await driver.step(T0 + 2, (b) => b.taskCompleted(0));
    assert.deepEqual(done.actions, []);
    assert.equal(output(done), "early");
  });

  it("keeps the old signature: no timer, waits forever", async () => {
    const driver = new Driver(handlers, "Old");
    assert.deepEqual((await driver.start()).actions, []);
    assert.equal(output(await driver.step(T0 + 1, (h) => h.eventRaised("Approval", "ok"))), "ok");
  });

  it("refuses a bad timeout with a clear error", async () => {
    for (const timeoutMs of [-1, Number.NaN, Infinity, "5" as unknown as number]) {
      const bad: Handlers = { Bad: async (ctx) => ctx.waitForExternalEvent("E", { timeoutMs }) };
      const failure = failureOf(await run(bad, [], history().started("Bad").build()));
      assert.equal(failure.errorType, "InvalidArgumentError");
      assert.match(failure.message, /timeoutMs >= 0/);
    }
  });
});
