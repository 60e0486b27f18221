/**
 * Patches: `ctx.patched(id)` is true for executions that reach it on the new code (a marker is recorded) and false
 * when replaying a history recorded before the patch; `ctx.deprecatePatch(id)` replays histories with and without the
 * marker. Old and new histories replay on patched code without NonDeterminismError: old ones built with the history
 * builder as the old code recorded them, new ones driven episode by episode (a kept session checked against a fresh
 * replay at every step).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEvent } from "../../src/core/history-event.js";
import type { OrchestrationContext } from "../../src/api/orchestration-context.js";
import { applyEpisode } from "../../src/orchestration/apply-episode.js";
import type { EpisodeResult } from "../../src/orchestration/episode.js";
import { planRewind } from "../../src/orchestration/rewind.js";
import { history, type HistoryBuilder } from "../../src/testing/history-builder.js";
import { Driver, T0, failureOf, output, run, type Handlers } from "./fixtures.js";

/** The seed's charge step, before and after the discount fix, and after its cleanup. */
const V1 = async (ctx: OrchestrationContext, order: number) => {
  const total = await ctx.callActivity<number>("Price", order);
  await ctx.callActivity("Charge", total);
  return total;
};
const V2 = async (ctx: OrchestrationContext, order: number) => {
  let total = await ctx.callActivity<number>("Price", order);
  if (ctx.patched("discount-fix")) total = await ctx.callActivity<number>("ApplyDiscount", total);
  await ctx.callActivity("Charge", total);
  return total;
};
const V3 = async (ctx: OrchestrationContext, order: number) => {
  let total = await ctx.callActivity<number>("Price", order);
  ctx.deprecatePatch("discount-fix");
  total = await ctx.callActivity<number>("ApplyDiscount", total);
  await ctx.callActivity("Charge", total);
  return total;
};
const V4 = async (ctx: OrchestrationContext, order: number) => {
  let total = await ctx.callActivity<number>("Price", order);
  total = await ctx.callActivity<number>("ApplyDiscount", total);
  await ctx.callActivity("Charge", total);
  return total;
};
const checkout = (handler: (ctx: OrchestrationContext, order: number) => Promise<number>): Handlers => ({
  Checkout: handler,
});

/** Replays `past` and applies the next episode (`next`) on `handlers`. */
function replayThen(
  handlers: Handlers,
  past: HistoryBuilder,
  next: (h: HistoryBuilder) => unknown,
): Promise<EpisodeResult> {
  past.newEvents().episodeStart();
  next(past);
  const split = past.split();
  return run(handlers, split.past, split.newEvents);
}

/** V1's history of one order, through its first `steps` episodes (1: Price scheduled; 2: Charge scheduled). */
function v1History(steps: 1 | 2): HistoryBuilder {
  const h = history().started("Checkout", { input: 100 }).taskScheduled(0, "Price", 100).episodeEnd();
  if (steps === 2) h.episode((e) => e.taskCompleted(0, 100).taskScheduled(1, "Charge", 100));
  return h;
}

/** V2's history of one order that took the fix, through its first `steps` episodes. */
function v2History(steps: 1 | 2 | 3): HistoryBuilder {
  const h = history().started("Checkout", { input: 100 }).taskScheduled(0, "Price", 100).episodeEnd();
  if (steps >= 2)
    h.episode((e) =>
      e.taskCompleted(0, 100).patchMarker("discount-fix", 1).taskScheduled(1, "ApplyDiscount", 100),
    );
  if (steps >= 3) h.episode((e) => e.taskCompleted(1, 90).taskScheduled(2, "Charge", 90));
  return h;
}

/** Replays V2's full history of a discounted order on `handler`, then its charge's result. */
const finishDiscounted = (handler: Parameters<typeof checkout>[0]) =>
  replayThen(checkout(handler), v2History(3), (h) => h.taskCompleted(2, "charged"));

const scheduled = (result: EpisodeResult) =>
  result.actions.map((a) => `${a.id} ${a.type === "ScheduleTask" ? a.name : a.type}`);

