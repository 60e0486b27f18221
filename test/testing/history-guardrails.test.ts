/**
 * The test environment's history guardrails: `close()` replays every orchestration's final history once and fails
 * the test when code diverges on replay (Math.random, the wall clock) or awaited a non-durable promise, naming the
 * instance and the diverging call; sound orchestrations of every kind pass; `checkDeterminism: false` turns it off.
 * The divergences are made certain, not left to chance: Math.random and Date are mocked to change between the run
 * and the replay.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { createTestEnvironment, DeterminismCheckError, history } from "../../src/testing/index.js";
import { checkFinalHistory } from "../../src/testing/final-history-check.js";
import { replayHistory } from "../../src/orchestration/replay-check.js";

/** Asserts that `closing` rejects with a DeterminismCheckError of one problem, and returns the problem. */
async function oneProblem(closing: Promise<void>) {
  const error = await closing.then(
    () => assert.fail("close() should have failed the test"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DeterminismCheckError, String(error));
  assert.equal(error.problems.length, 1, error.message);
  return { error, problem: error.problems[0]! };
}

/** An app whose orchestration calls activity A or B, as `pick` says. */
function branchingApp(pick: () => "A" | "B") {
  const app = new DurableApp();
  app.activity("A", () => "a");
  app.activity("B", () => "b");
  const branching = app.orchestration("Branching", (ctx) => ctx.callActivity<string>(pick(), undefined));
  return { app, branching };
}

describe("history guardrails", () => {
  it("fails an orchestration that branches on Math.random, naming the instance and both calls", async (t) => {
    const draws = [0.1, 0.9]; // the run draws 0.1 (activity A); the replay draws 0.9 (activity B)
    t.mock.method(Math, "random", () => draws.shift() ?? 0.9);
    const { app, branching } = branchingApp(() => (Math.random() < 0.5 ? "A" : "B"));
    const env = await createTestEnvironment(app);
    const id = await env.client.startNew(branching, { instanceId: "random-1" });
    const status = await env.client.waitForCompletion(id);
    assert.equal(status.output, "a", "live, the orchestration completed: the cache never replayed it");
    const { error, problem } = await oneProblem(env.close());
    assert.deepEqual(
      { instanceId: problem.instanceId, name: problem.name, kind: problem.kind },
      { instanceId: "random-1", name: "Branching", kind: "divergence" },
    );
    assert.match(
      problem.message,
      /History recorded TaskScheduled 'A' as task #0, but on replay the orchestrator 'Branching' called callActivity\('B'\) as task #0/,
    );
    assert.match(error.message, /orchestration 'Branching', instance 'random-1' \(divergence\)/);
  });

  it("fails an orchestration that branches on the wall clock (new Date) when the replay runs later", async (t) => {
    t.mock.timers.enable({ apis: ["Date"], now: Date.parse("2024-03-01T16:59:59Z") });
    const app = new DurableApp();
    app.activity("Ship", () => "shipped");
    app.activity("Queue", () => "queued");
    app.activity("Notify", () => undefined);
    const dispatch = app.orchestration("Dispatch", async (ctx) => {
      const result = await ctx.callActivity<string>("Ship", undefined);
      // Wrong: office hours read from the wall clock. (ctx.currentUtcDateTime is the replay-safe time.)
      if (new Date().getUTCHours() < 17) await ctx.callActivity("Notify", result);
      return result;
    });
    const env = await createTestEnvironment(app);
    const id = await env.client.startNew(dispatch, { instanceId: "office-hours" });
    assert.equal((await env.client.waitForCompletion(id)).output, "shipped");
    t.mock.timers.tick(2_000); // 17:00:01: the replay takes the other branch
    const { problem } = await oneProblem(env.close());
    assert.equal(problem.instanceId, "office-hours");
    assert.match(
      problem.message,
      /History recorded TaskScheduled 'Notify' as task #1, but on replay the orchestrator 'Dispatch' did not schedule task #1/,
    );
  });

  it("fails an orchestration that awaits a non-durable promise (setTimeout)", async () => {
    const app = new DurableApp();
    const sleepy = app.orchestration("Sleepy", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000).unref()); // not a durable timer
      return "woke";
    });
    const env = await createTestEnvironment(app);
    const id = await env.client.startNew(sleepy, { instanceId: "sleepy-1" });
    const status = await env.client.waitForCompletion(id);
    assert.equal(status.runtimeStatus, "Failed");
    const { problem } = await oneProblem(env.close());
    assert.deepEqual(
      { instanceId: problem.instanceId, kind: problem.kind },
      { instanceId: "sleepy-1", kind: "non-durable-await" },
    );
    assert.match(problem.message, /Orchestrator 'Sleepy' is waiting, but not on any durable task/);
  });

  it("fails an orchestration that awaits a non-durable promise between durable calls", async () => {
    const app = new DurableApp();
    const step = app.activity("Step", (n: number) => n);
    const fetchy = app.orchestration("Fetchy", async (ctx) => {
      const first = ctx.callActivity(step, 1);
      await new Promise((resolve) => setTimeout(resolve, 5_000).unref()); // as `await fetch(...)` would
      return (await first) + (await ctx.callActivity(step, 2));
    });
    const env = await createTestEnvironment(app);
    await env.client.waitForCompletion(await env.client.startNew(fetchy, { instanceId: "fetchy-1" }));
    const { problem } = await oneProblem(env.close());
    assert.deepEqual(
      { instanceId: problem.instanceId, kind: problem.kind },
      { instanceId: "fetchy-1", kind: "non-durable-await" },
    );
  });

  it("passes sound orchestrations of every kind: timers, events, sub-orchestrations, entities, continue-as-new", async () => {
    const app = new DurableApp();
    const double = app.activity("Double", (n: number) => n * 2);
    const counter = app.entity("Counter", {
      initialState: () => 0,
      operations: { add: (state: number, n: number) => state + n, get: (state: number) => state },
    });
    const child = app.orchestration("Child", (ctx, n: number) => ctx.callActivity(double, n));
    const loop = app.orchestration("Loop", async (ctx, n: number) => {
      await ctx.createTimer(ctx.currentUtcDateTime.getTime() + 60_000);
      if (n < 3) ctx.continueAsNew(n + 1);
      return n;
    });
    const parent = app.orchestration("Parent", async (ctx) => {
      const doubled = await Promise.all([1, 2, 3].map((n) => ctx.callSubOrchestrator(child, n)));
      await ctx.callEntity(
        counter,
        "total",
        "add",
        doubled.reduce((a, b) => a + b, 0),
      );
      const answer = ctx.waitForExternalEvent<string>("Go");
      const deadline = ctx.createTimer(ctx.currentUtcDateTime.getTime() + 3_600_000);
      const winner = await ctx.whenAny([answer, deadline]);
      if (winner === answer) deadline.cancel();
      ctx.setCustomStatus({ guid: ctx.newGuid(), at: ctx.currentUtcDateTime });
      const total = await ctx.callEntity(counter, "total", "get");
      ctx.signalEntity(counter, "total", "add", 1); // fire and forget, as the execution ends
      return { doubled, total, went: winner === answer };
    });
    await using env = await createTestEnvironment(app, { maxCachedOrchestrations: 0 });
    const id = await env.client.startNew(parent);
    await env.client.raiseEvent(id, "Go", "now");
    assert.deepEqual((await env.client.waitForCompletion(id)).output, {
      doubled: [2, 4, 6],
      total: 12,
      went: true,
    });
    const timedOut = await env.client.startNew(parent);
    assert.equal(((await env.client.waitForCompletion(timedOut)).output as { went: boolean }).went, false);
    assert.equal(
      (await env.client.waitForCompletion(await env.client.startNew(loop, { input: 0 }))).output,
      3,
    );
    const waiting = await env.client.startNew(parent); // left running: its history is checked too
    const suspended = await env.client.startNew(loop, { input: 0 });
    await env.waitForIdle();
    await env.client.suspend(suspended, "checked while suspended");
    await env.client.terminate(waiting, "checked once terminated");
    await env.waitForIdle();
  }); // `await using` closes the environment here: no DeterminismCheckError

  it("can be turned off", async (t) => {
    const draws = [0.1, 0.9];
    t.mock.method(Math, "random", () => draws.shift() ?? 0.9);
    const { app, branching } = branchingApp(() => (Math.random() < 0.5 ? "A" : "B"));
    const env = await createTestEnvironment(app, { checkDeterminism: false });
    await env.client.waitForCompletion(await env.client.startNew(branching));
    await env.close();
  });
});

