/**
 * Structured logs of the worker and of orchestrations: a failed activity attempt, a retry and a lease takeover are
 * `warn` lines with the instance's fields and the failure's type and message; `ctx.log` writes through the same
 * logger with the instance's fields, once (not again on replay); levels filter; a console-like logger still works.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp, RetryPolicy, Worker, sqliteTaskHub } from "../../src/index.js";
import { captureHostLogger, RecordingSink, type LogLine } from "../support/log-capture.js";

/** An app whose activity fails its first attempt; the orchestration retries it and logs around it. */
function retryingApp(): { app: DurableApp; orchestration: string } {
  const app = new DurableApp();
  let calls = 0;
  const flaky = app.activity("Flaky", async () => {
    if (++calls === 1) throw new TypeError("flaky once");
    return "ok";
  });
  app.orchestration("Retrying", async (ctx) => {
    ctx.log.info("orchestrator starting", { orderId: 7 });
    const retry = new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 3 });
    const result = await ctx.callActivity(flaky, undefined, { retry });
    ctx.log.warn("orchestrator done: %s", result);
    return result;
  });
  return { app, orchestration: "Retrying" };
}

const matching = (lines: LogLine[], message: RegExp): LogLine[] => lines.filter((l) => message.test(l.msg));

describe("structured logs", () => {
  it("a failed attempt and its retry are warn lines with the instance's and the failure's fields; ctx.log lines once", async () => {
    const { app, orchestration } = retryingApp();
    const capture = captureHostLogger("debug");
    // No session cache: every step replays the history, so a line written again on replay would show.
    const host = await app.start({
      taskHub: sqliteTaskHub(":memory:"),
      logger: capture.logger,
      maxCachedOrchestrations: 0,
    });
    try {
      const id = await host.client.startNew(orchestration, { instanceId: "retry-1" });
      const status = await host.client.waitForCompletion(id);
      assert.equal(status.runtimeStatus, "Completed");
      const executionId = (await host.taskHub.getInstance(id))?.executionId;
      assert.ok(executionId);
      const instance = { instanceId: "retry-1", executionId, name: "Retrying" };
      const lines = capture.lines();
      for (const line of lines) assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const [failed, ...moreFailed] = matching(lines, /^Activity 'Flaky' attempt 1 failed/);
      assert.ok(failed, "the failed attempt is logged");
      assert.equal(moreFailed.length, 0);
      assert.deepEqual(
        {
          level: failed.level,
          instanceId: failed.instanceId,
          executionId: failed.executionId,
          name: failed.name,
          activity: failed.activity,
          attempt: failed.attempt,
          errorType: failed.errorType,
          errorMessage: failed.errorMessage,
        },
        {
          level: "warn",
          ...instance,
          activity: "Flaky",
          attempt: 1,
          errorType: "TypeError",
          errorMessage: "flaky once",
        },
      );

      const retries = matching(
        lines,
        /^Retrying activity 'Flaky' in 10 ms \(attempt 2 of 3\): attempt 1 failed: TypeError: flaky once$/,
      );
      assert.equal(retries.length, 1, `one retry line, got ${JSON.stringify(retries)}`);
      const [retry] = retries;
      assert.deepEqual(
        {
          level: retry?.level,
          instanceId: retry?.instanceId,
          executionId: retry?.executionId,
          name: retry?.name,
          activity: retry?.activity,
          attempt: retry?.attempt,
          retryInMs: retry?.retryInMs,
          errorType: retry?.errorType,
          errorMessage: retry?.errorMessage,
        },
        {
          level: "warn",
          ...instance,
          activity: "Flaky",
          attempt: 1,
          retryInMs: 10,
          errorType: "TypeError",
          errorMessage: "flaky once",
        },
      );
      assert.equal(matching(lines, /attempt 2 failed/).length, 0, "the second attempt succeeded");

      const starting = matching(lines, /^orchestrator starting$/);
      assert.equal(starting.length, 1, "ctx.log lines are written once, not on replay");
      assert.deepEqual(
        [starting[0]?.level, starting[0]?.instanceId, starting[0]?.executionId, starting[0]?.name],
        ["info", "retry-1", executionId, "Retrying"],
      );
      assert.equal(starting[0]?.orderId, 7, "a last plain-object argument adds fields");
      const done = matching(lines, /^orchestrator done: ok$/);
      assert.equal(done.length, 1);
      assert.equal(done[0]?.level, "warn");
      assert.equal(done[0]?.instanceId, "retry-1");
    } finally {
      await host.stop();
    }
  });

  it("--log-level warn drops info and debug lines and keeps warnings", async () => {
    const { app, orchestration } = retryingApp();
    const capture = captureHostLogger("warn");
    const host = await app.start({ taskHub: sqliteTaskHub(":memory:"), logger: capture.logger });
    try {
      const id = await host.client.startNew(orchestration);
      assert.equal((await host.client.waitForCompletion(id)).runtimeStatus, "Completed");
      const lines = capture.lines();
      assert.ok(lines.length > 0);
      assert.deepEqual([...new Set(lines.map((l) => l.level))], ["warn"]);
      assert.equal(matching(lines, /^orchestrator starting$/).length, 0, "ctx.log.info is dropped");
      assert.equal(matching(lines, /^Activity 'Flaky' attempt 1 failed/).length, 1);
      assert.equal(matching(lines, /^orchestrator done: ok$/).length, 1);
    } finally {
      await host.stop();
    }
  });

  it("a console-like logger option still gets every line, with the fields as its last argument", async () => {
    const app = new DurableApp();
    const broken = app.activity("Broken", async () => {
      throw new RangeError("out of range");
    });
    app.orchestration("CatchesIt", async (ctx) => {
      ctx.log.info("about to call", { step: 1 });
      try {
        await ctx.callActivity(broken, undefined);
      } catch {
        return "caught";
      }
      return "not caught";
    });
    const sink = new RecordingSink();
    const host = await app.start({ taskHub: sqliteTaskHub(":memory:"), logger: sink });
    try {
      const id = await host.client.startNew("CatchesIt", { instanceId: "console-1" });
      assert.equal((await host.client.waitForCompletion(id)).output, "caught");
      const executionId = (await host.taskHub.getInstance(id))?.executionId;
      const failed = sink.calls.find((c) => c.message.startsWith("Activity 'Broken' attempt 1 failed"));
      assert.ok(failed, `the failed attempt reaches the sink: ${JSON.stringify(sink.calls)}`);
      assert.equal(failed.level, "warn");
      assert.equal(failed.message, "Activity 'Broken' attempt 1 failed: RangeError: out of range");
      assert.deepEqual(failed.args.at(-1), {
        instanceId: "console-1",
        executionId,
        name: "CatchesIt",
        activity: "Broken",
        attempt: 1,
        taskId: 0,
        errorType: "RangeError",
        errorMessage: "out of range",
        deliveryCount: 1,
      });
      const logged = sink.calls.filter((c) => c.message === "about to call");
      assert.equal(logged.length, 1);
      assert.equal(logged[0]?.level, "info");
      assert.deepEqual(logged[0]?.args, [
        { instanceId: "console-1", executionId, name: "CatchesIt", step: 1 },
      ]);
    } finally {
      await host.stop();
    }
  });

  it("a lease taken over after it expired is a warn line naming the previous worker", async () => {
    const app = new DurableApp();
    app.orchestration("TakenOver", async () => "done");
    const hub = sqliteTaskHub(":memory:");
    const clientOnly = await app.start({ taskHub: hub, runWorker: false });
    const capture = captureHostLogger("debug");
    const worker = new Worker(hub, app.registry, {
      logger: capture.logger,
      workerId: "rescuer",
      maxPollIntervalMs: 20,
    });
    try {
      const id = await clientOnly.client.startNew("TakenOver", { instanceId: "taken-1" });
      // A worker that leases the instance and dies: its lease expires unreleased.
      const [item] = await hub.lockOrchestrationWorkItems({ workerId: "dead-worker", max: 1, leaseMs: 50 });
      assert.equal(item?.instanceId, "taken-1");
      worker.start();
      assert.equal((await clientOnly.client.waitForCompletion(id)).runtimeStatus, "Completed");
      const takeovers = capture.lines().filter((l) => l.errorType === "LeaseExpired");
      assert.equal(takeovers.length, 1, JSON.stringify(capture.lines()));
      const [takeover] = takeovers;
      assert.deepEqual(
        {
          level: takeover?.level,
          instanceId: takeover?.instanceId,
          executionId: takeover?.executionId,
          name: takeover?.name,
          workerId: takeover?.workerId,
          previousWorkerId: takeover?.previousWorkerId,
        },
        {
          level: "warn",
          instanceId: "taken-1",
          executionId: item.instance.executionId,
          name: "TakenOver",
          workerId: "rescuer",
          previousWorkerId: "dead-worker",
        },
      );
      assert.match(String(takeover?.errorMessage), /dead-worker expired without being released/);
    } finally {
      await worker.stop();
      await clientOnly.stop();
    }
  });
});
