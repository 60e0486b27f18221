/**
 * The clock seam: the manual clock (timers fire in order when it is moved, cancellation, time never goes back), the
 * system clock's timers, which clock a worker or client reads, and the SQL hubs deciding visibility and leases on
 * their clock (SQLite file and PostgreSQL), so that virtual time works on both.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { DurableApp, InvalidArgumentError, sqliteTaskHub, systemClock } from "../../src/index.js";
import { clockFor, type Clock } from "../../src/task-hub/clock.js";
import type { SqlTaskHub } from "../../src/sql/sql-task-hub.js";
import { ManualClock, MANUAL_CLOCK_START } from "../../src/testing/index.js";
import { newInstance } from "../../src/testing/task-hub-conformance-support.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "./postgres-support.js";

describe("manual clock", () => {
  it("starts at a fixed time and stands still", () => {
    const clock = new ManualClock();
    assert.equal(clock.now(), MANUAL_CLOCK_START);
    assert.equal(new Date(clock.now()).toISOString(), "2024-01-01T00:00:00.000Z");
    assert.equal(new ManualClock(new Date("2030-05-06T07:08:09Z")).now(), Date.UTC(2030, 4, 6, 7, 8, 9));
    assert.equal(new ManualClock(5).now(), 5);
    assert.throws(() => new ManualClock(Number.NaN), InvalidArgumentError);
  });

  it("fires due timers on advance, in order of due time then of setting, seeing the new time", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimer(at("c"), 300);
    clock.setTimer(at("a"), 100);
    clock.setTimer(at("b1"), 200);
    clock.setTimer(at("b2"), 200);
    clock.setTimer(at("late"), 1000);
    assert.equal(clock.pendingTimers, 5);
    assert.equal(clock.nextTimerAt, 100);
    clock.advance(99);
    assert.deepEqual(fired, [], "nothing is due before its time");
    clock.advance(201);
    assert.deepEqual(fired, ["a@300", "b1@300", "b2@300", "c@300"]);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(clock.nextTimerAt, 1000);
    clock.set(new Date(1000));
    assert.deepEqual(fired.slice(4), ["late@1000"]);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(clock.nextTimerAt, undefined);
  });

  it("cancels timers, harmlessly after they fired", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const cancelA = clock.setTimer(() => fired.push("a"), 10);
    const cancelB = clock.setTimer(() => fired.push("b"), 20);
    cancelA();
    assert.equal(clock.pendingTimers, 1);
    clock.advance(30);
    assert.deepEqual(fired, ["b"]);
    cancelB();
    cancelA();
    // A timer cancelled by an earlier one in the same move does not fire.
    let cancelD = (): void => undefined;
    clock.setTimer(() => {
      fired.push("c");
      cancelD();
    }, 5);
    cancelD = clock.setTimer(() => fired.push("d"), 6);
    clock.advance(10);
    assert.deepEqual(fired, ["b", "c"]);
    assert.equal(clock.pendingTimers, 0);
  });

  it("fires timers set by callbacks in the same move when due, and a re-arming timer once per move", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => {
      fired.push("first");
      clock.setTimer(() => fired.push("due now"), 0);
      clock.setTimer(() => fired.push("later"), 1);
    }, 10);
    let renewals = 0;
    const renew = (): void => {
      renewals++;
      clock.setTimer(renew, 15_000);
    };
    clock.setTimer(renew, 15_000);
    clock.advance(10);
    assert.deepEqual(fired, ["first", "due now"]);
    clock.advance(0);
    assert.deepEqual(fired, ["first", "due now"], "advance(0) runs only what is due now");
    clock.advance(1);
    assert.deepEqual(fired, ["first", "due now", "later"]);
    clock.advance(60 * 60 * 1000);
    assert.equal(renewals, 1, "an hour's jump renews once, at the new time");
    assert.equal(clock.nextTimerAt, clock.now() + 15_000);
  });

  it("never goes backwards, and rejects invalid moves", () => {
    const clock = new ManualClock(1000);
    assert.throws(() => clock.set(999), InvalidArgumentError);
    assert.throws(() => clock.advance(-1), InvalidArgumentError);
    assert.throws(() => clock.advance(Number.POSITIVE_INFINITY), InvalidArgumentError);
    assert.throws(() => clock.set(new Date("invalid")), InvalidArgumentError);
    clock.set(1000);
    assert.equal(clock.now(), 1000);
  });

  it("stops a move at a callback that throws; the timers not fired stay pending", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => {
      throw new Error("boom");
    }, 1);
    clock.setTimer(() => fired.push("after"), 2);
    assert.throws(() => clock.advance(5), /boom/);
    assert.equal(clock.now(), 5);
    assert.deepEqual(fired, []);
    clock.advance(0);
    assert.deepEqual(fired, ["after"]);
  });
});

describe("system clock", () => {
  it("reads Date.now() and fires a timer no earlier than its due time; cancelled timers never fire", async () => {
    const before = Date.now();
    const now = systemClock.now();
    assert.ok(now >= before && now <= Date.now());
    const fired: string[] = [];
    const cancel = systemClock.setTimer(() => fired.push("cancelled"), 5);
    cancel();
    const due = systemClock.now() + 20;
    const keepAlive = setInterval(() => undefined, 1000); // the clock's timers do not hold the process
    const firedAt = await new Promise<number>((resolve) =>
      systemClock.setTimer(() => resolve(Date.now()), 20),
    ).finally(() => clearInterval(keepAlive));
    assert.ok(firedAt >= due, `fired ${due - firedAt} ms early`);
    assert.deepEqual(fired, [], "the cancelled timer (due first) did not fire");
  });
});

describe("clockFor", () => {
  it("is the given clock, else the hub's, else the system clock; refuses a clock other than the hub's", async () => {
    const manual = new ManualClock();
    assert.equal(clockFor({}), systemClock);
    assert.equal(clockFor({ clock: manual }), manual);
    assert.equal(clockFor({}, manual), manual);
    assert.equal(clockFor({ clock: manual }, manual), manual);
    assert.throws(() => clockFor({ clock: systemClock }, manual), InvalidArgumentError);
    const app = new DurableApp();
    const hub = sqliteTaskHub(":memory:");
    try {
      await assert.rejects(app.start({ taskHub: hub, clock: manual }), InvalidArgumentError);
      assert.equal(app.createClient(hub).clock, systemClock);
    } finally {
      await hub.close();
    }
    const onManual = sqliteTaskHub(":memory:", { clock: manual });
    try {
      assert.equal(onManual.clock, manual);
      assert.equal(app.createClient(onManual).clock, manual);
    } finally {
      await onManual.close();
    }
  });
});

const HOUR = 60 * 60 * 1000;
const dir = mkdtempSync(join(tmpdir(), "taskhub-clock-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The hub tests, on one backend. */
function hubOnVirtualTime(label: string, makeHub: (clock: Clock) => SqlTaskHub, setup?: () => Promise<void>) {
  describe(`${label} hub on a manual clock`, () => {
    if (setup) beforeEach(setup);
    const lock = (hub: SqlTaskHub, workerId = "w1", leaseMs = 30_000) =>
      hub.lockOrchestrationWorkItems({ workerId, max: 10, leaseMs });

    it("stores clock times and hands out a delayed message only once the clock reaches it", async () => {
      const clock = new ManualClock();
      const hub = makeHub(clock);
      await hub.init();
      try {
        const start = clock.now();
        await hub.createInstance(newInstance("delayed", { visibleAt: start + HOUR }));
        const record = await hub.getInstance("delayed");
        assert.equal(record?.createdAt, start);
        assert.equal(record?.scheduledStartAt, start + HOUR);
        assert.deepEqual(await lock(hub), []);
        clock.advance(HOUR - 1);
        assert.deepEqual(await lock(hub), [], "not due a millisecond early");
        clock.advance(1);
        const [item] = await lock(hub);
        assert.equal(item?.instanceId, "delayed");
        assert.equal(item?.lockExpiresAt, start + HOUR + 30_000);
        assert.equal((await hub.getStats()).leasedInstances, 1);
      } finally {
        await hub.close();
      }
    });

    it("keeps a lease until the clock passes its expiry, then lets another worker take it over", async () => {
      const clock = new ManualClock();
      const hub = makeHub(clock);
      await hub.init();
      try {
        await hub.createInstance(newInstance("leased"));
        const [first] = await lock(hub, "dead-worker", 60_000);
        assert.equal(first?.lockExpiresAt, clock.now() + 60_000);
        clock.advance(60_000);
        assert.deepEqual(await lock(hub, "w2"), [], "alive up to its expiry, included");
        clock.advance(1);
        const [taken] = await lock(hub, "w2");
        assert.equal(taken?.instanceId, "leased");
        const stats = await hub.getStats();
        assert.equal(stats.leaseTakeovers, 1);
        assert.equal(stats.leasedInstances, 1);
      } finally {
        await hub.close();
      }
    });

    it("expires an activity lease on the clock, and renews it from the clock's time", async () => {
      const clock = new ManualClock();
      const hub = makeHub(clock);
      await hub.init();
      try {
        await hub.createInstance(newInstance("acts"));
        const [item] = await lock(hub);
        assert.ok(item);
        const results = await hub.completeOrchestrationWorkItems([
          {
            workItem: item,
            consumedMessageIds: item.messages.map((m) => m.id),
            replaceHistory: false,
            newHistory: item.messages.map((m) => m.event),
            instance: { status: "Running", executionId: item.instance.executionId, name: item.instance.name },
            activities: [
              {
                instanceId: "acts",
                executionId: item.instance.executionId,
                taskId: 0,
                name: "A",
                attempt: 1,
                idempotencyKey: "acts#0",
              },
            ],
            messages: [],
            newInstances: [],
          },
        ]);
        assert.deepEqual([...results], [undefined]);
        const take = (workerId: string) => hub.lockActivityWorkItems({ workerId, max: 10, leaseMs: 10_000 });
        const [activity] = await take("dead-worker");
        assert.ok(activity);
        clock.advance(5_000);
        assert.equal(await hub.renewActivityWorkItem(activity, 10_000), clock.now() + 10_000);
        clock.advance(10_000);
        assert.deepEqual(await take("w2"), [], "renewed: alive until 10 s after the renewal");
        clock.advance(1);
        const [taken] = await take("w2");
        assert.equal(taken?.id, activity.id);
        assert.equal(taken?.deliveryCount, 2);
      } finally {
        await hub.close();
      }
    });
  });
}

hubOnVirtualTime("SQLite file", (clock) => sqliteTaskHub(join(dir, `hub-${files++}.db`), { clock }));
hubOnVirtualTime("PostgreSQL", (clock) => testHub(undefined, { clock }), requirePostgres);
after(dropCreatedSchemas);
