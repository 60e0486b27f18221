/**
 * Activity time limits and heartbeats, end to end on the memory hub, a SQLite file and PostgreSQL, on virtual time (a
 * manual clock given to the hub): an attempt past its `timeoutMs` fails with a `TimeoutError` (retried by its retry
 * policy, or caught by the orchestration) and its signal is aborted; a late result of code that ignores the signal is
 * discarded; heartbeats keep a long attempt's lease past `heartbeatTimeoutMs` and the lease length, with few writes;
 * an attempt whose heartbeats stop is aborted and redelivered, with its heartbeat details. The limits fire when the
 * test moves the clock, so "not a millisecond early" is checked exactly, without racing a timer.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import {
  DurableApp,
  InvalidArgumentError,
  RetryPolicy,
  isTaskFailedError,
  isTimeoutError,
  memoryTaskHub,
  sqliteTaskHub,
  type DurableClient,
  type HistoryEvent,
  type TaskHub,
} from "../../src/index.js";
import type { Clock } from "../../src/task-hub/clock.js";
import { statsOf } from "../../src/task-hub/health.js";
import { ManualClock } from "../../src/testing/index.js";
import { eventually, MemoryLog } from "../support/test-host.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "../task-hub/postgres-support.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-timeouts-"));
after(() => rmSync(dir, { recursive: true, force: true }));
after(dropCreatedSchemas);
let files = 0;

const fast = { maxPollIntervalMs: 20, heartbeatIntervalMs: 60_000 };

/** A promise and the function that resolves it. */
function gate<T = void>(): { readonly promise: Promise<T>; readonly open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** `hub`, counting the calls of each of its methods, and the calls settled. */
function counting(hub: TaskHub): {
  readonly hub: TaskHub;
  readonly calls: (method: string) => number;
  readonly settled: (method: string) => number;
} {
  const calls = new Map<string, number>();
  const settled = new Map<string, number>();
  const add = (counts: Map<string, number>, method: string) =>
    counts.set(method, (counts.get(method) ?? 0) + 1);
  const proxy = new Proxy(hub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        add(calls, String(prop));
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise)
          void result.finally(() => add(settled, String(prop))).catch(() => undefined);
        else add(settled, String(prop));
        return result;
      };
    },
  });
  return {
    hub: proxy,
    calls: (method) => calls.get(method) ?? 0,
    settled: (method) => settled.get(method) ?? 0,
  };
}