describe("ctx.patched", () => {
  it("(the fixtures) V1's hand-built history is the one V1 records", async () => {
    const d = new Driver(checkout(V1), "Checkout");
    await d.start(100);
    await d.step(T0 + 1000, (h) => h.taskCompleted(0, 100));
    const shape = (events: readonly HistoryEvent[]) =>
      events.map((e) => `${e.type}${e.type === "TaskScheduled" ? ` ${e.eventId} ${e.name} ${e.input}` : ""}`);
    assert.deepEqual(shape(d.history), shape(v1History(2).build()));
  });

  it("an old history that went past the patch replays on the old branch (false), without NonDeterminismError", async () => {
    const result = await replayThen(checkout(V2), v1History(2), (h) => h.taskCompleted(1, "charged"));
    assert.equal(
      output(result),
      100,
      "no discount: the instance had been priced and charged by the old code",
    );
    assert.equal(result.patches, undefined, "replay records no marker");
  });

  it("an old instance that had not reached the patch yet takes the new branch, recording the marker", async () => {
    const result = await replayThen(checkout(V2), v1History(1), (h) => h.taskCompleted(0, 100));
    assert.deepEqual(scheduled(result), ["1 ApplyDiscount"]);
    assert.deepEqual(result.patches, [{ patchId: "discount-fix", position: 1 }]);
    // Recorded just before the task it came before, with the episode's time; the task IDs do not move.
    const changes = applyEpisode(
      {
        instanceId: "instance-1",
        executionId: "execution-1",
        name: "Checkout",
        now: T0 + 5000,
        newEvents: [],
        newExecution: false,
      },
      result,
    );
    assert.deepEqual(
      changes.newHistory.map((e) => e.type),
      ["PatchMarkerRecorded", "TaskScheduled", "OrchestratorCompleted"],
    );
    assert.deepEqual(changes.newHistory[0], {
      type: "PatchMarkerRecorded",
      timestamp: new Date(T0 + 5000).toISOString(),
      patchId: "discount-fix",
      position: 1,
    });
  });

  it("a history recorded with the marker replays on the new branch (true)", async () => {
    const result = await finishDiscounted(V2);
    assert.equal(output(result), 90);
  });

  it("new instances take the new branch; a kept session and a fresh replay agree at every step", async () => {
    const d = new Driver(checkout(V2), "Checkout");
    await d.start(100);
    await d.step(T0 + 1000, (h) => h.taskCompleted(0, 100));
    await d.step(T0 + 2000, (h) => h.taskCompleted(1, 90));
    const done = await d.step(T0 + 3000, (h) => h.taskCompleted(2, "charged"));
    assert.equal(output(done), 90);
    const marker = d.history.findIndex((e) => e.type === "PatchMarkerRecorded");
    assert.ok(marker > 0, "the marker is in the history");
    assert.deepEqual(d.history[marker + 1], {
      ...d.history[marker + 1],
      type: "TaskScheduled",
      eventId: 1,
      name: "ApplyDiscount",
    });
    assert.equal(d.history.filter((e) => e.type === "PatchMarkerRecorded").length, 1);
  });

  it("the same history replays the same on the code that recorded it and on fresh sessions (old and new mixed)", async () => {
    // One old and one new history, both replayed whole on V2: each gets the branch it ran.
    const old = v1History(2)
      .episode((h) => h.taskCompleted(1, "charged").completed(100))
      .build();
    const fresh = v2History(3)
      .episode((h) => h.taskCompleted(2, "charged").completed(90))
      .build();
    for (const [events, expected] of [
      [old, 100],
      [fresh, 90],
    ] as const) {
      const replayed = await run(checkout(V2), events.slice(0, -2), events.slice(-2, -1));
      assert.equal(output(replayed), expected);
    }
  });

  it("a marker counts only where it was recorded: in the episode of the code run that reaches the patch", async () => {
    // Code that asks for the patch first thing, then waits for an event. This history has a marker of that ID at the
    // same position (0) but in its second episode (recorded by a code run after the event): the first episode's run,
    // which recorded no marker, must not see it.
    const asksFirst: Handlers = {
      W: async (ctx) => {
        const patched = ctx.patched("p");
        await ctx.waitForExternalEvent("go");
        return ctx.callActivity(patched ? "New" : "Old");
      },
    };
    const past = history()
      .started("W")
      .episodeEnd()
      .episode((h) => h.eventRaised("go").patchMarker("p", 0).taskScheduled(0, "Old"));
    const result = await replayThen(asksFirst, past, (h) => h.taskCompleted(0, "old"));
    assert.equal(output(result), "old");
  });

  it("a marker recorded at another position (the call moved) does not count", async () => {
    const moved: Handlers = {
      M: async (ctx) => {
        await ctx.callActivity("A");
        return ctx.callActivity(ctx.patched("p") ? "New" : "Old");
      },
    };
    const past = history()
      .started("M")
      .taskScheduled(0, "A")
      .episodeEnd()
      .episode((h) => h.taskCompleted(0, "a").patchMarker("p", 7).taskScheduled(1, "Old"));
    assert.equal(output(await replayThen(moved, past, (h) => h.taskCompleted(1, "old"))), "old");
  });

  it("refuses an empty patch ID", async () => {
    const { newEvents } = history().newEvents().started("Bad").split();
    const failure = failureOf(await run({ Bad: async (ctx) => ctx.patched("") }, [], newEvents));
    assert.equal(failure.errorType, "InvalidArgumentError");
    assert.match(failure.message, /patched needs a non-empty patch ID/);
  });
});

