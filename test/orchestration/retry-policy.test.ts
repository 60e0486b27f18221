/**
 * Retry policies: the pure delay computation, constructor validation, and retries in the executor (durable timers
 * between attempts, attempt numbers, a stable first-attempt ID).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FailureDetails } from "../../src/core/failure.js";
import { RetryPolicy, type RetryPolicyOptions } from "../../src/core/retry-policy.js";
import { Driver, T0, failureOf, iso, output, type Handlers } from "./fixtures.js";

const boom: FailureDetails = { errorType: "Error", message: "boom" };

describe("RetryPolicy", () => {
  it("computes exponential delays capped by maxRetryIntervalMs", () => {
    const policy = new RetryPolicy({
      firstRetryIntervalMs: 1000,
      maxNumberOfAttempts: 6,
      backoffCoefficient: 2,
      maxRetryIntervalMs: 5000,
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => policy.nextDelay(attempt, boom, 0)),
      [1000, 2000, 4000, 5000, 5000, undefined],
    );
  });

  it("has Durable Functions' defaults", () => {
    const policy = new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 2 });
    assert.equal(policy.backoffCoefficient, 1);
    assert.equal(policy.maxRetryIntervalMs, 3_600_000);
    assert.equal(policy.retryTimeoutMs, Number.POSITIVE_INFINITY);
    assert.equal(policy.nextDelay(1, boom, 1e12), 10);
  });

  it("never retries non-retryable failures, or those `handle` rejects", () => {
    const handle = (failure: FailureDetails) => failure.errorType !== "ValidationError";
    const policy = new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 5, handle });
    assert.equal(policy.nextDelay(1, { ...boom, nonRetryable: true }, 0), undefined);
    assert.equal(policy.nextDelay(1, { errorType: "ValidationError", message: "bad" }, 0), undefined);
    assert.equal(policy.nextDelay(1, boom, 0), 10);
  });

  it("stops when the next attempt would start after retryTimeoutMs", () => {
    const policy = new RetryPolicy({
      firstRetryIntervalMs: 1000,
      maxNumberOfAttempts: 10,
      retryTimeoutMs: 5000,
    });
    assert.equal(policy.nextDelay(1, boom, 4000), 1000);
    assert.equal(policy.nextDelay(1, boom, 4001), undefined);
  });

  it("validates its options", () => {
    const base = { firstRetryIntervalMs: 100, maxNumberOfAttempts: 3 };
    const bad: [Partial<RetryPolicyOptions>, RegExp][] = [
      [{ firstRetryIntervalMs: 0 }, /firstRetryIntervalMs must be > 0, got 0/],
      [{ firstRetryIntervalMs: Number.NaN }, /firstRetryIntervalMs must be > 0, got NaN/],
      [{ maxNumberOfAttempts: 0 }, /maxNumberOfAttempts must be an integer >= 1, got 0/],
      [{ maxNumberOfAttempts: 1.5 }, /maxNumberOfAttempts must be an integer >= 1, got 1.5/],
      [{ backoffCoefficient: 0.5 }, /backoffCoefficient must be >= 1, got 0.5/],
      [{ maxRetryIntervalMs: -1 }, /maxRetryIntervalMs must be > 0, got -1/],
      [{ retryTimeoutMs: 0 }, /retryTimeoutMs must be > 0, got 0/],
    ];
    for (const [options, message] of bad)
      assert.throws(() => new RetryPolicy({ ...base, ...options }), {
        name: "InvalidArgumentError",
        message,
      });
  });
});

describe("retries in the executor", () => {
  const policy = (options: Partial<RetryPolicyOptions> = {}) =>
    new RetryPolicy({
      firstRetryIntervalMs: 1000,
      maxNumberOfAttempts: 4,
      backoffCoefficient: 2,
      maxRetryIntervalMs: 3000,
      ...options,
    });
  const make = (options: Partial<RetryPolicyOptions> = {}): Handlers => ({
    Retry: async (ctx) => {
      await ctx.callActivity("Before");
      return ctx.callActivity("Flaky", "in", { retry: policy(options) });
    },
    RetryChild: async (ctx) =>
      ctx.callSubOrchestrator("Child", "in", { retry: policy(options), instanceId: "kid" }),
  });

  /** Starts `Retry` and completes `Before`, so that `Flaky`'s first attempt is task #1 at time `T0 + 1000`. */
  async function started(options: Partial<RetryPolicyOptions> = {}) {
    const driver = new Driver(make(options), "Retry");
    await driver.start();
    const first = await driver.step(T0 + 1000, (h) => h.taskCompleted(0));
    assert.deepEqual(first.actions, [
      { type: "ScheduleTask", id: 1, name: "Flaky", input: '"in"', attempt: 1, firstAttemptId: 1 },
    ]);
    return driver;
  }

  it("waits on a durable timer with the backoff delay, then reschedules with the next attempt and the same firstAttemptId", async () => {
    const driver = await started();
    let now = T0 + 1000;
    const expectedDelays = [1000, 2000, 3000]; // 1000 * 2^(n-1), capped at 3000
    let id = 1;
    for (const [index, delay] of expectedDelays.entries()) {
      now += 500;
      const failed = await driver.step(now, (h) => h.taskFailed(id, `failure ${index + 1}`));
      assert.deepEqual(failed.actions, [{ type: "CreateTimer", id: id + 1, fireAt: iso(now + delay) }]);
      assert.equal(failed.outcome, undefined);
      now += delay;
      const retried = await driver.step(now, (h) => h.timerFired(id + 1, now));
      assert.deepEqual(retried.actions, [
        {
          type: "ScheduleTask",
          id: id + 2,
          name: "Flaky",
          input: '"in"',
          attempt: index + 2,
          firstAttemptId: 1,
        },
      ]);
      id += 2;
    }
    assert.equal(output(await driver.step(now + 1, (h) => h.taskCompleted(id, "finally"))), "finally");
  });

  it("gives up after maxNumberOfAttempts with the last failure", async () => {
    const driver = await started({ maxNumberOfAttempts: 2 });
    await driver.step(T0 + 2000, (h) => h.taskFailed(1, "first"));
    await driver.step(T0 + 3000, (h) => h.timerFired(2, T0 + 3000));
    const failure = failureOf(await driver.step(T0 + 4000, (h) => h.taskFailed(3, "second")));
    assert.equal(failure.errorType, "TaskFailedError");
    assert.match(failure.message, /Activity 'Flaky' failed: Error: second/);
  });

  it("does not retry a non-retryable failure", async () => {
    const driver = await started();
    const result = await driver.step(T0 + 2000, (h) =>
      h.taskFailed(1, { errorType: "NonRetryableError", message: "declined", nonRetryable: true }),
    );
    assert.deepEqual(result.actions, []);
    assert.equal(failureOf(result).cause?.errorType, "NonRetryableError");
  });

  it("does not retry when `handle` returns false", async () => {
    const seen: string[] = [];
    const handle = (failure: FailureDetails) => {
      seen.push(failure.errorType);
      return failure.errorType === "TransientError";
    };
    const driver = await started({ handle });
    const retried = await driver.step(T0 + 2000, (h) =>
      h.taskFailed(1, { errorType: "TransientError", message: "" }),
    );
    assert.equal(retried.actions[0]?.type, "CreateTimer");
    await driver.step(T0 + 3000, (h) => h.timerFired(2, T0 + 3000));
    const result = await driver.step(T0 + 4000, (h) =>
      h.taskFailed(3, { errorType: "FatalError", message: "no" }),
    );
    assert.deepEqual(result.actions, []);
    assert.equal(failureOf(result).cause?.errorType, "FatalError");
    assert.ok(seen.includes("FatalError"));
  });

  it("respects retryTimeoutMs, measured on the orchestration clock from the first attempt", async () => {
    // First attempt scheduled at T0+1000; constant 1000 ms delay; no retry may start after T0+1000+3000.
    const secondFailureAt = async (elapsed: number) => {
      const driver = await started({ retryTimeoutMs: 3000, backoffCoefficient: 1 });
      const early = await driver.step(T0 + 1000 + 500, (h) => h.taskFailed(1, "a"));
      assert.equal(early.actions[0]?.type, "CreateTimer", "elapsed 500 + 1000 <= 3000: retried");
      await driver.step(T0 + 2500, (h) => h.timerFired(2, T0 + 2500));
      return driver.step(T0 + 1000 + elapsed, (h) => h.taskFailed(3, "b"));
    };
    const justInTime = await secondFailureAt(2000);
    assert.deepEqual(justInTime.actions, [{ type: "CreateTimer", id: 4, fireAt: iso(T0 + 4000) }]);
    const late = await secondFailureAt(2001);
    assert.deepEqual(late.actions, []);
    assert.equal(failureOf(late).errorType, "TaskFailedError");
  });

  it("retries a sub-orchestration as a new child instance (suffix -attempt-N)", async () => {
    const driver = new Driver(make(), "RetryChild");
    const first = await driver.start();
    assert.deepEqual(first.actions, [
      { type: "CreateSubOrchestration", id: 0, name: "Child", instanceId: "kid", input: '"in"' },
    ]);
    await driver.step(T0 + 10, (h) => h.subOrchestrationFailed(0, "child failed"));
    const retried = await driver.step(T0 + 1010, (h) => h.timerFired(1, T0 + 1010));
    assert.deepEqual(retried.actions, [
      { type: "CreateSubOrchestration", id: 2, name: "Child", instanceId: "kid-attempt-2", input: '"in"' },
    ]);
    assert.equal(output(await driver.step(T0 + 1020, (h) => h.subOrchestrationCompleted(2, 7))), 7);
  });
});
