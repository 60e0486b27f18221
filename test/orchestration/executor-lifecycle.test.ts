/**
 * Fixture tests of the executor: failures and compensation, sub-orchestrations, continue-as-new, suspend/resume,
 * terminate, and the ways an orchestrator can break (unknown name, non-durable await, unserializable output).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTaskFailedError } from "../../src/core/errors.js";
import type { OrchestrationContext } from "../../src/api/orchestration-context.js";
import { history } from "../../src/testing/history-builder.js";
import { Driver, T0, failureOf, output, run, type Handlers } from "./fixtures.js";

describe("activity failures", () => {
  const saga: Handlers = {
    Saga: async (ctx) => {
      await ctx.callActivity("Reserve");
      try {
        await ctx.callActivity("Charge", 100);
        return "charged";
      } catch (error) {
        if (!isTaskFailedError(error)) throw error;
        await ctx.callActivity("CancelReservation");
        return {
          name: error.name,
          message: error.message,
          taskName: error.taskName,
          errorType: error.failure.errorType,
          failureMessage: error.failure.message,
          cause: error.failure.cause?.message,
        };
      }
    },
    Uncaught: async (ctx) => ctx.callActivity("Charge"),
  };
  const declined = new TypeError("card declined", { cause: new Error("gateway timeout") });

  it("surface as TaskFailedError with the failure details; try/catch schedules the compensation", async () => {
    const driver = new Driver(saga, "Saga");
    await driver.start();
    await driver.step(T0 + 1, (h) => h.taskCompleted(0));
    const failed = await driver.step(T0 + 2, (h) => h.taskFailed(1, declined));
    assert.deepEqual(failed.actions, [
      {
        type: "ScheduleTask",
        id: 2,
        name: "CancelReservation",
        input: undefined,
        attempt: 1,
        firstAttemptId: 2,
      },
    ]);
    assert.equal(failed.outcome, undefined);
    assert.deepEqual(output(await driver.step(T0 + 3, (h) => h.taskCompleted(2))), {
      name: "TaskFailedError",
      message: "Activity 'Charge' failed: TypeError: card declined caused by Error: gateway timeout",
      taskName: "Charge",
      errorType: "TypeError",
      failureMessage: "card declined",
      cause: "gateway timeout",
    });
  });

  it("uncaught, fail the orchestration with the details and the cause chain", async () => {
    const driver = new Driver(saga, "Uncaught");
    await driver.start();
    const failure = failureOf(await driver.step(T0 + 1, (h) => h.taskFailed(0, declined)));
    assert.equal(failure.errorType, "TaskFailedError");
    assert.match(
      failure.message,
      /^Activity 'Charge' failed: TypeError: card declined caused by Error: gateway timeout$/,
    );
    assert.equal(failure.cause?.errorType, "TypeError");
    assert.equal(failure.cause?.message, "card declined");
    assert.equal(failure.cause?.cause?.message, "gateway timeout");
  });

  it("an orchestrator that throws fails with its own error", async () => {
    class OrderRejected extends Error {}
    const handlers: Handlers = {
      Throws: async () => {
        throw new OrderRejected("no stock");
      },
      ThrowsSync: () => {
        throw new RangeError("sync");
      },
    };
    const failure = failureOf(await run(handlers, [], history().started("Throws").build()));
    assert.deepEqual([failure.errorType, failure.message], ["OrderRejected", "no stock"]);
    const sync = failureOf(await run(handlers, [], history().started("ThrowsSync").build()));
    assert.deepEqual([sync.errorType, sync.message], ["RangeError", "sync"]);
  });
});

describe("sub-orchestrations", () => {
  const parent: Handlers = {
    Parent: async (ctx) => {
      const a = ctx.callSubOrchestrator<string>("Child", 1);
      const b = ctx.callSubOrchestrator<string>("Child", 2, { instanceId: "explicit-child" });
      return Promise.all([a, b]);
    },
    Child: async (ctx) => ctx.parent,
  };

  it("issue CreateSubOrchestration with a deterministic default ID or the explicit one; results arrive", async () => {
    const driver = new Driver(parent, "Parent", { instanceId: "order-7" });
    const first = await driver.start();
    assert.deepEqual(first.actions, [
      { type: "CreateSubOrchestration", id: 0, name: "Child", instanceId: "order-7:0000", input: "1" },
      { type: "CreateSubOrchestration", id: 1, name: "Child", instanceId: "explicit-child", input: "2" },
    ]);
    const done = await driver.step(T0 + 1, (h) =>
      h.subOrchestrationCompleted(1, "two").subOrchestrationCompleted(0, "one"),
    );
    assert.deepEqual(output(done), ["one", "two"]);
  });

  it("a child's failure surfaces as TaskFailedError", async () => {
    const driver = new Driver(parent, "Parent");
    await driver.start();
    const failure = failureOf(
      await driver.step(T0 + 1, (h) =>
        h.subOrchestrationFailed(0, { errorType: "Oops", message: "child broke" }),
      ),
    );
    assert.equal(failure.errorType, "TaskFailedError");
    assert.equal(failure.message, "Sub-orchestration 'Child' failed: Oops: child broke");
    assert.deepEqual(failure.cause, { errorType: "Oops", message: "child broke" });
  });

  it("the child sees its parent", async () => {
    const parentInfo = { instanceId: "order-7", executionId: "e", name: "Parent", taskScheduledId: 0 };
    const events = history().started("Child", { instanceId: "order-7:0000", parent: parentInfo }).build();
    assert.deepEqual(output(await run(parent, [], events)), { instanceId: "order-7", name: "Parent" });
  });

  it("default child IDs use the sequence number in 4 hex digits", async () => {
    const handlers: Handlers = {
      Many: async (ctx) => Promise.all(Array.from({ length: 11 }, () => ctx.callSubOrchestrator("Child"))),
    };
    const first = await new Driver(handlers, "Many", { instanceId: "p" }).start();
    assert.deepEqual(
      first.actions.slice(9).map((a) => a.type === "CreateSubOrchestration" && a.instanceId),
      ["p:0009", "p:000a"],
    );
  });
});

describe("continueAsNew", () => {
  const loop: Handlers = {
    Loop: async (ctx: OrchestrationContext, state: { n: number; preserve: boolean }) => {
      await ctx.callActivity("Work", state.n);
      const inc = await ctx.waitForExternalEvent<number>("inc");
      ctx.sendEvent("monitor", "progress", state.n + inc);
      ctx.continueAsNew({ ...state, n: state.n + inc }, { preserveUnprocessedEvents: state.preserve });
      ctx.callActivity("NeverScheduled");
      return "ignored";
    },
  };

  async function runLoop(preserve: boolean) {
    const driver = new Driver(loop, "Loop");
    await driver.start({ n: 10, preserve });
    const buffered = await driver.step(T0 + 1, (h) =>
      h.eventRaised("inc", 1).eventRaised("other", "x").eventRaised("INC", 2),
    );
    assert.equal(buffered.outcome, undefined);
    return driver.step(T0 + 2, (h) => h.taskCompleted(0).eventRaised("inc", 3).eventRaised("later", "y"));
  }

  it("ends the execution with the new input; actions after it are ignored (those before are kept)", async () => {
    const result = await runLoop(false);
    assert.deepEqual(result.outcome, {
      status: "ContinuedAsNew",
      input: '{"n":11,"preserve":false}',
      carryoverEvents: [],
    });
    assert.deepEqual(result.actions, [
      { type: "SendEvent", id: 1, instanceId: "monitor", name: "progress", input: "11" },
    ]);
  });

  it("with preserveUnprocessedEvents, buffered and not-yet-applied events carry over in order", async () => {
    const result = await runLoop(true);
    assert.equal(result.outcome?.status, "ContinuedAsNew");
    const carried = result.outcome?.status === "ContinuedAsNew" ? result.outcome.carryoverEvents : [];
    assert.deepEqual(
      carried.map((e) => [e.type, e.name, e.input]),
      [
        ["EventRaised", "other", '"x"'],
        ["EventRaised", "INC", "2"],
        ["EventRaised", "inc", "3"],
        ["EventRaised", "later", '"y"'],
      ],
    );
  });
});

describe("suspend and resume", () => {
  const chain: Handlers = {
    Chain: async (ctx) => {
      const a = await ctx.callActivity<string>("A");
      const e = await ctx.waitForExternalEvent<string>("e");
      return [a, e, await ctx.callActivity<string>("B")];
    },
  };

  it("events arriving while suspended are held, and applied in order after resume", async () => {
    const driver = new Driver(chain, "Chain");
    await driver.start();
    const suspended = await driver.step(T0 + 1, (h) => h.suspended("maintenance"));
    assert.deepEqual(suspended, {
      actions: [],
      customStatus: undefined,
      suspended: true,
      outcome: undefined,
    });
    const held = await driver.step(T0 + 2, (h) =>
      h.taskCompleted(0, "a").eventRaised("e", "first").eventRaised("e", "second"),
    );
    assert.deepEqual(held, { actions: [], customStatus: undefined, suspended: true, outcome: undefined });
    const resumed = await driver.step(T0 + 3, (h) => h.resumed());
    assert.equal(resumed.suspended, false);
    assert.deepEqual(resumed.actions, [
      { type: "ScheduleTask", id: 1, name: "B", input: undefined, attempt: 1, firstAttemptId: 1 },
    ]);
    assert.deepEqual(output(await driver.step(T0 + 4, (h) => h.taskCompleted(1, "b"))), ["a", "first", "b"]);
  });

  it("suspend and resume in the same batch", async () => {
    const driver = new Driver(chain, "Chain");
    await driver.start();
    const result = await driver.step(T0 + 1, (h) =>
      h.suspended().taskCompleted(0, "a").eventRaised("e", "x").resumed(),
    );
    assert.equal(result.suspended, false);
    assert.deepEqual(
      result.actions.map((a) => a.id),
      [1],
    );
  });

  it("a suspended instance can be terminated", async () => {
    const driver = new Driver(chain, "Chain");
    await driver.start();
    await driver.step(T0 + 1, (h) => h.suspended());
    const result = await driver.step(T0 + 2, (h) => h.terminated("stop"));
    assert.deepEqual(result.outcome, { status: "Terminated", reason: "stop" });
  });
});

describe("terminate", () => {
  it("ends with Terminated and the reason; later events are ignored", async () => {
    const handlers: Handlers = {
      Chain: async (ctx) => {
        await ctx.callActivity("A");
        await ctx.callActivity("B");
        return "done";
      },
    };
    const driver = new Driver(handlers, "Chain");
    await driver.start();
    const result = await driver.step(T0 + 1, (h) =>
      h.terminated("by admin").taskCompleted(0).eventRaised("x"),
    );
    assert.deepEqual(result, {
      actions: [],
      customStatus: undefined,
      suspended: false,
      outcome: { status: "Terminated", reason: "by admin" },
    });
  });
});

describe("orchestrator misuse", () => {
  it("an unknown orchestrator name fails with UnknownFunctionError naming it", async () => {
    const handlers: Handlers = { Known: async () => 1 };
    const failure = failureOf(await run(handlers, [], history().started("Missing").build()));
    assert.equal(failure.errorType, "UnknownFunctionError");
    assert.match(
      failure.message,
      /No orchestrator named 'Missing' is registered\. Registered orchestrators: Known\./,
    );
  });

  it("awaiting a non-durable promise fails with OrchestratorMisuseError", async () => {
    const handlers: Handlers = {
      Sleeps: async () => {
        // Detection is by stall: a non-durable wait that ends before the executor's drain (a few ms, or 50 ms on a
        // loaded machine) slips through. Use a long one (unref'd, so that it does not keep the test process alive).
        await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
        return "woke";
      },
      SleepsLater: async (ctx) => {
        await ctx.callActivity("A");
        await new Promise(() => undefined);
      },
    };
    const failure = failureOf(await run(handlers, [], history().started("Sleeps").build()));
    assert.equal(failure.errorType, "OrchestratorMisuseError");
    assert.match(failure.message, /Orchestrator 'Sleeps' is waiting, but not on any durable task/);
    assert.match(failure.message, /setTimeout/);
    const { past, newEvents } = history()
      .started("SleepsLater")
      .taskScheduled(0, "A")
      .episodeEnd()
      .newEvents()
      .episodeStart()
      .taskCompleted(0)
      .split();
    assert.equal(failureOf(await run(handlers, past, newEvents)).errorType, "OrchestratorMisuseError");
  });

  it("an output that cannot be serialized fails with a clear message", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const handlers: Handlers = {
      Big: async () => ({ total: 10n }),
      Circular: async () => circular,
      Fn: async () => () => 1,
      BadInput: async (ctx) => ctx.callActivity("A", { n: 1n }),
    };
    const cases: [string, RegExp][] = [
      ["Big", /^Orchestration output cannot be serialized to JSON: .*BigInt/],
      ["Circular", /^Orchestration output cannot be serialized to JSON: Converting circular structure/],
      ["Fn", /^Orchestration output cannot be serialized to JSON: it is a function/],
      ["BadInput", /^Input of activity 'A' cannot be serialized to JSON: .*BigInt/],
    ];
    for (const [name, message] of cases) {
      const failure = failureOf(await run(handlers, [], history().started(name).build()));
      assert.equal(failure.errorType, "InvalidArgumentError", name);
      assert.match(failure.message, message);
    }
  });
});
