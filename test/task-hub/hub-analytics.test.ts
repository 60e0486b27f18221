/**
 * Analytics over history (`TaskHubAnalytics`) on the memory hub, a SQLite file and PostgreSQL: real orchestrations
 * with activities run by the real worker on a manual clock, each activity moving the clock by a known time, so that
 * every duration, percentile, failure and bucket is known exactly; the three backends report the same.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DurableApp, memoryTaskHub, sqliteTaskHub, type TaskHub } from "../../src/index.js";
import { ManualClock } from "../../src/testing/index.js";
import { analyticsOf, type HubAnalytics } from "../../src/task-hub/analytics.js";
import type { Clock } from "../../src/task-hub/clock.js";
import { eventually, MemoryLog } from "../support/test-host.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "./postgres-support.js";

const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), "taskhub-analytics-"));
after(() => rmSync(dir, { recursive: true, force: true }));
after(dropCreatedSchemas);

class CardDeclined extends Error {
  override readonly name = "CardDeclined";
}
class OrderFailed extends Error {
  override readonly name = "OrderFailed";
}

interface Order {
  readonly chargeMs: number;
  readonly shipMs: number;
  readonly decline?: boolean;
}

/** Ten orders: charges of 100 to 1000 ms, shipping 10 ms; the 3rd and 7th declined (their orders fail). */
const ORDERS: Order[] = Array.from({ length: 10 }, (_, i) => ({
  chargeMs: 100 * (i + 1),
  shipMs: 10,
  ...(i === 2 || i === 6 ? { decline: true } : {}),
}));

/** What ran: per order, its ID, creation and end time (on the manual clock). */
interface Scenario {
  readonly since: number;
  readonly until: number;
  readonly orders: { readonly id: string; readonly createdAt: number; readonly endedAt: number }[];
  readonly waitingId: string;
}

