/**
 * A worker on virtual time (a manual clock given to the hub), on a SQLite file and on PostgreSQL: a one-hour durable
 * timer fires when the clock is advanced past it; a dead worker's lease is taken over only once the clock passes
 * its expiry; a schedule (`app.timer`) fires on virtual time, a missed occurrence once. No sleep decides an outcome:
 * "not yet" is checked after the worker polled the hub several times on the current virtual time.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { DurableApp, sqliteTaskHub, type TaskHub, type TimerInfo } from "../../src/index.js";
import { ManualClock } from "../../src/testing/index.js";
import type { Clock } from "../../src/task-hub/clock.js";
import { WorkSignal } from "../../src/worker/work-signal.js";
import { eventually, MemoryLog } from "../support/test-host.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "../task-hub/postgres-support.js";
import { statsOf } from "../../src/task-hub/health.js";

const HOUR = 60 * 60 * 1000;
const dir = mkdtempSync(join(tmpdir(), "taskhub-virtual-"));
after(() => rmSync(dir, { recursive: true, force: true }));
after(dropCreatedSchemas);
let files = 0;

/** `hub`, counting the claims (orchestration and activity) that came back, to wait for polls without sleeping. */
function countingPolls(hub: TaskHub): { hub: TaskHub; polls: () => number } {
  let polls = 0;
  const counting = new Proxy(hub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "lockOrchestrationWorkItems" || prop === "lockActivityWorkItems")
        return async (...args: unknown[]) => {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            polls++;
          }
        };
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { hub: counting, polls: () => polls };
}

/** Resolves once the worker has made `n` more claims, each begun after this call (so on the clock's current time). */
async function polledAgain(polls: () => number, n = 4): Promise<void> {
  const from = polls();
  await eventually(async () => polls() >= from + n + 2); // +2: the claims in flight now, one per loop
}

const fast = { maxPollIntervalMs: 20, heartbeatIntervalMs: 60_000 };

