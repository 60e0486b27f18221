/**
 * Fixture tests of an execution's limits: actions (`maxOrchestrationActions`), history events (`maxHistoryEvents`),
 * the warning at 80% (once per execution, never again on replay) and payload sizes (`maxPayloadBytes`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { history } from "../../src/testing/history-builder.js";
import { DEFAULT_MAX_ORCHESTRATION_ACTIONS } from "../../src/core/limits.js";
import { CaptureLog, Driver, T0, failureOf, output, run, type Handlers } from "./fixtures.js";

const loop: Handlers = {
  Loop: async (ctx) => {
    for (;;) await ctx.callActivity("Step");
  },
};

/** Runs `Loop` episode by episode, each activity completing in the next one, until the execution ends. */
async function runLoop(driver: Driver, episodes: number) {
  let result = await driver.start();
  for (let i = 0; i < episodes && result.outcome === undefined; i++) {
    const id = result.actions[0]!.id;
    result = await driver.step(T0 + (i + 1) * 1000, (h) => h.taskCompleted(id));
  }
  return result;
}

const warnings = (log: CaptureLog): string[] => log.lines.filter((l) => l.includes("80% of its limit"));

describe("maxOrchestrationActions", () => {
  it("fails a runaway loop at the limit with an error naming it and pointing at continueAsNew", async () => {
    const driver = new Driver(loop, "Loop", { session: { maxOrchestrationActions: 10 } });
    const result = await runLoop(driver, 50);
    const failure = failureOf(result);
    assert.equal(failure.errorType, "OrchestrationLimitError");
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /reached the limit of 10 actions in one execution \(maxOrchestrationActions\)/,
    );
    assert.match(failure.message, /ctx\.continueAsNew/);
    assert.deepEqual(result.actions, [], "the action over the limit is not issued");
    const scheduled = driver.history.filter((e) => e.type === "TaskScheduled");
    assert.equal(scheduled.length, 10, "exactly the limit was scheduled");
  });

  it("warns once at 80%, live: not again on any replay or later episode", async () => {
    const driver = new Driver(loop, "Loop", { session: { maxOrchestrationActions: 10 } });
    await runLoop(driver, 50); // every step replays the whole history afresh, and checks a kept session's lines
    const lines = warnings(driver.log);
    assert.equal(lines.length, 1, driver.log.lines.join("\n"));
    assert.match(lines[0]!, /^warn Loop\(instance-1\) Orchestration 'Loop' has 8 actions in this execution/);
    assert.match(lines[0]!, /maxOrchestrationActions.*ctx\.continueAsNew/);
    assert.equal(warnings(driver.cachedLog).length, 1);
  });

  it("replaying a history at the limit (a limit lowered since) fails without a warning", async () => {
    const builder = history().started("Loop");
    for (let id = 0; id < 5; id++)
      builder.taskScheduled(id, "Step").episodeEnd().episodeStart().taskCompleted(id);
    const log = new CaptureLog();
    const result = await run(loop, builder.build(), history().episodeStart().build(), log, {
      maxOrchestrationActions: 3,
    });
    assert.match(failureOf(result).message, /limit of 3 actions/);
    assert.deepEqual(warnings(log), [], "the warning's mark was crossed while replaying");
  });

  it("stops a loop that schedules without awaiting at the limit, allocating no more", async () => {
    let calls = 0;
    const handlers: Handlers = {
      Spin: (ctx) => {
        for (;;) {
          calls++;
          void ctx.createTimer(T0 + calls);
        }
      },
    };
    const result = await run(handlers, [], history().started("Spin").build(), undefined, {
      maxOrchestrationActions: 100,
    });
    assert.match(failureOf(result).message, /limit of 100 actions/);
    assert.equal(calls, 101, "the 101st call threw");
    assert.deepEqual(result.actions, []);
  });

  it("defaults to 100,000 actions, as Durable Functions", async () => {
    let calls = 0;
    const handlers: Handlers = {
      Spin: (ctx) => {
        for (;;) {
          calls++;
          ctx.sendEvent("other", "tick");
        }
      },
    };
    const log = new CaptureLog();
    const result = await run(handlers, [], history().started("Spin").build(), log);
    assert.equal(DEFAULT_MAX_ORCHESTRATION_ACTIONS, 100_000);
    assert.match(failureOf(result).message, /limit of 100,000 actions/);
    assert.equal(calls, 100_001);
    assert.equal(warnings(log).length, 1);
  });

  it("counts every kind of action, retries included; code may catch the error, but every later action throws", async () => {
    const handlers: Handlers = {
      Mixed: async (ctx) => {
        ctx.sendEvent("other", "e"); // 1
        ctx.signalEntity("Counter", "k", "add", 1); // 2
        void ctx.callSubOrchestrator("Child"); // 3
        void ctx.createTimer(T0 + 1000); // 4
        try {
          void ctx.callActivity("A"); // 5: over the limit
        } catch (error) {
          ctx.setCustomStatus((error as Error).name);
        }
        assert.throws(() => ctx.callEntity("Counter", "k", "get"), { name: "OrchestrationLimitError" });
        return "done"; // too late: the execution failed at the limit
      },
    };
    const result = await run(handlers, [], history().started("Mixed").build(), undefined, {
      maxOrchestrationActions: 4,
    });
    assert.match(failureOf(result).message, /limit of 4 actions/);
    assert.equal(result.customStatus, JSON.stringify("OrchestrationLimitError"));
  });

  it("a fresh execution (continueAsNew) starts counting again", async () => {
    const handlers: Handlers = {
      Eternal: async (ctx, round: number) => {
        for (let i = 0; i < 3; i++) await ctx.callActivity("Step");
        ctx.continueAsNew(round + 1);
      },
    };
    const driver = new Driver(handlers, "Eternal", { session: { maxOrchestrationActions: 3 } });
    let result = await driver.start(0);
    for (let id = 0; id < 3; id++)
      result = await driver.step(T0 + (id + 1) * 1000, (h) => h.taskCompleted(id));
    assert.equal(result.outcome?.status, "ContinuedAsNew");
  });
});

