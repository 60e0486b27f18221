/**
 * Determinism: histories the code no longer matches fail with NonDeterminismError; a session kept alive across
 * episodes behaves exactly like a fresh replay; replay cost stays linear.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEvent } from "../../src/core/history-event.js";
import { RetryPolicy } from "../../src/core/retry-policy.js";
import type { EpisodeResult } from "../../src/orchestration/episode.js";
import { OrchestrationSession } from "../../src/orchestration/orchestration-session.js";
import { history, type HistoryBuilder } from "../../src/testing/history-builder.js";
import {
  Driver,
  T0,
  episodeAt,
  failureOf,
  output,
  run,
  sessionOptions,
  withoutStacks,
  type Handlers,
} from "./fixtures.js";

const handlers: Handlers = {
  CallsB: async (ctx) => ctx.callActivity("B"),
  CallsA: async (ctx) => ctx.callActivity("A"),
  Timer: async (ctx) => ctx.createTimer(ctx.currentUtcDateTime.getTime() + 1000),
  Child: async (ctx) => ctx.callSubOrchestrator("Sub", undefined, { instanceId: "child-2" }),
};

/** History of one episode of `name`, then `newEpisode` as new events. */
function replay(
  name: string,
  firstEpisode: (h: HistoryBuilder) => unknown,
  newEpisode?: (h: HistoryBuilder) => unknown,
) {
  const builder = history().started(name);
  firstEpisode(builder);
  builder.episodeEnd().newEvents().episodeStart();
  newEpisode?.(builder);
  const { past, newEvents } = builder.split();
  return run(handlers, past, newEvents);
}

function expectNonDeterminism(result: EpisodeResult, ...mentions: string[]): string {
  const failure = failureOf(result);
  assert.equal(failure.errorType, "NonDeterminismError", failure.message);
  for (const text of mentions)
    assert.ok(failure.message.includes(text), `'${failure.message}' should mention ${text}`);
  assert.deepEqual(result.actions, [], "no action is issued once the code diverged from history");
  return failure.message;
}

