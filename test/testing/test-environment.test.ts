/**
 * The time-skipping test environment (`createTestEnvironment`): when time moves (only while a client waits, or when
 * told), in which order due work runs, mocks without touching the app, entities, schedules on virtual time, bad
 * options. Every "not yet" is read once the environment is idle (`waitForIdle`), never after a sleep.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DurableApp,
  InvalidArgumentError,
  TimeoutError,
  UnknownFunctionError,
  type TimerInfo,
} from "../../src/index.js";
import { createTestEnvironment, MANUAL_CLOCK_START } from "../../src/testing/index.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** An app whose orchestration waits `hours` on a durable timer, recording the time it started and woke. */
function timerApp() {
  const app = new DurableApp();
  const wait = app.orchestration("Wait", async (ctx, hours: number) => {
    const startedAt = ctx.currentUtcDateTime.getTime();
    await ctx.createTimer(startedAt + hours * HOUR);
    return { startedAt, wokeAt: ctx.currentUtcDateTime.getTime() };
  });
  return { app, wait };
}

describe("createTestEnvironment: virtual time", () => {
  it("completes a workflow with a 30-day approval timeout at once, on virtual time", async () => {
    const app = new DurableApp();
    const approval = app.orchestration("MonthlyApproval", async (ctx) => {
      const answer = ctx.waitForExternalEvent<boolean>("Approval");
      const deadline = ctx.createTimer(ctx.currentUtcDateTime.getTime() + 30 * DAY);
      return (await ctx.whenAny([answer, deadline])) === answer ? "answered" : "timed out";
    });
    await using env = await createTestEnvironment(app);
    const realStart = performance.now();
    const id = await env.client.startNew(approval);
    const status = await env.client.waitForCompletion(id);
    assert.equal(status.output, "timed out");
    assert.equal(env.now(), MANUAL_CLOCK_START + 30 * DAY);
    assert.equal(status.lastUpdatedTime.getTime(), MANUAL_CLOCK_START + 30 * DAY);
    assert.ok(performance.now() - realStart < 10_000, "30 virtual days take no real time worth mentioning");
  });

  it("stands still while no client waits: a timer fires only when time is skipped past it", async () => {
    const { app, wait } = timerApp();
    await using env = await createTestEnvironment(app);
    const id = await env.client.startNew(wait, { input: 1 });
    await env.waitForIdle();
    assert.equal((await env.client.getStatus(id))?.runtimeStatus, "Running");
    assert.equal(env.now(), MANUAL_CLOCK_START);
    await env.skipTime(HOUR - 1);
    assert.equal((await env.client.getStatus(id))?.runtimeStatus, "Running", "not a millisecond early");
    await env.skipTime(1);
    const status = await env.client.getStatus(id);
    assert.equal(status?.runtimeStatus, "Completed", "skipTime resolves once the work due has run");
    assert.deepEqual(status?.output, { startedAt: MANUAL_CLOCK_START, wokeAt: MANUAL_CLOCK_START + HOUR });
  });

  it("fires each timer at its own time, in order, when skipping past several", async () => {
    const app = new DurableApp();
    const fired: { name: string; at: number }[] = [];
    const note = app.activity("Note", (entry: { name: string; at: number }) => void fired.push(entry));
    const chain = app.orchestration("Chain", async (ctx, name: string) => {
      for (let i = 0; i < 3; i++) {
        await ctx.createTimer(ctx.currentUtcDateTime.getTime() + (name === "fast" ? 60 : 105) * 60_000);
        await ctx.callActivity(note, { name, at: ctx.currentUtcDateTime.getTime() });
      }
    });
    await using env = await createTestEnvironment(app);
    await env.client.startNew(chain, { input: "slow" });
    await env.client.startNew(chain, { input: "fast" });
    await env.skipTime(4 * HOUR + 30 * 60_000);
    assert.deepEqual(
      fired.map(({ name, at }) => `${name} +${(at - MANUAL_CLOCK_START) / 60_000} min`),
      ["fast +60 min", "slow +105 min", "fast +120 min", "fast +180 min", "slow +210 min"],
    );
    assert.equal(env.now(), MANUAL_CLOCK_START + 4.5 * HOUR);
  });

  it("skips only while the awaited instance runs, and leaves the others' timers alone", async () => {
    const { app, wait } = timerApp();
    await using env = await createTestEnvironment(app);
    const long = await env.client.startNew(wait, { input: 48 });
    const short = await env.client.startNew(wait, { input: 2 });
    await env.client.waitForCompletion(short);
    assert.equal(env.now(), MANUAL_CLOCK_START + 2 * HOUR);
    await env.waitForIdle();
    assert.equal((await env.client.getStatus(long))?.runtimeStatus, "Running");
    assert.equal(env.now(), MANUAL_CLOCK_START + 2 * HOUR, "time stopped with the wait");
    const status = await env.client.waitForCompletion(long);
    assert.deepEqual(status.output, {
      startedAt: MANUAL_CLOCK_START,
      wokeAt: MANUAL_CLOCK_START + 48 * HOUR,
    });
  });

  it("starts where told, and waits for a delayed start on virtual time", async () => {
    const { app, wait } = timerApp();
    const start = Date.parse("2030-06-01T12:00:00Z");
    await using env = await createTestEnvironment(app, { startTime: new Date(start) });
    const id = await env.client.startNew(wait, { input: 1, startAt: new Date(start + DAY) });
    const status = await env.client.waitForCompletion(id);
    assert.deepEqual(status.output, { startedAt: start + DAY, wokeAt: start + DAY + HOUR });
  });

  it("times out a wait that nothing can end, in real time, without skipping forever", async () => {
    const app = new DurableApp();
    const forever = app.orchestration("Forever", (ctx) => ctx.waitForExternalEvent("Never"));
    await using env = await createTestEnvironment(app);
    const id = await env.client.startNew(forever);
    await assert.rejects(env.client.waitForCompletion(id, { timeoutMs: 200 }), TimeoutError);
    assert.equal(env.now(), MANUAL_CLOCK_START);
  });

  it("an event wait with a 72-hour timeout: the default on virtual time, a late event kept for the next wait", async () => {
    const app = new DurableApp();
    const approval = app.orchestration("TimedApproval", async (ctx) => {
      const first = await ctx.waitForExternalEvent<string>("Approval", {
        timeoutMs: 72 * HOUR,
        defaultValue: "escalated",
      });
      ctx.setCustomStatus({ first, at: ctx.currentUtcDateTime.getTime() });
      const second = await ctx.waitForExternalEvent<string>("Approval", { timeoutMs: 72 * HOUR });
      return [first, second];
    });
    await using env = await createTestEnvironment(app);
    const id = await env.client.startNew(approval);
    await env.skipTime(72 * HOUR);
    assert.deepEqual((await env.client.getStatus(id))?.customStatus, {
      first: "escalated",
      at: MANUAL_CLOCK_START + 72 * HOUR,
    });
    await env.client.raiseEvent(id, "Approval", "late yes");
    assert.deepEqual((await env.client.waitForCompletion(id)).output, ["escalated", "late yes"]);

    const none = await env.client.startNew(approval);
    await env.skipTime(72 * HOUR);
    const failed = await env.client.waitForCompletion(none); // skips the second 72 hours
    assert.equal(failed.runtimeStatus, "Failed");
    assert.equal(failed.failureDetails?.errorType, "TimeoutError");
    assert.equal(env.now(), MANUAL_CLOCK_START + 3 * 72 * HOUR);
  });

  it("refuses to skip a negative or non-finite time", async () => {
    await using env = await createTestEnvironment(new DurableApp());
    await assert.rejects(env.skipTime(-1), InvalidArgumentError);
    await assert.rejects(env.skipTime(Number.NaN), InvalidArgumentError);
    await assert.rejects(env.skipTime(Number.POSITIVE_INFINITY), InvalidArgumentError);
  });
});

