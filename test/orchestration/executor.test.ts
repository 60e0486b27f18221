/**
 * Fixture tests of the pure executor: history in, actions and outcome out. Core patterns: chaining, fan-out/fan-in,
 * races between events and timers, external events. (Replay-safe APIs: executor-replay-safe.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrchestrationContext } from "../../src/api/orchestration-context.js";
import { history } from "../../src/testing/history-builder.js";
import { Driver, T0, failureOf, iso, output, run, type Handlers } from "./fixtures.js";

const chain: Handlers = {
  Chain: async (ctx: OrchestrationContext, cities: string[]) => {
    const greetings: unknown[] = [];
    for (const city of cities) greetings.push(await ctx.callActivity("SayHello", city));
    return greetings;
  },
};

describe("chaining", () => {
  it("schedules one activity per episode and returns the deserialized results", async () => {
    const driver = new Driver(chain, "Chain");
    const first = await driver.start(["Tokyo", "Seattle"]);
    assert.deepEqual(first, {
      actions: [
        { type: "ScheduleTask", id: 0, name: "SayHello", input: '"Tokyo"', attempt: 1, firstAttemptId: 0 },
      ],
      customStatus: undefined,
      suspended: false,
      outcome: undefined,
    });
    const second = await driver.step(T0 + 1000, (h) => h.taskCompleted(0, { text: "Hello Tokyo" }));
    assert.deepEqual(second.actions, [
      { type: "ScheduleTask", id: 1, name: "SayHello", input: '"Seattle"', attempt: 1, firstAttemptId: 1 },
    ]);
    assert.equal(second.outcome, undefined);
    const last = await driver.step(T0 + 2000, (h) => h.taskCompleted(1, "Hello Seattle"));
    assert.deepEqual(last.actions, []);
    assert.deepEqual(output(last), [{ text: "Hello Tokyo" }, "Hello Seattle"]);
  });

  it("replaying a multi-episode history yields exactly the remaining actions", async () => {
    const { past, newEvents } = history()
      .started("Chain", { input: ["Tokyo", "Seattle", "London"] })
      .taskScheduled(0, "SayHello", "Tokyo")
      .episodeEnd()
      .episode((h) => h.taskCompleted(0, "Hello Tokyo").taskScheduled(1, "SayHello", "Seattle"))
      .newEvents()
      .episodeStart()
      .taskCompleted(1, "Hello Seattle")
      .split();
    const result = await run(chain, past, newEvents);
    assert.deepEqual(result.actions, [
      { type: "ScheduleTask", id: 2, name: "SayHello", input: '"London"', attempt: 1, firstAttemptId: 2 },
    ]);
    assert.equal(result.outcome, undefined);
    // Replaying the same history with nothing new re-issues nothing: every action is already recorded.
    const idle = await run(chain, [...past], []);
    assert.deepEqual(idle.actions, []);
    assert.equal(idle.outcome, undefined);
  });

  it("an activity without input or result round-trips undefined", async () => {
    const handlers: Handlers = {
      Void: async (ctx) => {
        const value = await ctx.callActivity("Nothing");
        return { wasUndefined: value === undefined };
      },
    };
    const driver = new Driver(handlers, "Void");
    const first = await driver.start();
    assert.equal(first.actions[0]?.type === "ScheduleTask" && first.actions[0].input, undefined);
    assert.deepEqual(output(await driver.step(T0 + 1, (h) => h.taskCompleted(0))), { wasUndefined: true });
  });
});

describe("fan-out / fan-in", () => {
  const fanOut = (useWhenAll: boolean): Handlers => ({
    FanOut: async (ctx: OrchestrationContext, count: number) => {
      const tasks = Array.from({ length: count }, (_, i) => ctx.callActivity<number>("Square", i));
      const squares = useWhenAll ? await ctx.whenAll(tasks) : await Promise.all(tasks);
      return { squares, sum: squares.reduce((a, b) => a + b, 0) };
    },
  });

  for (const useWhenAll of [false, true]) {
    const label = useWhenAll ? "ctx.whenAll" : "Promise.all";

    it(`${label}: schedules all activities at once; completions in reverse order in one batch`, async () => {
      const driver = new Driver(fanOut(useWhenAll), "FanOut");
      const first = await driver.start(4);
      assert.deepEqual(
        first.actions.map((a) => [a.type, a.id, a.type === "ScheduleTask" ? a.input : ""]),
        [0, 1, 2, 3].map((i) => ["ScheduleTask", i, String(i)]),
      );
      const done = await driver.step(T0 + 1000, (h) => {
        for (const i of [3, 2, 1, 0]) h.taskCompleted(i, i * i);
      });
      assert.deepEqual(output(done), { squares: [0, 1, 4, 9], sum: 14 });
    });

    it(`${label}: completions spread over episodes in any order`, async () => {
      const driver = new Driver(fanOut(useWhenAll), "FanOut");
      await driver.start(5);
      const order = [2, 4, 0, 3, 1];
      for (const [n, i] of order.entries()) {
        const result = await driver.step(T0 + (n + 1) * 1000, (h) => h.taskCompleted(i, i * i));
        assert.deepEqual(result.actions, []);
        if (n < order.length - 1) assert.equal(result.outcome, undefined, `still waiting after ${n + 1}`);
        else assert.deepEqual(output(result), { squares: [0, 1, 4, 9, 16], sum: 30 });
      }
    });
  }

  it("ctx.whenAll fails with the first failure", async () => {
    const driver = new Driver(fanOut(true), "FanOut");
    await driver.start(3);
    const result = await driver.step(T0 + 1, (h) =>
      h.taskCompleted(0, 0).taskFailed(2, "boom").taskCompleted(1, 1),
    );
    const failure = failureOf(result);
    assert.equal(failure.errorType, "TaskFailedError");
    assert.match(failure.message, /Activity 'Square' failed: Error: boom/);
  });
});

describe("races between an external event and a timer", () => {
  const approval: Handlers = {
    Approval: async (ctx) => {
      const event = ctx.waitForExternalEvent<string>("Approval");
      const deadline = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60_000));
      const winner = await ctx.whenAny([event, deadline]);
      if (winner !== event) return "timed out";
      deadline.cancel();
      return await ctx.callActivity("Process", await event);
    },
    Race: async (ctx) =>
      Promise.race([
        ctx.waitForExternalEvent<string>("Go").then((v) => `event:${v}`),
        ctx.createTimer(ctx.currentUtcDateTime.getTime() + 60_000).then(() => "timer"),
      ]),
  };

  it("whenAny: the event wins; the cancelled timer's TimerFired later has no effect", async () => {
    const driver = new Driver(approval, "Approval");
    const first = await driver.start();
    assert.deepEqual(first.actions, [{ type: "CreateTimer", id: 0, fireAt: iso(T0 + 60_000) }]);
    const approved = await driver.step(T0 + 5000, (h) => h.eventRaised("approval", "yes"));
    assert.deepEqual(approved.actions, [
      { type: "ScheduleTask", id: 1, name: "Process", input: '"yes"', attempt: 1, firstAttemptId: 1 },
    ]);
    const fired = await driver.step(T0 + 60_000, (h) => h.timerFired(0, T0 + 60_000));
    assert.deepEqual(fired, { actions: [], customStatus: undefined, suspended: false, outcome: undefined });
    assert.equal(output(await driver.step(T0 + 61_000, (h) => h.taskCompleted(1, "processed"))), "processed");
  });

  it("whenAny completes with a failed winner instead of throwing", async () => {
    const handlers: Handlers = {
      Guarded: async (ctx) => {
        const work = ctx.callActivity("Work");
        const deadline = ctx.createTimer(ctx.currentUtcDateTime.getTime() + 1000);
        const winner = await ctx.whenAny([work, deadline]);
        assert.equal(winner, work);
        assert.equal(work.state, "failed");
        return work.then(
          () => "completed",
          (error: unknown) => `failed: ${(error as Error).message}`,
        );
      },
    };
    const driver = new Driver(handlers, "Guarded");
    await driver.start();
    assert.equal(
      output(await driver.step(T0 + 10, (h) => h.taskFailed(0, "nope"))),
      "failed: Activity 'Work' failed: Error: nope",
    );
  });

  it("whenAny: the timer wins when it fires first", async () => {
    const driver = new Driver(approval, "Approval");
    await driver.start();
    assert.equal(output(await driver.step(T0 + 60_000, (h) => h.timerFired(0, T0 + 60_000))), "timed out");
  });

  for (const [label, name] of [
    ["whenAny", "Approval"],
    ["Promise.race", "Race"],
  ] as const) {
    it(`${label}: in one batch, whichever event history lists first wins (live and replay)`, async () => {
      const base = () =>
        history()
          .started(name)
          .timerCreated(0, T0 + 60_000)
          .episodeEnd()
          .newEvents()
          .episodeStart();
      const eventFirst = base()
        .eventRaised("Go", "yes")
        .eventRaised("Approval", "yes")
        .timerFired(0, T0 + 60_000);
      const timerFirst = base()
        .timerFired(0, T0 + 60_000)
        .eventRaised("Go", "yes")
        .eventRaised("Approval", "yes");
      const expectEvent = name === "Race" ? "event:yes" : undefined;
      const expectTimer = name === "Race" ? "timer" : "timed out";

      const live = eventFirst.split();
      const eventWon = await run(approval, live.past, live.newEvents);
      if (expectEvent) assert.equal(output(eventWon), expectEvent);
      else assert.equal(eventWon.actions[0]?.type, "ScheduleTask");
      assert.equal(
        output(await run(approval, timerFirst.split().past, timerFirst.split().newEvents)),
        expectTimer,
      );

      // Replay: the same events as past history, and one more (irrelevant) event.
      if (expectEvent) {
        const replayed = await run(
          approval,
          eventFirst.episodeEnd().build(),
          history().episodeStart().build(),
        );
        assert.equal(output(replayed), expectEvent);
      } else {
        const past = eventFirst.taskScheduled(1, "Process", "yes").episodeEnd().build();
        const replayed = await run(
          approval,
          past,
          history()
            .episodeStart(T0 + 70_000)
            .taskCompleted(1, "ok")
            .build(),
        );
        assert.equal(output(replayed), "ok");
      }
    });
  }
});

describe("external events", () => {
  const collect: Handlers = {
    Collect: async (ctx) => {
      await ctx.callActivity("Prepare");
      const a = await ctx.waitForExternalEvent<number>("Add");
      const b = await ctx.waitForExternalEvent<number>("add");
      const c = await ctx.waitForExternalEvent<number>("ADD");
      const other = await ctx.waitForExternalEvent<string>("Other");
      return [a, b, c, other];
    },
  };

  it("buffers events that arrive before anyone waits and delivers them in order, names case-insensitive", async () => {
    const driver = new Driver(collect, "Collect");
    await driver.start();
    const early = await driver.step(T0 + 1000, (h) =>
      h.eventRaised("ADD", 1).eventRaised("other", "o").eventRaised("Add", 2),
    );
    assert.deepEqual(early, { actions: [], customStatus: undefined, suspended: false, outcome: undefined });
    const prepared = await driver.step(T0 + 2000, (h) => h.taskCompleted(0));
    assert.equal(prepared.outcome, undefined, "waits for the third 'add'");
    const done = await driver.step(T0 + 3000, (h) => h.eventRaised("aDd", 3));
    assert.deepEqual(output(done), [1, 2, 3, "o"]);
  });

  it("an event of another name does not satisfy a waiter (and is not a stall)", async () => {
    const handlers: Handlers = { Wait: async (ctx) => ctx.waitForExternalEvent("Approval") };
    const driver = new Driver(handlers, "Wait");
    assert.deepEqual((await driver.start()).actions, []);
    const other = await driver.step(T0 + 1, (h) => h.eventRaised("Rejection", false));
    assert.equal(other.outcome, undefined);
    assert.deepEqual(output(await driver.step(T0 + 2, (h) => h.eventRaised("APPROVAL", { ok: true }))), {
      ok: true,
    });
  });
});