function describeLimits(label: string, makeHub: (clock: Clock) => TaskHub, setup?: () => Promise<void>) {
  describe(`activity time limits and heartbeats (${label})`, () => {
    if (setup) beforeEach(setup);

    async function historyOf(
      host: { readonly client: DurableClient },
      id: string,
    ): Promise<readonly HistoryEvent[]> {
      return (await host.client.getStatus(id, { showHistory: true }))?.history ?? [];
    }

    it("fails an attempt past timeoutMs with a TimeoutError, aborts its signal, and retries it", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const started = gate<AbortSignal>();
      const attempts: { attempt: number; signal: AbortSignal }[] = [];
      const slowOnce = app.activity("SlowOnce", async (n: number, ctx) => {
        attempts.push({ attempt: ctx.attempt, signal: ctx.signal });
        if (ctx.attempt === 1) {
          started.open(ctx.signal);
          // Cooperative code: it stops when its signal is aborted.
          await new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
          );
        }
        return n * 2;
      });
      const retry = new RetryPolicy({ firstRetryIntervalMs: 1000, maxNumberOfAttempts: 3 });
      const orchestration = app.orchestration("RetriesATimeout", async (ctx, n: number) =>
        ctx.callActivity(slowOnce, n, { timeoutMs: 5000, retry }),
      );
      const log = new MemoryLog();
      const host = await app.start({ taskHub: makeHub(clock), logger: log, ...fast });
      try {
        const id = await host.client.startNew(orchestration, { input: 21 });
        const signal = await started.promise;
        clock.advance(4999);
        assert.equal(signal.aborted, false, "not a millisecond early");
        clock.advance(1);
        assert.equal(signal.aborted, true, "aborted when the limit passes");
        assert.ok(isTimeoutError(signal.reason));
        // The retry waits on a durable timer: move the clock to it once it is set.
        await eventually(async () => (await historyOf(host, id)).some((e) => e.type === "TimerCreated"));
        clock.advance(1000);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal(status.output, 42);
        assert.deepEqual(
          attempts.map((a) => a.attempt),
          [1, 2],
        );
        assert.equal(attempts[1]!.signal.aborted, false);
        const history = await historyOf(host, id);
        const failed = history.find((e) => e.type === "TaskFailed");
        assert.equal(failed?.type === "TaskFailed" && failed.failure.errorType, "TimeoutError");
        assert.equal(
          failed?.type === "TaskFailed" && failed.failure.message,
          "Activity 'SlowOnce' attempt 1 timed out: it ran longer than its timeoutMs of 5000 ms.",
        );
        assert.equal(failed?.type === "TaskFailed" && failed.failure.nonRetryable, undefined);
        const scheduled = history.filter((e) => e.type === "TaskScheduled");
        assert.deepEqual(
          scheduled.map((e) => e.type === "TaskScheduled" && e.timeoutMs),
          [5000, 5000],
          "the call's limit is recorded with each attempt",
        );
        assert.ok(
          log.lines.some((l) => l.startsWith("warn Activity 'SlowOnce' attempt 1 failed: TimeoutError")),
        );
      } finally {
        await host.stop();
      }
    });

    it("times out code that ignores its signal; the orchestration catches it; the late result is discarded", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const started = gate<AbortSignal>();
      const late = gate();
      let finishedLate = false;
      const stubborn = app.activity(
        "Stubborn",
        async (_: null, ctx) => {
          started.open(ctx.signal);
          await late.promise; // ignores ctx.signal
          finishedLate = true;
          return "late";
        },
        { timeoutMs: 2000 }, // the activity's default
      );
      const orchestration = app.orchestration("CatchesATimeout", async (ctx) => {
        try {
          return { result: await ctx.callActivity(stubborn, null) };
        } catch (error) {
          return { caught: isTaskFailedError(error) ? error.failure.errorType : String(error) };
        }
      });
      const counted = counting(makeHub(clock));
      const host = await app.start({ taskHub: counted.hub, logger: new MemoryLog(), ...fast });
      try {
        const id = await host.client.startNew(orchestration);
        const signal = await started.promise;
        clock.advance(2000);
        assert.equal(signal.aborted, true);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.deepEqual(status.output, { caught: "TimeoutError" });
        assert.equal(
          (await historyOf(host, id)).find((e) => e.type === "TaskScheduled" && e.timeoutMs !== undefined),
          undefined,
          "no call option: the activity's default is not copied into history",
        );
        late.open();
        await eventually(async () => finishedLate);
        // The worker polls on; the late result never reaches the hub.
        const polls = counted.calls("lockActivityWorkItems");
        await eventually(async () => counted.calls("lockActivityWorkItems") >= polls + 4);
        const history = await historyOf(host, id);
        assert.equal(history.filter((e) => e.type === "TaskCompleted").length, 0);
        assert.equal(history.filter((e) => e.type === "TaskFailed").length, 1);
        assert.equal((await host.client.getStatus(id))?.runtimeStatus, "Completed");
        assert.equal((await statsOf(counted.hub)).activityQueueDepth, 0);
      } finally {
        await host.stop();
      }
    });

    it("lets a call's timeoutMs override the activity's", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const started = gate<AbortSignal>();
      const finish = gate();
      const quick = app.activity(
        "UsuallyQuick",
        async (_: null, ctx) => {
          started.open(ctx.signal);
          await finish.promise;
          return "done";
        },
        { timeoutMs: 1000 },
      );
      const orchestration = app.orchestration("GivesMoreTime", async (ctx) =>
        ctx.callActivity(quick, null, { timeoutMs: 60_000 }),
      );
      const host = await app.start({ taskHub: makeHub(clock), logger: new MemoryLog(), ...fast });
      try {
        const id = await host.client.startNew(orchestration);
        const signal = await started.promise;
        clock.advance(59_999);
        assert.equal(signal.aborted, false, "the call's limit applies, not the activity's");
        finish.open();
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.equal(status.output, "done");
      } finally {
        await host.stop();
      }
    });

    it("keeps a heartbeating attempt's lease past heartbeatTimeoutMs and the lease, with few writes", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const steps = 5;
      const gates = Array.from({ length: steps }, () => gate());
      const beaten: number[] = [];
      const deliveries: number[] = [];
      const long = app.activity(
        "Long",
        async (n: number, ctx) => {
          deliveries.push(ctx.deliveryCount);
          for (let i = 0; i < n; i++) {
            for (let k = 0; k < 50; k++) ctx.heartbeat({ step: i, k });
            beaten.push(i);
            await gates[i]!.promise;
          }
          return n;
        },
        { heartbeatTimeoutMs: 10_000 },
      );
      const orchestration = app.orchestration("RunsLong", async (ctx, n: number) =>
        ctx.callActivity(long, n),
      );
      const counted = counting(makeHub(clock));
      const host = await app.start({
        taskHub: counted.hub,
        logger: new MemoryLog(),
        ...fast,
        leaseMs: 30_000,
      });
      try {
        const id = await host.client.startNew(orchestration, { input: steps });
        for (let i = 0; i < steps; i++) {
          await eventually(async () => beaten.length === i + 1);
          // Renewals read the time when they start; let them land before the clock passes the lease they extend.
          const renewals = counted.calls("renewActivityWorkItem");
          await eventually(async () => counted.settled("renewActivityWorkItem") === renewals);
          clock.advance(8_000); // under the heartbeat timeout between two heartbeats; 40 s in all
          if (i === steps - 1) {
            // 40 s after the claim, past the first lease (30 s): the lease was renewed, nobody can take the attempt.
            const probe = await counted.hub.lockActivityWorkItems({ workerId: "probe", max: 1, leaseMs: 1 });
            assert.deepEqual(probe, [], "the lease is held");
          }
          gates[i]!.open();
        }
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.equal(status.output, steps);
        assert.deepEqual(deliveries, [1], "delivered once");
        const renewals = counted.calls("renewActivityWorkItem");
        assert.ok(renewals >= 1 && renewals <= steps, `${renewals} renewals for 250 heartbeats`);
      } finally {
        await host.stop();
      }
    });

    it("aborts an attempt whose heartbeats stop and redelivers it with its heartbeat details", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const firstSignal = gate<AbortSignal>();
      const quiet = app.activity("GoesQuiet", async (_: null, ctx) => {
        if (ctx.deliveryCount === 1) {
          ctx.heartbeat({ resumeFrom: 7 });
          firstSignal.open(ctx.signal);
          await new Promise(() => undefined); // hangs, ignoring its signal
        }
        return { deliveryCount: ctx.deliveryCount, attempt: ctx.attempt, details: ctx.heartbeatDetails };
      });
      const orchestration = app.orchestration("Redelivers", async (ctx) =>
        ctx.callActivity(quiet, null, { heartbeatTimeoutMs: 10_000 }),
      );
      const log = new MemoryLog();
      const host = await app.start({ taskHub: makeHub(clock), logger: log, ...fast });
      try {
        const id = await host.client.startNew(orchestration);
        const signal = await firstSignal.promise;
        clock.advance(9_999);
        assert.equal(signal.aborted, false, "not a millisecond early");
        clock.advance(1);
        assert.equal(signal.aborted, true);
        assert.ok(isTimeoutError(signal.reason));
        assert.equal(
          (signal.reason as Error).message,
          "Activity 'GoesQuiet' attempt 1 timed out: it sent no heartbeat for its heartbeatTimeoutMs of 10000 ms.",
        );
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.deepEqual(status.output, { deliveryCount: 2, attempt: 1, details: { resumeFrom: 7 } });
        const history = await historyOf(host, id);
        assert.equal(history.filter((e) => e.type === "TaskFailed").length, 0, "released, not failed");
        const scheduled = history.find((e) => e.type === "TaskScheduled");
        assert.equal(scheduled?.type === "TaskScheduled" && scheduled.heartbeatTimeoutMs, 10_000);
        assert.ok(log.lines.some((l) => l.startsWith("warn") && l.endsWith("Released for redelivery.")));
      } finally {
        await host.stop();
      }
    });

    it("aborts an attempt's signal when the worker shuts down, not with a TimeoutError", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const started = gate<AbortSignal>();
      const waits = app.activity(
        "WaitsForever",
        async (_: null, ctx) => {
          started.open(ctx.signal);
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        },
        { timeoutMs: 60_000, heartbeatTimeoutMs: 60_000 },
      );
      const orchestration = app.orchestration("Stopped", async (ctx) => ctx.callActivity(waits, null));
      const host = await app.start({
        taskHub: makeHub(clock),
        logger: new MemoryLog(),
        ...fast,
        shutdownTimeoutMs: 50,
      });
      let stopped = false;
      try {
        await host.client.startNew(orchestration);
        const signal = await started.promise;
        await host.stop();
        stopped = true;
        assert.equal(signal.aborted, true);
        assert.equal(isTimeoutError(signal.reason), false);
        assert.match(String(signal.reason), /shutting down/);
      } finally {
        if (!stopped) await host.stop();
      }
    });
  });
}