describe("non-determinism", () => {
  it("history scheduled activity 'A' as #0 but the code calls 'B'", async () => {
    const result = await replay(
      "CallsB",
      (h) => h.taskScheduled(0, "A"),
      (h) => h.taskCompleted(0, 1),
    );
    expectNonDeterminism(result, "'A'", "'B'", "#0");
  });

  it("history has a scheduling event the code never issues", async () => {
    const result = await replay("CallsA", (h) => h.taskScheduled(0, "A").taskScheduled(1, "Extra"));
    expectNonDeterminism(result, "'Extra'", "did not schedule task #1");
  });

  it("code that now returns before history's later calls diverges instead of completing", async () => {
    // Recorded by code that called A, then B; the code now returns A's result. Without the check, a worker
    // would complete the running instance with A's result and B's pending work would be dropped silently.
    const builder = history()
      .started("ReturnsEarly")
      .taskScheduled(0, "A")
      .episodeEnd()
      .episodeStart()
      .taskCompleted(0, 1)
      .taskScheduled(1, "B")
      .episodeEnd()
      .newEvents()
      .episodeStart()
      .taskCompleted(1, 2);
    const { past, newEvents } = builder.split();
    const result = await run({ ReturnsEarly: async (ctx) => ctx.callActivity("A") }, past, newEvents);
    expectNonDeterminism(result, "TaskScheduled 'B'", "did not schedule task #1");
  });

  it("code that now continues as new before history's later calls diverges too", async () => {
    const builder = history()
      .started("Loops")
      .taskScheduled(0, "A")
      .episodeEnd()
      .episodeStart()
      .taskCompleted(0, 1)
      .timerCreated(1, T0 + 60_000)
      .episodeEnd()
      .newEvents()
      .episodeStart();
    const { past, newEvents } = builder.split();
    const result = await run(
      {
        Loops: async (ctx) => {
          await ctx.callActivity("A");
          ctx.continueAsNew(undefined);
        },
      },
      past,
      newEvents,
    );
    expectNonDeterminism(result, "TimerCreated", "did not schedule task #1");
  });

  it("calls made as the code returned are matched by history, not issued again", async () => {
    // Sound code whose last episode recorded a fire-and-forget call and the completion, replayed (a rewind does).
    const builder = history()
      .started("Notifies")
      .taskScheduled(0, "A")
      .episodeEnd()
      .episodeStart()
      .taskCompleted(0, 1)
      .eventSent(1, "other", "Done", 1)
      .episodeEnd()
      .newEvents()
      .episodeStart();
    const { past, newEvents } = builder.split();
    const result = await run(
      {
        Notifies: async (ctx) => {
          const a = await ctx.callActivity<number>("A");
          ctx.sendEvent("other", "Done", a);
          return a;
        },
      },
      past,
      newEvents,
    );
    assert.equal(result.outcome?.status, "Completed", JSON.stringify(result.outcome));
    assert.deepEqual(result.actions, [], "the recorded sendEvent is not sent twice");
  });

  it("a completion for a task that was never scheduled", async () => {
    const result = await replay(
      "CallsA",
      (h) => h.taskScheduled(0, "A"),
      (h) => h.taskCompleted(5, "x"),
    );
    expectNonDeterminism(result, "task #5", "never scheduled");
  });

  it("kind mismatch: history has a timer where the code calls an activity", async () => {
    const result = await replay("CallsA", (h) => h.timerCreated(0, T0 + 1000));
    expectNonDeterminism(result, "TimerCreated", "callActivity('A')");
  });

  it("kind mismatch on a result: TimerFired for an activity", async () => {
    const result = await replay(
      "CallsA",
      (h) => h.taskScheduled(0, "A"),
      (h) => h.timerFired(0, T0),
    );
    expectNonDeterminism(result, "timer result for task #0");
  });

  it("sub-orchestration with another instance ID", async () => {
    const result = await replay("Child", (h) => h.subOrchestrationCreated(0, "Sub", "child-1"));
    expectNonDeterminism(result, "SubOrchestrationInstanceCreated", "child-2");
  });

  it("the diverging call is not issued: history never gets a second event for a recorded task ID", async () => {
    const driver = new Driver(handlers, "CallsB", { checkCache: false });
    driver.history = history().started("CallsB").taskScheduled(0, "A").episodeEnd().build();
    const result = await driver.step(T0 + 1000, (h) => h.taskCompleted(0, 1));
    expectNonDeterminism(result, "'A'", "'B'");
    assert.deepEqual(driver.changes?.activities, []);
    const scheduled = driver.history.filter((e) => e.type === "TaskScheduled");
    assert.deepEqual(
      scheduled.map((e) => e.type === "TaskScheduled" && [e.eventId, e.name]),
      [[0, "A"]],
    );
    assert.equal(driver.changes?.instance.status, "Failed");
  });

  it("activity names match case-insensitively; inputs and timer due times are not compared", async () => {
    const activity = await replay(
      "CallsA",
      (h) => h.taskScheduled(0, "a", "other input"),
      (h) => h.taskCompleted(0, 1),
    );
    assert.equal(output(activity), 1);
    const timer = await replay(
      "Timer",
      (h) => h.timerCreated(0, T0 + 5),
      (h) => h.timerFired(0, T0 + 5),
    );
    assert.equal(timer.outcome?.status, "Completed");
  });

  it("a duplicate completion is ignored", async () => {
    const result = await replay(
      "CallsA",
      (h) => h.taskScheduled(0, "A").taskCompleted(0, 1),
      (h) => h.taskCompleted(0, 2),
    );
    assert.equal(output(result), 1);
  });
});