describe("checkFinalHistory", () => {
  const options = (handler: Parameters<DurableApp["orchestration"]>[1]) => ({ resolve: () => handler });

  it("names a call the replayed code makes that the history does not record", async () => {
    const recorded = history()
      .episode((h) => h.started("Grows", { instanceId: "g-1" }))
      .build();
    const grows = options(async (ctx) => {
      await ctx.callActivity("Extra", undefined);
      return "done";
    });
    const problem = await checkFinalHistory(grows, "g-1", recorded);
    assert.equal(problem?.kind, "divergence");
    assert.equal(
      (await replayHistory(recorded, grows)).kind,
      "replayed",
      "against changed code (taskhub replay-check) the call is the next step's work",
    );
    assert.match(
      problem!.message,
      /History records no task #0, but on replay the orchestrator 'Grows' called callActivity\('Extra'\) as task #0\./,
    );
  });

  it("passes a last episode that holds events past the one the code ended on, and the calls it made ending", async () => {
    const start = Date.parse("2024-01-01T00:00:00Z");
    const recorded = history()
      .episode((h) =>
        h
          .started("Race", { instanceId: "r-1" })
          .taskScheduled(0, "A")
          .timerCreated(1, start + 60_000),
      )
      .episode((h) =>
        h
          .taskCompleted(0, "a")
          .timerFired(1, start + 60_000) // arrived with the result: recorded, never read
          .eventSent(2, "other", "Done", "a") // sent as the code returned
          .completed("a"),
      )
      .build();
    const race = async (ctx: Parameters<Parameters<DurableApp["orchestration"]>[1]>[0]) => {
      const a = ctx.callActivity<string>("A", undefined);
      const timer = ctx.createTimer(start + 60_000);
      await ctx.whenAny([a, timer]);
      ctx.sendEvent("other", "Done", await a);
      return a;
    };
    assert.equal(await checkFinalHistory(options(race), "r-1", recorded), undefined);
    const renamed = async (ctx: Parameters<typeof race>[0]) => {
      const a = ctx.callActivity<string>("A", undefined);
      await ctx.whenAny([a, ctx.createTimer(start + 60_000)]);
      ctx.sendEvent("other", "Finished", await a);
      return a;
    };
    assert.match(
      (await checkFinalHistory(options(renamed), "r-1", recorded))?.message ?? "",
      /History recorded EventSent 'Done' as task #2, but on replay the orchestrator 'Race' called sendEvent\('Finished' to 'other'\) as task #2\./,
    );
  });

  it("names an execution that ends earlier on replay than its history", async () => {
    const recorded = history()
      .episode((h) => h.started("Early", { instanceId: "x-1" }).eventRaised("Go", 1))
      .episode((h) => h.eventRaised("Go", 2).completed(3))
      .build();
    const early = options(async (ctx) => (await ctx.waitForExternalEvent<number>("Go")) + 2);
    const problem = await checkFinalHistory(early, "x-1", recorded);
    assert.equal((await replayHistory(recorded, early)).kind, "replayed", "against changed code: a change");
    assert.match(
      problem?.message ?? "",
      /History goes on after event 3 of 8, but on replay the orchestrator 'Early' completed there\./,
    );
  });

  it("names an execution that ends otherwise on replay", async () => {
    const recorded = history().started("Ends", { instanceId: "e-1" }).completed("done").build();
    const problem = await checkFinalHistory(
      options(() => {
        throw new Error("changed my mind");
      }),
      "e-1",
      recorded,
    );
    assert.match(
      problem?.message ?? "",
      /History recorded no failure, but on replay the orchestrator 'Ends' failed with Error: changed my mind/,
    );
  });
});