describe("createTestEnvironment: mocks, entities, schedules", () => {
  it("runs mocks instead of activities, by name in any casing, without touching the app", async () => {
    const app = new DurableApp();
    const charge = app.activity("ChargeCreditCard", async (amount: number) => `real-${amount}`);
    const pay = app.orchestration("Pay", (ctx, amount: number) => ctx.callActivity(charge, amount));
    {
      await using env = await createTestEnvironment(app, {
        activities: { chargecreditcard: async (amount: number, ctx) => `mock-${amount}-${ctx.attempt}` },
      });
      const status = await env.client.waitForCompletion(await env.client.startNew(pay, { input: 5 }));
      assert.equal(status.output, "mock-5-1");
    }
    await using plain = await createTestEnvironment(app);
    const status = await plain.client.waitForCompletion(await plain.client.startNew(pay, { input: 5 }));
    assert.equal(status.output, "real-5", "the app's own activity, unchanged");
  });

  it("refuses a mock of an activity the app does not have, and bad options", async () => {
    const app = new DurableApp();
    app.activity("ChargeCreditCard", async () => "tx");
    await assert.rejects(
      createTestEnvironment(app, { activities: { ChargeCard: async () => "tx" } }),
      (error: unknown) =>
        error instanceof UnknownFunctionError &&
        /No activity named 'ChargeCard' is registered\. Registered activities: ChargeCreditCard\./.test(
          error.message,
        ),
    );
    await assert.rejects(
      createTestEnvironment(app, { activities: { ChargeCreditCard: "tx-1" as never } }),
      /The mock of activity 'ChargeCreditCard' must be a function/,
    );
    await assert.rejects(
      createTestEnvironment(app, { activites: {} } as never),
      /createTestEnvironment: unknown option 'activites'\. Did you mean 'activities'\?/,
    );
    await assert.rejects(createTestEnvironment(app, { startTime: "soon" as never }), InvalidArgumentError);
  });

  it("reads entity state once the signals are processed, and fires a delayed signal on virtual time", async () => {
    const app = new DurableApp();
    const counter = app.entity("Counter", {
      initialState: () => 0,
      operations: { add: (state: number, amount: number) => state + amount },
    });
    await using env = await createTestEnvironment(app);
    await env.client.signalEntity(counter, "c1", "add", 2);
    await env.client.signalEntity(counter, "c1", "add", 3);
    await env.client.signalEntity(counter, "c1", "add", 10, { signalTime: new Date(env.now() + DAY) });
    await env.waitForIdle();
    assert.deepEqual(await env.client.readEntityState(counter, "c1"), { entityExists: true, entityState: 5 });
    await env.skipTime(DAY);
    assert.deepEqual(await env.client.readEntityState(counter, "c1"), {
      entityExists: true,
      entityState: 15,
    });
  });

  it("fires a schedule (app.timer) on virtual time", async () => {
    const app = new DurableApp();
    const runs: { scheduledTime: string; isPastDue: boolean }[] = [];
    app.timer("Nightly", { schedule: "0 0 2 * * *" }, (timer: TimerInfo) => {
      runs.push({ scheduledTime: timer.scheduledTime.toISOString(), isPastDue: timer.isPastDue });
    });
    await using env = await createTestEnvironment(app); // starts at 2024-01-01T00:00Z
    await env.skipTime(HOUR);
    assert.deepEqual(runs, []);
    await env.skipTime(2 * DAY);
    assert.deepEqual(runs, [
      { scheduledTime: "2024-01-01T02:00:00.000Z", isPastDue: false },
      { scheduledTime: "2024-01-02T02:00:00.000Z", isPastDue: false },
    ]);
  });

  it("closes once, however often asked, and stops the worker", async () => {
    const { app, wait } = timerApp();
    const env = await createTestEnvironment(app);
    const id = await env.client.startNew(wait, { input: 1 });
    await env.waitForIdle();
    await Promise.all([env.close(), env.close()]);
    await env[Symbol.asyncDispose]();
    await assert.rejects(env.waitForIdle(), /The test environment was closed/);
    assert.equal((await env.client.getStatus(id))?.runtimeStatus, "Running");
  });
});
