/**
 * Fixture tests of the executor's replay-safe APIs: timers and time, isReplaying, the replay-safe logger, newGuid
 * and custom status.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestrationSession } from "../../src/orchestration/orchestration-session.js";
import { history } from "../../src/testing/history-builder.js";
import {
  CaptureLog,
  Driver,
  T0,
  episodeAt,
  failureOf,
  iso,
  output,
  run,
  sessionOptions,
  type Handlers,
} from "./fixtures.js";

describe("timers and time", () => {
  const timers: Handlers = {
    Timers: async (ctx) => {
      const seen = [ctx.currentUtcDateTime.toISOString()];
      await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 3_600_000));
      seen.push(ctx.currentUtcDateTime.toISOString());
      await ctx.createTimer(ctx.currentUtcDateTime.getTime() + 1000); // epoch ms works too
      seen.push(ctx.currentUtcDateTime.toISOString());
      return seen;
    },
  };

  it("createTimer issues CreateTimer with an ISO fireAt; currentUtcDateTime is the episode's time, live and on replay", async () => {
    const driver = new Driver(timers, "Timers");
    const first = await driver.start(undefined, T0);
    assert.deepEqual(first.actions, [{ type: "CreateTimer", id: 0, fireAt: iso(T0 + 3_600_000) }]);
    const late = T0 + 3_600_000 + 250; // the timer fired a little late: time is the episode's, not the due time
    const second = await driver.step(late, (h) => h.timerFired(0, T0 + 3_600_000));
    assert.deepEqual(second.actions, [{ type: "CreateTimer", id: 1, fireAt: iso(late + 1000) }]);
    const done = await driver.step(late + 1500, (h) => h.timerFired(1, late + 1000));
    assert.deepEqual(output(done), [iso(T0), iso(late), iso(late + 1500)]);
  });

  it("a hand-written history replays with each episode's own time", async () => {
    const h = history({ baseTime: T0, stepMs: 10_000 })
      .started("Timers")
      .timerCreated(0, T0 + 3_600_000)
      .episodeEnd()
      .episode((b) => b.timerFired(0, T0 + 3_600_000).timerCreated(1, T0 + 3_601_000), T0 + 3_600_000)
      .newEvents()
      .episodeStart(T0 + 3_700_000)
      .timerFired(1, T0 + 3_601_000);
    const { past, newEvents } = h.split();
    assert.deepEqual(output(await run(timers, past, newEvents)), [
      iso(T0),
      iso(T0 + 3_600_000),
      iso(T0 + 3_700_000),
    ]);
  });

  it("createTimer rejects an invalid date", async () => {
    const handlers: Handlers = { Bad: async (ctx) => ctx.createTimer(new Date("nope")) };
    const failure = failureOf(await run(handlers, [], history().started("Bad").build()));
    assert.equal(failure.errorType, "InvalidArgumentError");
    assert.match(failure.message, /createTimer needs a valid Date/);
  });
});

describe("replay-safe APIs", () => {
  const logged: Handlers = {
    Logged: async (ctx) => {
      const flags = [ctx.isReplaying];
      ctx.log.info("starting");
      await ctx.callActivity("A");
      flags.push(ctx.isReplaying);
      ctx.log.info("after A");
      await ctx.callActivity("B");
      flags.push(ctx.isReplaying);
      ctx.log.warn("after B");
      return flags;
    },
  };

  it("isReplaying is true during past events and false for new ones; ctx.log writes only when not replaying", async () => {
    const log = new CaptureLog();
    const { past, newEvents } = history()
      .started("Logged", { instanceId: "log-1" })
      .taskScheduled(0, "A")
      .episodeEnd()
      .episode((h) => h.taskCompleted(0).taskScheduled(1, "B"))
      .newEvents()
      .episodeStart()
      .taskCompleted(1)
      .split();
    assert.deepEqual(output(await run(logged, past, newEvents, log)), [true, true, false]);
    assert.deepEqual(log.lines, ["warn Logged(log-1) after B"]);
  });

  it("live, every line is written exactly once across episodes", async () => {
    // Fresh replay per episode (the driver's default): old lines are not written again.
    const driver = new Driver(logged, "Logged", { checkCache: false });
    await driver.start();
    await driver.step(T0 + 1, (h) => h.taskCompleted(0));
    assert.deepEqual(output(await driver.step(T0 + 2, (h) => h.taskCompleted(1))), [true, true, false]);
    const lines = [
      "info Logged(instance-1) starting",
      "info Logged(instance-1) after A",
      "warn Logged(instance-1) after B",
    ];
    assert.deepEqual(driver.log.lines, lines);
    // One session kept alive: nothing is ever replayed.
    const log = new CaptureLog();
    const session = new OrchestrationSession(sessionOptions(logged, log));
    await session.execute(history().started("Logged").build());
    await session.execute(episodeAt(T0 + 1, (h) => h.taskCompleted(0)));
    assert.deepEqual(output(await session.execute(episodeAt(T0 + 2, (h) => h.taskCompleted(1)))), [
      false,
      false,
      false,
    ]);
    assert.deepEqual(log.lines, lines);
  });

  it("newGuid is a v5 UUID, the same on every replay and different for every call", async () => {
    const guids: Handlers = {
      Guids: async (ctx) => {
        const first = [ctx.newGuid(), ctx.newGuid()];
        ctx.setCustomStatus(first);
        await ctx.callActivity("A");
        return [...first, ctx.newGuid()];
      },
    };
    const driver = new Driver(guids, "Guids");
    const live = JSON.parse((await driver.start()).customStatus ?? "null") as string[];
    const firstEpisode = [...driver.history];
    const all = output<string[]>(await driver.step(T0 + 1, (h) => h.taskCompleted(0)));
    assert.deepEqual(all.slice(0, 2), live, "replayed GUIDs equal the live ones");
    assert.equal(new Set(all).size, 3);
    for (const guid of all)
      assert.match(guid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const again = await run(
      guids,
      firstEpisode,
      episodeAt(T0 + 1, (h) => h.taskCompleted(0)),
    );
    assert.deepEqual(output(again), all);
    const otherInstance = new Driver(guids, "Guids", { instanceId: "instance-2" });
    const otherGuids = JSON.parse((await otherInstance.start()).customStatus ?? "null") as string[];
    assert.notDeepEqual(otherGuids, live);
  });

  it("setCustomStatus is reflected in the result, live and after replay", async () => {
    const handlers: Handlers = {
      Status: async (ctx) => {
        ctx.setCustomStatus({ stage: "started" });
        await ctx.callActivity("A");
        ctx.setCustomStatus("done");
        await ctx.callActivity("B");
        return 1;
      },
    };
    const driver = new Driver(handlers, "Status");
    assert.equal((await driver.start()).customStatus, '{"stage":"started"}');
    assert.equal((await driver.step(T0 + 1, (h) => h.taskCompleted(0))).customStatus, '"done"');
    const replayedOnly = await run(handlers, driver.history, []);
    assert.equal(replayedOnly.customStatus, '"done"');
  });
});