describe("ctx.deprecatePatch and removing the patch", () => {
  it("deprecatePatch replays a history with the marker", async () => {
    const result = await finishDiscounted(V3);
    assert.equal(output(result), 90);
  });

  it("deprecatePatch replays a history without the marker (an instance started after the cleanup)", async () => {
    const d = new Driver(checkout(V3), "Checkout");
    await d.start(100);
    const priced = await d.step(T0 + 1000, (h) => h.taskCompleted(0, 100));
    assert.equal(priced.patches, undefined, "deprecatePatch records no marker");
    await d.step(T0 + 2000, (h) => h.taskCompleted(1, 90));
    assert.equal(output(await d.step(T0 + 3000, (h) => h.taskCompleted(2, "ok"))), 90);
    assert.equal(
      d.history.some((e) => e.type === "PatchMarkerRecorded"),
      false,
    );
  });

  it("code without the call at all replays a history with the marker (a marker no code asks for is skipped)", async () => {
    const result = await finishDiscounted(V4);
    assert.equal(output(result), 90);
  });
});

describe("several patches", () => {
  /** Two fixes: a discount after pricing, a receipt after charging. */
  const twoFixes: Handlers = {
    Checkout: async (ctx, order: number) => {
      let total = await ctx.callActivity<number>("Price", order);
      if (ctx.patched("discount-fix")) total = await ctx.callActivity<number>("ApplyDiscount", total);
      await ctx.callActivity("Charge", total);
      if (ctx.patched("receipt")) await ctx.callActivity("SendReceipt", total);
      return total;
    },
  };

  it("an instance that took the first patch and is before the second one takes both", async () => {
    const result = await replayThen(twoFixes, v2History(3), (h) => h.taskCompleted(2, "charged"));
    assert.deepEqual(scheduled(result), ["3 SendReceipt"]);
    assert.deepEqual(result.patches, [{ patchId: "receipt", position: 3 }]);
  });

  it("an old instance past the first point and before the second takes only the second", async () => {
    const result = await replayThen(twoFixes, v1History(2), (h) => h.taskCompleted(1, "charged"));
    assert.deepEqual(
      scheduled(result),
      ["2 SendReceipt"],
      "no discount (replayed), a receipt (reached live)",
    );
    assert.deepEqual(result.patches, [{ patchId: "receipt", position: 2 }]);
  });

  it("patches asked for at the same point each have their marker, matched by ID whatever their order", async () => {
    const both: Handlers = {
      P: async (ctx) => [ctx.patched("a"), ctx.patched("b"), ctx.patched("c")],
    };
    const d = new Driver(both, "P");
    const first = await d.start();
    assert.deepEqual(output(first), [true, true, true]);
    assert.deepEqual(
      first.patches?.map((p) => `${p.patchId}@${p.position}`),
      ["a@0", "b@0", "c@0"],
    );
    // A history where only 'b' was recorded (the code then had one patch): 'a' and 'c' replay false.
    const past = history().started("P").patchMarker("b", 0).build();
    assert.deepEqual(output(await run(both, past, [])), [false, true, false]);
  });
});