function onVirtualTime(label: string, makeHub: (clock: Clock) => TaskHub, setup?: () => Promise<void>) {
  describe(`worker on virtual time (${label})`, () => {
    if (setup) beforeEach(setup);

    it("fires a one-hour durable timer only when the clock is advanced past it", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const waitAnHour = app.orchestration("WaitAnHour", async (ctx) => {
        const startedAt = ctx.currentUtcDateTime.toISOString();
        await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HOUR));
        return { startedAt, firedAt: ctx.currentUtcDateTime.toISOString() };
      });
      const { hub, polls } = countingPolls(makeHub(clock));
      const host = await app.start({ taskHub: hub, logger: new MemoryLog(), ...fast });
      try {
        const start = clock.now();
        const fireAt = start + HOUR;
        const id = await host.client.startNew(waitAnHour);
        // The first step committed the timer, and the worker waits for it on the clock.
        await eventually(async () => clock.nextTimerAt === fireAt);
        await polledAgain(polls);
        assert.equal((await host.client.getStatus(id))?.runtimeStatus, "Running");
        clock.advance(HOUR - 1);
        await polledAgain(polls);
        assert.equal(
          (await host.client.getStatus(id))?.runtimeStatus,
          "Running",
          "not due a millisecond early",
        );
        clock.advance(1);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.equal(status.runtimeStatus, "Completed");
        assert.deepEqual(status.output, {
          startedAt: new Date(start).toISOString(),
          firedAt: new Date(fireAt).toISOString(),
        });
        assert.equal(status.createdTime.getTime(), start);
        assert.equal(status.lastUpdatedTime.getTime(), fireAt);
      } finally {
        await host.stop();
      }
    });

    it("takes over a dead worker's lease only once the clock passes its expiry", async () => {
      const clock = new ManualClock();
      const app = new DurableApp();
      const double = app.activity("Double", (n: number) => n * 2);
      const orchestration = app.orchestration("Doubles", async (ctx, n: number) =>
        ctx.callActivity(double, n),
      );
      const { hub, polls } = countingPolls(makeHub(clock));
      await hub.init();
      const id = await app.createClient(hub).startNew(orchestration, { input: 21 });
      // A worker takes the instance, then dies (never commits, never releases).
      const [dead] = await hub.lockOrchestrationWorkItems({ workerId: "dead", max: 1, leaseMs: 60_000 });
      assert.equal(dead?.instanceId, id);
      const host = await app.start({ taskHub: hub, logger: new MemoryLog(), ...fast, leaseMs: 60_000 });
      try {
        await polledAgain(polls);
        clock.advance(60_000);
        await polledAgain(polls);
        assert.equal(
          (await host.client.getStatus(id))?.runtimeStatus,
          "Pending",
          "the lease is alive to its expiry",
        );
        assert.equal((await statsOf(hub)).leaseTakeovers, 0);
        clock.advance(1);
        const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
        assert.equal(status.output, 42);
        assert.equal((await statsOf(hub)).leaseTakeovers, 1);
      } finally {
        await host.stop();
      }
    });

    it("fires a schedule on virtual time, and a missed occurrence once", async () => {
      const clock = new ManualClock(new Date("2024-01-01T00:30:00Z"));
      const app = new DurableApp();
      const firings: { scheduledTime: string; isPastDue: boolean; lastUpdated: string; next: string }[] = [];
      app.timer("Hourly", { schedule: "0 0 * * * *" }, (timer: TimerInfo) => {
        firings.push({
          scheduledTime: timer.scheduledTime.toISOString(),
          isPastDue: timer.isPastDue,
          lastUpdated: timer.scheduleStatus.lastUpdated.toISOString(),
          next: timer.scheduleStatus.next.toISOString(),
        });
      });
      const host = await app.start({ taskHub: makeHub(clock), logger: new MemoryLog(), ...fast });
      const at = (iso: string) => Date.parse(iso);
      try {
        await eventually(async () => clock.nextTimerAt === at("2024-01-01T01:00:00Z"));
        assert.deepEqual(firings, []);
        clock.set(at("2024-01-01T01:00:00Z"));
        await eventually(async () => clock.nextTimerAt === at("2024-01-01T02:00:00Z"));
        assert.deepEqual(firings, [
          {
            scheduledTime: "2024-01-01T01:00:00.000Z",
            isPastDue: false,
            lastUpdated: "2024-01-01T01:00:00.000Z",
            next: "2024-01-01T02:00:00.000Z",
          },
        ]);
        // Down for three occurrences (02:00, 03:00, 04:00): the overdue timer fires once, then the schedule goes on.
        clock.set(at("2024-01-01T04:30:00Z"));
        await eventually(async () => clock.nextTimerAt === at("2024-01-01T05:00:00Z"));
        assert.deepEqual(firings.slice(1), [
          {
            scheduledTime: "2024-01-01T02:00:00.000Z",
            isPastDue: true,
            lastUpdated: "2024-01-01T04:30:00.000Z",
            next: "2024-01-01T05:00:00.000Z",
          },
        ]);
      } finally {
        await host.stop();
      }
    });
  });
}

onVirtualTime("SQLite file", (clock) => sqliteTaskHub(join(dir, `hub-${files++}.db`), { clock }));
onVirtualTime("PostgreSQL", (clock) => testHub(undefined, { clock }), requirePostgres);

describe("work signal on a manual clock", () => {
  it("wakes at a due time only when the clock reaches it", async () => {
    const clock = new ManualClock(0);
    const signal = new WorkSignal(clock);
    let woke: boolean | undefined;
    const waiting = signal.wait(60_000).then((notified) => (woke = notified));
    signal.notifyAt(1000);
    signal.notifyAt(5000); // later than the one kept: ignored
    assert.equal(clock.pendingTimers, 1);
    clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woke, undefined);
    clock.advance(1);
    assert.equal(await waiting, true);
    signal.dispose();
    assert.equal(clock.pendingTimers, 0);
  });
});
