/**
 * End-to-end scenarios for the orchestration patterns, run against any task hub (see the `*.test.ts` files that
 * call {@link describePatterns}).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DurableApp,
  InstanceAlreadyExistsError,
  NonRetryableError,
  RetryPolicy,
  isTaskFailedError,
  type WorkerOptions,
} from "../../src/index.js";
import { eventually, startHost, type HubFactory } from "./test-host.js";

/** Registers the pattern scenarios for one hub factory (and worker options, e.g. cache off). */
export function describePatterns(
  label: string,
  makeHub: HubFactory,
  workerOptions: WorkerOptions = {},
): void {
  describe(`orchestration patterns (${label})`, () => {
    it("chains activities (the seed workflow) and records one history", async () => {
      const app = new DurableApp();
      const charge = app.activity(
        "ChargeCreditCard",
        (order: { id: string; amount: number }) => `tx-${order.id}`,
      );
      const ship = app.activity("SendToWarehouse", (tx: string) => `ship-${tx}`);
      const email = app.activity("SendConfirmationEmail", (shipment: string) => `mailed ${shipment}`);
      const process = app.orchestration(
        "ProcessOrder",
        async (ctx, order: { id: string; amount: number }) => {
          const tx = await ctx.callActivity(charge, order);
          const shipment = await ctx.callActivity(ship, tx);
          return ctx.callActivity(email, shipment);
        },
      );
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(process, { input: { id: "o1", amount: 10 } });
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.runtimeStatus, "Completed");
        assert.equal(status.output, "mailed ship-tx-o1");
        assert.deepEqual(status.input, { id: "o1", amount: 10 });
        const full = await host.client.getStatus(id, { showHistory: true });
        const scheduled = full?.history?.filter((e) => e.type === "TaskScheduled").map((e) => e.name);
        assert.deepEqual(scheduled, ["ChargeCreditCard", "SendToWarehouse", "SendConfirmationEmail"]);
        assert.equal(full?.history?.filter((e) => e.type === "TaskCompleted").length, 3);
        assert.equal(full?.history?.at(-2)?.type, "ExecutionCompleted");
      } finally {
        await host.stop();
      }
    });

    it("fans out to 200 activities and in with Promise.all and whenAll", async () => {
      const app = new DurableApp();
      const square = app.activity("Square", async (n: number) => n * n);
      const fan = app.orchestration("FanOut", async (ctx, n: number) => {
        const viaPromiseAll = await Promise.all(
          Array.from({ length: n }, (_, i) => ctx.callActivity(square, i)),
        );
        const viaWhenAll = await ctx.whenAll(
          Array.from({ length: 10 }, (_, i) => ctx.callActivity("square", i)),
        );
        return viaPromiseAll.reduce((a, b) => a + b, 0) + (viaWhenAll as number[]).reduce((a, b) => a + b, 0);
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(fan, { input: 200 });
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        const expected = Array.from({ length: 200 }, (_, i) => i * i).reduce((a, b) => a + b, 0) + 285;
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal(status.output, expected);
      } finally {
        await host.stop();
      }
    });

    it("human interaction: the approval event wins the race against the timer", async () => {
      const app = new DurableApp();
      const approval = app.orchestration("Approval", async (ctx) => {
        const event = ctx.waitForExternalEvent<string>("Approval");
        const deadline = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60_000));
        const winner = await ctx.whenAny([event, deadline]);
        if (winner === event) {
          deadline.cancel();
          return `approved: ${await event}`;
        }
        return "timed out";
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(approval);
        await waitForStatus(host.client, id, "Running");
        await host.client.raiseEvent(id, "approval", "yes"); // names are case-insensitive
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.output, "approved: yes");
      } finally {
        await host.stop();
      }
    });

    it("human interaction: the durable timer wins when nobody answers", async () => {
      const app = new DurableApp();
      const approval = app.orchestration("Escalation", async (ctx) => {
        const event = ctx.waitForExternalEvent<string>("Approval");
        const deadline = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 300));
        const winner = await ctx.whenAny([event, deadline]);
        return winner === deadline ? "escalated" : "approved";
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const started = Date.now();
        const id = await host.client.startNew(approval);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.output, "escalated");
        assert.ok(Date.now() - started >= 290, "the timer must not fire early");
        // A late event for the finished instance is refused clearly.
        await assert.rejects(host.client.raiseEvent(id, "Approval", "late"), /already finished/);
      } finally {
        await host.stop();
      }
    });

    it("buffers events raised before the orchestrator waits, in order", async () => {
      const app = new DurableApp();
      const collect = app.orchestration("Collect", async (ctx) => {
        await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 200));
        const values: number[] = [];
        for (let i = 0; i < 3; i++) values.push(await ctx.waitForExternalEvent<number>("Value"));
        return values;
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(collect);
        await host.client.raiseEvent(id, "Value", 1);
        await host.client.raiseEvent(id, "Value", 2);
        await host.client.raiseEvent(id, "Value", 3);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.deepEqual(status.output, [1, 2, 3]);
      } finally {
        await host.stop();
      }
    });

    it("retries a flaky activity on durable timers with a stable idempotency key", async () => {
      const app = new DurableApp();
      const seen: { attempt: number; key: string }[] = [];
      const flaky = app.activity("Flaky", async (failTimes: number, ctx) => {
        seen.push({ attempt: ctx.attempt, key: ctx.idempotencyKey });
        if (ctx.attempt <= failTimes) throw new Error(`boom ${ctx.attempt}`);
        return `ok after ${ctx.attempt}`;
      });
      const orch = app.orchestration("Retrying", async (ctx) => {
        const retry = new RetryPolicy({
          firstRetryIntervalMs: 20,
          maxNumberOfAttempts: 5,
          backoffCoefficient: 2,
        });
        return ctx.callActivity(flaky, 2, { retry });
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(orch);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.output, "ok after 3");
        assert.deepEqual(
          seen.map((s) => s.attempt),
          [1, 2, 3],
        );
        assert.equal(new Set(seen.map((s) => s.key)).size, 1, "one idempotency key for all attempts");
        const history = (await host.client.getStatus(id, { showHistory: true }))?.history ?? [];
        assert.equal(
          history.filter((e) => e.type === "TimerCreated").length,
          2,
          "retries wait on durable timers",
        );
      } finally {
        await host.stop();
      }
    });

    it("saga: a failed step surfaces as TaskFailedError and compensation runs", async () => {
      const app = new DurableApp();
      const log: string[] = [];
      const reserve = app.activity("ReserveHotel", () => {
        log.push("reserved");
        return "H1";
      });
      const pay = app.activity("Pay", () => {
        throw new NonRetryableError("card declined", { cause: new Error("insufficient funds") });
      });
      const cancel = app.activity("CancelHotel", (booking: string) => {
        log.push(`cancelled ${booking}`);
      });
      const trip = app.orchestration("BookTrip", async (ctx) => {
        const booking = await ctx.callActivity(reserve, undefined);
        try {
          await ctx.callActivity(pay, undefined, {
            retry: new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 3 }),
          });
          return "booked";
        } catch (error) {
          assert.ok(isTaskFailedError(error));
          await ctx.callActivity(cancel, booking);
          return `compensated: ${error.failure.errorType}: ${error.failure.message} / ${error.failure.cause?.message}`;
        }
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(trip);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.output, "compensated: NonRetryableError: card declined / insufficient funds");
        assert.deepEqual(log, ["reserved", "cancelled H1"], "non-retryable: paid once, not retried");
      } finally {
        await host.stop();
      }
    });

    it("an uncaught failure marks the instance Failed with details", async () => {
      const app = new DurableApp();
      const bad = app.activity("Bad", () => {
        throw new TypeError("bad things");
      });
      const orch = app.orchestration("Fails", async (ctx) => ctx.callActivity(bad, undefined));
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(orch);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.runtimeStatus, "Failed");
        assert.equal(status.failureDetails?.errorType, "TaskFailedError");
        assert.match(status.failureDetails?.message ?? "", /Activity 'Bad' failed: TypeError: bad things/);
        assert.equal(status.failureDetails?.cause?.errorType, "TypeError");
        assert.ok(status.failureDetails?.cause?.stack?.includes("bad things"));
      } finally {
        await host.stop();
      }
    });

    it("runs sub-orchestrations (default and explicit IDs) and surfaces their failures", async () => {
      const app = new DurableApp();
      const double = app.activity("Double", (n: number) => n * 2);
      const child = app.orchestration("Child", async (ctx, n: number) => {
        if (n < 0) throw new Error("negative");
        // An activity, so the child finishes in a later episode (from the session cache when it is on).
        const doubled = await ctx.callActivity(double, n);
        return { n: doubled / 2, parent: ctx.parent?.instanceId };
      });
      const parent = app.orchestration("Parent", async (ctx) => {
        const a = await ctx.callSubOrchestrator(child, 1);
        const b = await ctx.callSubOrchestrator(child, 2, { instanceId: `${ctx.instanceId}-explicit` });
        let failure = "";
        try {
          await ctx.callSubOrchestrator(child, -1);
        } catch (error) {
          failure = isTaskFailedError(error) ? error.failure.message : "?";
        }
        return { a, b, failure };
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(parent, { instanceId: "parent-1" });
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.deepEqual(status.output, {
          a: { n: 1, parent: "parent-1" },
          b: { n: 2, parent: "parent-1" },
          failure: "negative",
        });
        const explicit = await host.client.getStatus("parent-1-explicit");
        assert.equal(explicit?.runtimeStatus, "Completed");
      } finally {
        await host.stop();
      }
    });

    it("an eternal orchestration continues as new, keeping unprocessed events when asked", async () => {
      const app = new DurableApp();
      const counter = app.orchestration("Eternal", async (ctx, state: { count: number; seen: string[] }) => {
        const value = await ctx.waitForExternalEvent<string>("Tick");
        const next = { count: state.count + 1, seen: [...state.seen, value] };
        if (next.count >= 5) return next;
        ctx.continueAsNew(next, { preserveUnprocessedEvents: true });
        return undefined;
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(counter, { input: { count: 0, seen: [] } });
        for (let i = 0; i < 5; i++) await host.client.raiseEvent(id, "Tick", `t${i}`);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.deepEqual(status.output, { count: 5, seen: ["t0", "t1", "t2", "t3", "t4"] });
        const history = (await host.client.getStatus(id, { showHistory: true }))?.history ?? [];
        assert.ok(history.length < 12, `history restarts with each execution (got ${history.length} events)`);
      } finally {
        await host.stop();
      }
    });

    it("sets custom status, suspends, resumes and terminates", async () => {
      const app = new DurableApp();
      const orch = app.orchestration("Steps", async (ctx) => {
        ctx.setCustomStatus({ step: "waiting" });
        const value = await ctx.waitForExternalEvent<number>("Go");
        ctx.setCustomStatus({ step: "got", value });
        await ctx.waitForExternalEvent("Never");
        return "unreachable";
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(orch);
        await waitForStatus(host.client, id, "Running");
        assert.deepEqual((await host.client.getStatus(id))?.customStatus, { step: "waiting" });
        await host.client.suspend(id, "maintenance");
        await waitForStatus(host.client, id, "Suspended");
        await host.client.raiseEvent(id, "Go", 7);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(
          (await host.client.getStatus(id))?.customStatus,
          { step: "waiting" },
          "held while suspended",
        );
        await host.client.resume(id, "done");
        const resumed = await eventually(async () => {
          const s = await host.client.getStatus(id);
          return (s?.customStatus as { step?: string } | undefined)?.step === "got" ? s : undefined;
        });
        assert.equal(resumed.runtimeStatus, "Running");
        await host.client.terminate(id, "no longer needed");
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.equal(status.runtimeStatus, "Terminated");
        assert.equal(status.output, "no longer needed");
        await assert.rejects(host.client.terminate(id), /already finished/);
      } finally {
        await host.stop();
      }
    });

    it("singletons: a fixed ID is refused while running and replaced once finished", async () => {
      const app = new DurableApp();
      const orch = app.orchestration("Singleton", async (ctx, n: number) => {
        await ctx.waitForExternalEvent("Stop");
        return n;
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        await host.client.startNew(orch, { instanceId: "the-one", input: 1 });
        await assert.rejects(
          host.client.startNew(orch, { instanceId: "the-one", input: 2 }),
          InstanceAlreadyExistsError,
        );
        await host.client.raiseEvent("the-one", "Stop");
        assert.equal((await host.client.waitForCompletion("the-one")).output, 1);
        await host.client.startNew(orch, { instanceId: "the-one", input: 3 });
        await host.client.raiseEvent("the-one", "Stop");
        const status = await host.client.waitForCompletion("the-one");
        assert.equal(status.output, 3);
        const history = (await host.client.getStatus("the-one", { showHistory: true }))?.history ?? [];
        assert.equal(history.filter((e) => e.type === "ExecutionStarted").length, 1, "old history replaced");
      } finally {
        await host.stop();
      }
    });

    it("starts at a scheduled time", async () => {
      const app = new DurableApp();
      const orch = app.orchestration("Later", async (ctx) => ctx.currentUtcDateTime.getTime());
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const startAt = new Date(Date.now() + 300);
        const id = await host.client.startNew(orch, { startAt });
        const pending = await host.client.getStatus(id);
        assert.equal(pending?.runtimeStatus, "Pending");
        assert.deepEqual(pending?.scheduledStartTime, startAt, "the scheduled start is in the status");
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        assert.ok((status.output as number) >= startAt.getTime() - 5, "did not start before startAt");
        assert.deepEqual(status.scheduledStartTime, startAt, "kept once started");
        const now = await host.client.startNew(orch);
        assert.equal((await host.client.waitForCompletion(now)).scheduledStartTime, undefined);
      } finally {
        await host.stop();
      }
    });

    it("newGuid, currentUtcDateTime and the replay-safe logger are deterministic across episodes", async () => {
      const app = new DurableApp();
      const noop = app.activity("Noop", () => null);
      const orch = app.orchestration("Deterministic", async (ctx) => {
        const guids = [ctx.newGuid(), ctx.newGuid()];
        const t0 = ctx.currentUtcDateTime.toISOString();
        ctx.log.info("first line");
        await ctx.callActivity(noop, undefined);
        ctx.log.info("second line");
        await ctx.callActivity(noop, undefined);
        return { guids, t0, again: ctx.newGuid() };
      });
      const host = await startHost(app, makeHub, workerOptions);
      try {
        const id = await host.client.startNew(orch);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 10_000 });
        const out = status.output as { guids: string[]; t0: string; again: string };
        assert.equal(new Set([...out.guids, out.again]).size, 3);
        for (const g of out.guids)
          assert.match(g, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const lines = host.log.lines.filter((l) => l.includes("first line") || l.includes("second line"));
        assert.deepEqual(lines.length, 2, `each log line once, got ${JSON.stringify(lines)}`);
      } finally {
        await host.stop();
      }
    });
  });
}

async function waitForStatus(
  client: { getStatus(id: string): Promise<{ runtimeStatus: string } | undefined> },
  id: string,
  status: string,
): Promise<void> {
  await eventually(async () => ((await client.getStatus(id))?.runtimeStatus === status ? true : undefined));
}