describe("a patch inside a loop", () => {
  const loop: Handlers = {
    Loop: async (ctx) => {
      const done: unknown[] = [];
      for (let i = 0; i < 3; i++)
        done.push(await ctx.callActivity(ctx.patched("loop-fix") ? "New" : "Old", i));
      return done;
    },
  };

  it("is decided once per execution: one marker, every iteration on the new branch", async () => {
    const d = new Driver(loop, "Loop");
    await d.start();
    for (let i = 0; i < 2; i++) await d.step(T0 + 1000 * (i + 1), (h) => h.taskCompleted(i, `n${i}`));
    const done = await d.step(T0 + 5000, (h) => h.taskCompleted(2, "n2"));
    assert.deepEqual(output(done), ["n0", "n1", "n2"]);
    assert.equal(d.history.filter((e) => e.type === "PatchMarkerRecorded").length, 1);
    assert.deepEqual(
      d.history.flatMap((e) => (e.type === "TaskScheduled" ? [e.name] : [])),
      ["New", "New", "New"],
    );
  });

  it("an old history in the middle of the loop stays on the old branch for the iterations still to come", async () => {
    const past = history()
      .started("Loop")
      .taskScheduled(0, "Old", 0)
      .episodeEnd()
      .episode((h) => h.taskCompleted(0, "o0").taskScheduled(1, "Old", 1));
    const result = await replayThen(loop, past, (h) => h.taskCompleted(1, "o1"));
    assert.deepEqual(scheduled(result), ["2 Old"]);
    assert.equal(result.patches, undefined);
  });
});

describe("rewind keeps the markers of the episode it cuts", () => {
  it("a rewound instance decides its patch as it did before the failure", async () => {
    // The discount was taken in the episode where the charge then failed in a later episode... here the episode
    // that recorded the marker also holds the failure of a task scheduled earlier (a fan-out of two).
    const fanOut: Handlers = {
      F: async (ctx) => {
        const a = ctx.callActivity("A");
        const b = ctx.callActivity("B");
        await a;
        const extra = ctx.patched("p") ? await ctx.callActivity("Extra") : "none";
        return [await b, extra];
      },
    };
    const events: HistoryEvent[] = history()
      .started("F")
      .taskScheduled(0, "A")
      .taskScheduled(1, "B")
      .episodeEnd()
      .episode((h) =>
        h.taskCompleted(0, "a").taskFailed(1, "boom").patchMarker("p", 2).taskScheduled(2, "Extra"),
      )
      .build();
    const plan = planRewind(events, "instance-1", "execution-1");
    assert.deepEqual(plan.history.at(-1), {
      ...plan.history.at(-1),
      type: "PatchMarkerRecorded",
      patchId: "p",
    });
    // Replaying the kept history (B runs again), then B's new result.
    const result = await run(fanOut, plan.history, [
      { type: "OrchestratorStarted", timestamp: new Date(T0 + 9000).toISOString() },
      {
        type: "TaskCompleted",
        timestamp: new Date(T0 + 9000).toISOString(),
        taskScheduledId: 1,
        result: '"b"',
      },
    ]);
    assert.deepEqual(scheduled(result), ["2 Extra"], "the patched branch again, as before the failure");
  });
});