/** Runs the orders on a hub made by `makeHub`; the host keeps running (stop it with `stop`). */
async function runScenario(
  makeHub: (clock: Clock) => TaskHub,
): Promise<{ hub: TaskHub; scenario: Scenario; stop: () => Promise<void> }> {
  const clock = new ManualClock();
  const app = new DurableApp();
  app.activity("Charge", async (order: Order) => {
    clock.advance(order.chargeMs);
    if (order.decline) throw new CardDeclined("card declined");
    return "tx";
  });
  app.activity("Ship", async (order: Order) => {
    clock.advance(order.shipMs);
  });
  app.orchestration("ProcessOrder", async (ctx, order: Order) => {
    try {
      await ctx.callActivity("Charge", order);
    } catch {
      throw new OrderFailed("order failed");
    }
    await ctx.callActivity("Ship", order);
    return "shipped";
  });
  app.orchestration("WaitForApproval", async (ctx) => ctx.waitForExternalEvent("Approval"));
  const hub = makeHub(clock);
  const host = await app.start({ taskHub: hub, logger: new MemoryLog(), maxPollIntervalMs: 20 });
  const stop = () => host.stop();
  try {
    const finish = async (id: string) => {
      const status = await host.client.waitForCompletion(id, { timeoutMs: 30_000 });
      assert.ok(
        status && ["Completed", "Failed"].includes(status.runtimeStatus),
        `${id}: ${status?.runtimeStatus}`,
      );
    };
    // One order an hour before the window: not counted.
    await finish(await host.client.startNew("ProcessOrder", { input: ORDERS[0], instanceId: "early" }));
    clock.advance(HOUR);
    const since = clock.now();
    const orders: Scenario["orders"] = [];
    for (const [i, order] of ORDERS.entries()) {
      const createdAt = clock.now();
      const id = await host.client.startNew("ProcessOrder", { input: order, instanceId: `order-${i}` });
      await finish(id);
      orders.push({ id, createdAt, endedAt: clock.now() });
    }
    const waitingId = await host.client.startNew("WaitForApproval", { instanceId: "waiting" });
    await eventually(async () => (await host.client.getStatus(waitingId))?.runtimeStatus === "Running");
    return { hub, scenario: { since, until: clock.now() + 1, orders, waitingId }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function backend(label: string, makeHub: (clock: Clock) => TaskHub, setup?: () => Promise<void>) {
  describe(`analytics over history (${label})`, () => {
    let report: HubAnalytics;
    let scenario: Scenario;
    let hub: TaskHub;
    let stop: (() => Promise<void>) | undefined;
    before(async () => {
      await setup?.();
      ({ hub, scenario, stop } = await runScenario(makeHub));
      report = await analyticsOf(hub, {
        since: scenario.since,
        until: scenario.until,
        top: 3,
        bucketMs: 1000,
      });
      reports.push(report);
    });
    after(() => stop?.());

    it("reports each orchestration name: counts, failure rate, percentiles, slowest, failures", () => {
      assert.deepEqual(
        report.orchestrations.map((o) => o.name),
        ["ProcessOrder", "WaitForApproval"],
      );
      const orders = report.orchestrations[0]!;
      assert.deepEqual(orders.byStatus, { Completed: 8, Failed: 2 });
      assert.equal(orders.finished, 10);
      assert.equal(orders.failed, 2);
      assert.equal(orders.failureRate, 0.2);
      // Durations: charge + ship (110, 210, 410...), the declined ones charge only (300, 700).
      assert.deepEqual(orders.durations, { count: 10, p50: 510, p95: 1010, p99: 1010, max: 1010 });
      assert.deepEqual(
        orders.slowest.map((s) => [s.instanceId, s.durationMs, s.taskId]),
        [
          ["order-9", 1010, undefined],
          ["order-8", 910, undefined],
          ["order-7", 810, undefined],
        ],
      );
      assert.equal(orders.slowest[0]!.endedAt, scenario.orders[9]!.endedAt);
      assert.deepEqual(orders.topFailures, [{ errorType: "OrderFailed", message: "order failed", count: 2 }]);
      assert.deepEqual(orders.topFailureTypes, [{ errorType: "OrderFailed", count: 2 }]);
      const waiting = report.orchestrations[1]!;
      assert.deepEqual(waiting.byStatus, { Running: 1 });
      assert.equal(waiting.finished, 0);
      assert.equal(waiting.failureRate, null);
      assert.equal(waiting.durations, undefined);
      assert.deepEqual(waiting.slowest, []);
    });

    it("reports each activity name from the history: attempts, failures, percentiles, slowest", () => {
      assert.deepEqual(
        report.activities.map((a) => a.name),
        ["Charge", "Ship"],
      );
      const [charge, ship] = report.activities as [
        HubAnalytics["activities"][0],
        HubAnalytics["activities"][0],
      ];
      assert.deepEqual(charge.byStatus, { Completed: 8, Failed: 2 });
      assert.equal(charge.failureRate, 0.2);
      assert.deepEqual(charge.durations, { count: 10, p50: 500, p95: 1000, p99: 1000, max: 1000 });
      assert.deepEqual(
        charge.slowest.map((s) => [s.instanceId, s.durationMs]),
        [
          ["order-9", 1000],
          ["order-8", 900],
          ["order-7", 800],
        ],
      );
      assert.equal(typeof charge.slowest[0]!.taskId, "number");
      assert.deepEqual(charge.topFailures, [
        { errorType: "CardDeclined", message: "card declined", count: 2 },
      ]);
      assert.deepEqual(charge.topFailureTypes, [{ errorType: "CardDeclined", count: 2 }]);
      assert.deepEqual(ship.byStatus, { Completed: 8 });
      assert.equal(ship.failureRate, 0);
      assert.deepEqual(ship.durations, { count: 8, p50: 10, p95: 10, p99: 10, max: 10 });
      assert.deepEqual(ship.topFailures, []);
    });

    it("counts finishes per bucket from the window's start", () => {
      const { since, until, orders } = scenario;
      assert.equal(report.buckets, Math.ceil((until - since) / 1000));
      const expected = new Array<number>(report.buckets).fill(0);
      for (const order of orders) expected[Math.floor((order.endedAt - since) / 1000)]!++;
      assert.deepEqual(report.orchestrations[0]!.throughput, expected);
      assert.equal(
        report.orchestrations[0]!.throughput.reduce((a, b) => a + b, 0),
        10,
      );
      assert.deepEqual(report.orchestrations[1]!.throughput, new Array<number>(report.buckets).fill(0));
    });

    it("filters by name, and leaves out what finished before the window", async () => {
      const only = await analyticsOf(hub, {
        since: scenario.since,
        until: scenario.until,
        top: 3,
        bucketMs: 1000,
        name: "Charge",
      });
      assert.deepEqual(only.orchestrations, []);
      assert.deepEqual(only.activities, [report.activities[0]]);
      const wide = await analyticsOf(hub, {
        since: scenario.since - 2 * HOUR,
        until: scenario.until,
        top: 3,
        bucketMs: HOUR,
        name: "ProcessOrder",
      });
      assert.deepEqual(wide.orchestrations[0]!.byStatus, { Completed: 9, Failed: 2 });
      assert.deepEqual(wide.orchestrations[0]!.throughput, [0, 1, 10]);
      const empty = await analyticsOf(hub, {
        since: scenario.until,
        until: scenario.until + HOUR,
        top: 3,
        bucketMs: HOUR,
      });
      assert.deepEqual(empty.orchestrations, []);
      assert.deepEqual(empty.activities, []);
    });
  });
}

const reports: HubAnalytics[] = [];
let files = 0;
backend("memory", (clock) => memoryTaskHub({ clock }));
backend("sqlite file", (clock) => sqliteTaskHub(join(dir, `hub-${files++}.db`), { clock }));
backend("postgres", (clock) => testHub(undefined, { clock }), requirePostgres);

describe("analytics over history on every backend", () => {
  it("is the same report on the memory hub, SQLite and PostgreSQL", () => {
    assert.equal(reports.length, 3);
    assert.deepEqual(reports[1], reports[0]);
    assert.deepEqual(reports[2], reports[0]);
  });
});