describe("a session kept alive across episodes equals a fresh replay", () => {
  // Driver checks every step against a long-lived session (same actions, outcome, status and log lines).
  const scenarios: Handlers = {
    Chain: async (ctx) => {
      const results: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        ctx.log.info(`step ${i}`);
        results.push(await ctx.callActivity("Step", i));
        ctx.setCustomStatus({ done: i + 1 });
      }
      return [...results, ctx.newGuid()];
    },
    FanOut: async (ctx) => {
      const values = await ctx.whenAll([0, 1, 2, 3].map((i) => ctx.callActivity<number>("Square", i)));
      const more = await Promise.all([
        ctx.callActivity<number>("Square", 9),
        ctx.createTimer(ctx.currentUtcDateTime.getTime() + 10),
      ]);
      return [...values, more[0]];
    },
    WhenAny: async (ctx) => {
      const results: string[] = [];
      let event = ctx.waitForExternalEvent<string>("go");
      for (let round = 0; round < 3; round++) {
        // A waiter that lost a race stays registered (it would take the next "go"): reuse it, do not wait twice.
        if (event.isDone) event = ctx.waitForExternalEvent<string>("go");
        const timer = ctx.createTimer(ctx.currentUtcDateTime.getTime() + 1000);
        await ctx.whenAny([event, timer]);
        if (event.isDone) timer.cancel();
        results.push(event.isDone ? `event ${await event}` : "timer");
      }
      return results;
    },
    Retries: async (ctx) => {
      const retry = new RetryPolicy({
        firstRetryIntervalMs: 1000,
        maxNumberOfAttempts: 3,
        backoffCoefficient: 2,
      });
      try {
        return await ctx.callActivity("Flaky", 1, { retry });
      } catch {
        return ctx.callActivity("Fallback", undefined, { retry });
      }
    },
  };

  it("chaining", async () => {
    const driver = new Driver(scenarios, "Chain");
    await driver.start();
    for (let i = 0; i < 3; i++) await driver.step(T0 + (i + 1) * 1000, (h) => h.taskCompleted(i, `r${i}`));
    assert.equal(output<unknown[]>(await driver.step(T0 + 9000)).length, 4);
    assert.deepEqual(
      driver.log.lines,
      [0, 1, 2].map((i) => `info Chain(instance-1) step ${i}`),
    );
  });

  it("fan-out", async () => {
    const driver = new Driver(scenarios, "FanOut");
    await driver.start();
    await driver.step(T0 + 1, (h) => h.taskCompleted(2, 4).taskCompleted(0, 0));
    await driver.step(T0 + 2, (h) => h.taskCompleted(3, 9).taskCompleted(1, 1));
    await driver.step(T0 + 20, (h) => h.timerFired(5, T0 + 12));
    assert.deepEqual(output(await driver.step(T0 + 30, (h) => h.taskCompleted(4, 81))), [0, 1, 4, 9, 81]);
  });

  it("whenAny (events, timers, and late fires of cancelled timers)", async () => {
    const driver = new Driver(scenarios, "WhenAny");
    await driver.start(); // timer #0
    await driver.step(T0 + 100, (h) => h.eventRaised("go", "a")); // round 1: event; timer #1
    await driver.step(T0 + 1000, (h) => h.timerFired(0, T0 + 1000)); // cancelled: no effect
    await driver.step(T0 + 1100, (h) => h.timerFired(1, T0 + 1100)); // round 2: timer; timer #2
    const last = await driver.step(T0 + 1200, (h) => h.eventRaised("GO", "b").timerFired(2, T0 + 2100));
    assert.deepEqual(output(last), ["event a", "timer", "event b"]);
  });

  it("retries", async () => {
    const driver = new Driver(scenarios, "Retries");
    await driver.start(); // #0 Flaky
    await driver.step(T0 + 10, (h) => h.taskFailed(0, "1")); // timer #1 at +1000
    await driver.step(T0 + 1010, (h) => h.timerFired(1, T0 + 1010)); // #2 Flaky attempt 2
    await driver.step(T0 + 1020, (h) => h.taskFailed(2, "2")); // timer #3 at +2000
    await driver.step(T0 + 3020, (h) => h.timerFired(3, T0 + 3020)); // #4 attempt 3
    const fallback = await driver.step(T0 + 3030, (h) => h.taskFailed(4, "3")); // give up: #5 Fallback
    assert.deepEqual(fallback.actions, [
      { type: "ScheduleTask", id: 5, name: "Fallback", input: undefined, attempt: 1, firstAttemptId: 5 },
    ]);
    assert.equal(output(await driver.step(T0 + 4000, (h) => h.taskCompleted(5, "fb"))), "fb");
  });

  it("explicitly: ep1 then ep2 on one session == replay(ep1 history) + execute(ep2)", async () => {
    const session = new OrchestrationSession(sessionOptions(scenarios));
    const ep1 = history().started("FanOut").build();
    const first = await session.execute(ep1);
    const ep2 = episodeAt(T0 + 5, (h) => h.taskCompleted(1, 1).taskFailed(3, "boom"));
    const cached = await session.execute(ep2);
    const recorded: HistoryEvent[] = [
      ...ep1,
      ...first.actions.map((a) => ({
        type: "TaskScheduled" as const,
        timestamp: "",
        eventId: a.id,
        name: "Square",
      })),
      { type: "OrchestratorCompleted", timestamp: "" },
    ];
    const fresh = await run(scenarios, recorded, ep2);
    assert.deepEqual(withoutStacks(cached), withoutStacks(fresh));
    assert.equal(failureOf(fresh).errorType, "TaskFailedError");
  });
});

describe("replay cost", () => {
  it("replays a 20,000-event history (5,000 sequential activities) quickly", async () => {
    const count = 5000;
    const sequential: Handlers = {
      Sum: async (ctx) => {
        let sum = 0;
        for (let i = 0; i < count; i++) sum += await ctx.callActivity<number>("Next", i);
        return sum;
      },
    };
    const builder = history().started("Sum").taskScheduled(0, "Next", 0).episodeEnd();
    for (let i = 0; i < count - 1; i++)
      builder.episode((h) => h.taskCompleted(i, i).taskScheduled(i + 1, "Next", i + 1));
    const past = builder.build();
    assert.ok(past.length >= 10_000, `${past.length} events`);
    const started = performance.now();
    const result = await run(
      sequential,
      past,
      episodeAt(T0, (h) => h.taskCompleted(count - 1, count - 1)),
    );
    const elapsed = performance.now() - started;
    assert.equal(output(result), (count * (count - 1)) / 2);
    assert.ok(elapsed < 10_000, `replay took ${Math.round(elapsed)} ms`);
  });
});