describeLimits("memory hub", (clock) => memoryTaskHub({ clock }));
describeLimits("SQLite file", (clock) => sqliteTaskHub(join(dir, `hub-${files++}.db`), { clock }));
describeLimits("PostgreSQL", (clock) => testHub(undefined, { clock }), requirePostgres);

describe("activity time limits: bad values", () => {
  it("refuses a limit that is not a positive whole number of milliseconds, where it is given", async () => {
    const app = new DurableApp();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "100"]) {
      assert.throws(
        () => app.activity(`Bad${String(bad)}`, () => 1, { timeoutMs: bad as number }),
        (e: Error) =>
          e instanceof InvalidArgumentError &&
          e.message.startsWith(`Activity 'Bad${String(bad)}': timeoutMs must be a positive whole number`),
      );
    }
    assert.throws(
      () => app.activity("BadHeartbeat", () => 1, { heartbeatTimeoutMs: -5 }),
      /heartbeatTimeoutMs must be a positive whole number of milliseconds, got -5/,
    );
    const echo = app.activity("Echo", (n: number) => n);
    const orchestration = app.orchestration("BadCall", async (ctx) =>
      ctx.callActivity(echo, 1, { timeoutMs: 0 }),
    );
    const host = await app.start({ taskHub: memoryTaskHub(), logger: new MemoryLog(), ...fast });
    try {
      const id = await host.client.startNew(orchestration);
      const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
      assert.equal(status.runtimeStatus, "Failed");
      assert.equal(status.failureDetails?.errorType, "InvalidArgumentError");
      assert.equal(
        status.failureDetails?.message,
        "callActivity('Echo'): timeoutMs must be a positive whole number of milliseconds, got 0.",
      );
    } finally {
      await host.stop();
    }
  });
});

describe("activity attempts and the shutdown signal", () => {
  it("100 activities in flight at once raise no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    const app = new DurableApp();
    let running = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = app.activity("Slow", async (n: number) => {
      if (++running === 100) release();
      await released;
      return n;
    });
    const fan = app.orchestration("Fan", async (ctx) =>
      ctx.whenAll(Array.from({ length: 100 }, (_, i) => ctx.callActivity(slow, i))),
    );
    const host = await app.start({ taskHub: memoryTaskHub(), logger: new MemoryLog() });
    try {
      const id = await host.client.startNew(fan);
      const status = await host.client.waitForCompletion(id, { timeoutMs: 60_000 });
      assert.equal((status.output as number[]).length, 100);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.deepEqual(
        warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message),
        [],
      );
    } finally {
      process.off("warning", onWarning);
      await host.stop();
    }
  });
});