describe("maxHistoryEvents", () => {
  const listener: Handlers = {
    Listen: async (ctx) => {
      for (;;) await ctx.waitForExternalEvent("tick");
    },
  };

  it("fails an execution whose history outgrows the limit (events alone, no actions), warning once at 80%", async () => {
    const driver = new Driver(listener, "Listen", { session: { maxHistoryEvents: 20 } });
    // ExecutionStarted, then each episode: OrchestratorStarted + OrchestratorCompleted + one EventRaised.
    let result = await driver.start();
    let episodes = 0;
    while (result.outcome === undefined && episodes < 50) {
      episodes++;
      result = await driver.step(T0 + episodes * 1000, (h) => h.eventRaised("tick", episodes));
    }
    const failure = failureOf(result);
    assert.equal(failure.errorType, "OrchestrationLimitError");
    assert.match(failure.message, /limit of 20 history events in one execution \(maxHistoryEvents\)/);
    assert.match(failure.message, /ctx\.continueAsNew/);
    // ExecutionStarted and its episode's start and end (3), then 3 per episode: the 6th makes 21 > 20.
    assert.equal(episodes, 6);
    const lines = warnings(driver.log);
    assert.equal(lines.length, 1, driver.log.lines.join("\n"));
    assert.match(
      lines[0]!,
      /has 17 history events in this execution, at least 80% of its limit of 20 \(maxHistoryEvents\)/,
    );
  });

  it("counts the events an episode's actions add", async () => {
    const handlers: Handlers = {
      Burst: async (ctx) => {
        for (let i = 0; i < 10; i++) ctx.sendEvent("other", "e");
        await ctx.createTimer(T0 + 1000);
      },
    };
    // ExecutionStarted (1) + the episode's start and end (2) + 10 events sent: the 8th action makes 11 > 10.
    const result = await run(handlers, [], history().started("Burst").build(), undefined, {
      maxHistoryEvents: 10,
    });
    assert.match(failureOf(result).message, /limit of 10 history events/);
    assert.deepEqual(result.actions, []);
  });
});

describe("maxPayloadBytes", () => {
  const big = "x".repeat(200);

  it("an activity input over the limit throws PayloadTooLargeError in the orchestrator, which may catch it", async () => {
    let caught: unknown;
    const handlers: Handlers = {
      Send: async (ctx) => {
        try {
          await ctx.callActivity("A", big);
        } catch (error) {
          caught = error;
          return "caught";
        }
      },
    };
    const result = await run(handlers, [], history().started("Send").build(), undefined, {
      maxPayloadBytes: 100,
    });
    assert.equal(output(result), "caught");
    assert.deepEqual(result.actions, []);
    assert.equal((caught as Error).name, "PayloadTooLargeError");
    assert.match(
      (caught as Error).message,
      /^Input of activity 'A' is 202 bytes of JSON, more than the payload limit of 100 bytes \(maxPayloadBytes\)/,
    );
  });

  it("an output, custom status or event data over the limit fails the execution with the error", async () => {
    const cases: [Handlers, RegExp][] = [
      [{ O: async () => big }, /^Orchestration output is 202 bytes/],
      [{ O: async (ctx) => ctx.setCustomStatus(big) }, /^Custom status is 202 bytes/],
      [{ O: async (ctx) => ctx.sendEvent("other", "e", big) }, /^Data of event 'e' is 202 bytes/],
      [{ O: async (ctx) => ctx.continueAsNew(big) }, /^continueAsNew input is 202 bytes/],
      [{ O: async (ctx) => ctx.signalEntity("E", "k", "op", big) }, /^Input of entity operation 'op'/],
    ];
    for (const [handlers, message] of cases) {
      const result = await run(handlers, [], history().started("O").build(), undefined, {
        maxPayloadBytes: 100,
      });
      const failure = failureOf(result);
      assert.equal(failure.errorType, "PayloadTooLargeError");
      assert.match(failure.message, message);
      assert.equal(failure.nonRetryable, true);
    }
  });

  it("counts UTF-8 bytes, not characters", async () => {
    const handlers: Handlers = { O: async () => "é".repeat(40) }; // 42 characters of JSON, 82 bytes
    const within = await run(handlers, [], history().started("O").build(), undefined, {
      maxPayloadBytes: 82,
    });
    assert.equal(output(within), "é".repeat(40));
    const over = await run(handlers, [], history().started("O").build(), undefined, { maxPayloadBytes: 81 });
    assert.match(failureOf(over).message, /is 82 bytes of JSON, more than the payload limit of 81 bytes/);
  });

  it("refuses a limit that is not a positive integer", async () => {
    await assert.rejects(
      run(loop, [], history().started("Loop").build(), undefined, { maxPayloadBytes: 0 }),
      {
        name: "InvalidArgumentError",
        message: /maxPayloadBytes must be a positive integer/,
      },
    );
  });
});
