/**
 * Conformance tests: orchestration leases (exclusivity, expiry, lost leases in batches, abandon).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import {
  assertOutcomes,
  completionOf,
  eventually,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  rejectsWith,
  sleep,
  stamp,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Registers the orchestration lease tests. */
export function leaseTests(env: ConformanceEnv): void {
  it("leases each instance to one worker at a time and respects max", async () => {
    const { hub } = env;
    for (let i = 0; i < 5; i++) await hub.createInstance(newInstance(`m-${i}`));
    const first = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 2, leaseMs: 30_000 });
    assert.equal(first.length, 2);
    const second = await hub.lockOrchestrationWorkItems({ workerId: "w2", max: 10, leaseMs: 30_000 });
    assert.equal(second.length, 3);
    const ids = [...first, ...second].map((w) => w.instanceId);
    assert.equal(new Set(ids).size, 5);
    assert.equal(
      (await hub.lockOrchestrationWorkItems({ workerId: "w3", max: 10, leaseMs: 30_000 })).length,
      0,
    );
    const tokens = new Set([...first, ...second].map((w) => w.lockToken));
    assert.equal(tokens.size, 5, "a fresh lock token per work item");
  });

  it("never returns one instance to two concurrent lock calls", async () => {
    const { hub } = env;
    const total = 30;
    for (let i = 0; i < total; i++) await hub.createInstance(newInstance(`c-${i}`));
    const batches = await Promise.all(
      Array.from({ length: 6 }, (_, w) =>
        hub.lockOrchestrationWorkItems({ workerId: `w${w}`, max: 10, leaseMs: 30_000 }),
      ),
    );
    const ids = batches.flat().map((item) => item.instanceId);
    assert.equal(new Set(ids).size, ids.length, "no instance returned twice");
    const rest = await hub.lockOrchestrationWorkItems({ workerId: "late", max: 100, leaseMs: 30_000 });
    assert.equal(ids.length + rest.length, total);
  });

  it("re-leases an expired lease to another worker; the stale worker's completion writes nothing", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("target"));
    const [w1] = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 10, leaseMs: env.ms(150) });
    const lockedAt = systemClock.now();
    assert.equal(w1?.instanceId, "target");
    await hub.createInstance(newInstance("other"));
    const early = await lockAll(hub, "w2");
    if (systemClock.now() - lockedAt < env.ms(150))
      assert.deepEqual([...early.keys()], ["other"], "'target' is not handed out while its lease lives");
    await hub.abandonWorkItem(early.get("other")!, 0);
    await sleep(env.ms(200));
    const late = await lockAll(hub, "w2");
    const w2 = late.get("target");
    assert.ok(w2, "re-leased after expiry");
    assert.notEqual(w2.lockToken, w1.lockToken);
    assert.deepEqual(
      w2.messages.map((m) => m.id),
      w1.messages.map((m) => m.id),
    );
    await hub.abandonWorkItem(late.get("other")!, 0);
    const outcomes = await hub.completeOrchestrationWorkItems([
      completionOf(w1, {
        status: "Completed",
        newHistory: [{ type: "OrchestratorStarted", timestamp: stamp() }],
        activities: [
          {
            instanceId: "target",
            executionId: "target-exec-1",
            taskId: 0,
            name: "A",
            attempt: 1,
            idempotencyKey: "k",
          },
        ],
        messages: [{ instanceId: "other", event: raised("from-stale-worker") }],
        newInstances: [newInstance("never-created")],
      }),
    ]);
    assertOutcomes(outcomes, ["lost"]);
    const record = await hub.getInstance("target");
    assert.equal(record?.status, "Pending");
    assert.equal(record?.historyLength, 0);
    assert.deepEqual(await hub.getHistory("target"), []);
    assert.equal(await hub.getInstance("never-created"), undefined);
    assert.equal((await hub.getStats()).activityQueueDepth, 0);
    const other = (await lockAll(hub, "w3")).get("other");
    assert.deepEqual(
      other?.messages.map((m) => m.event.type),
      ["ExecutionStarted"],
      "no message from the stale worker",
    );
    await rejectsWith(hub.abandonWorkItem(w1, 0), "WorkItemLockLostError");
    assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(w2, { status: "Running" })]), [
      "ok",
    ]);
    assert.equal((await hub.getInstance("target"))?.status, "Running");
  });

  it("treats an expired lease that nobody took as lost", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("expired"));
    const [item] = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 1, leaseMs: env.ms(50) });
    assert.ok(item);
    await sleep(env.ms(100));
    assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(item, { status: "Completed" })]), [
      "lost",
    ]);
    assert.equal((await hub.getInstance("expired"))?.status, "Pending");
    assert.ok((await lockAll(hub)).get("expired"), "still lockable, its messages intact");
  });

  it("commits the items of a batch independently when one lease was lost", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("a"));
    const [staleA] = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 10, leaseMs: env.ms(100) });
    assert.equal(staleA?.instanceId, "a");
    await hub.createInstance(newInstance("b"));
    await sleep(env.ms(150));
    const fresh = await lockAll(hub, "w2");
    assert.deepEqual([...fresh.keys()].sort(), ["a", "b"]);
    const outcomes = await hub.completeOrchestrationWorkItems([
      completionOf(staleA!, { status: "Completed", newHistory: [raised("x")] }),
      completionOf(fresh.get("b")!, {
        status: "Completed",
        newHistory: [raised("y")],
        instance: { output: "1" },
      }),
    ]);
    assertOutcomes(outcomes, ["lost", "ok"]);
    assert.equal((await hub.getInstance("a"))?.status, "Pending");
    assert.deepEqual(await hub.getHistory("a"), []);
    const b = await hub.getInstance("b");
    assert.equal(b?.status, "Completed");
    assert.equal(b?.output, "1");
  });

  it("counts leases taken over after expiry (not released ones), per worker and for the hub", async () => {
    const { hub } = env;
    const empty = await hub.getStats();
    assert.equal(empty.leaseTakeovers, 0);
    assert.deepEqual(empty.workers, []);
    await hub.createInstance(newInstance("crashed"));
    await hub.createInstance(newInstance("released"));
    await hub.createInstance(newInstance("done"));
    const first = await lockAll(hub, "dead-worker", env.ms(100));
    await hub.abandonWorkItem(first.get("released")!, 0);
    assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(first.get("done")!)]), ["ok"]);
    const now = await hub.getStats();
    assert.equal(now.leasedInstances, 1, "'crashed' is still leased");
    assert.equal(now.leaseTakeovers, 0);
    await sleep(env.ms(150));
    const second = await lockAll(hub, "rescuer");
    assert.deepEqual([...second.keys()].sort(), ["crashed", "released"]);
    assert.equal(
      second.get("crashed")?.takenOverFrom,
      "dead-worker",
      "the work item names the previous holder",
    );
    assert.equal(second.get("released")?.takenOverFrom, undefined, "a released lease is no takeover");
    const stats = await hub.getStats();
    assert.equal(stats.leaseTakeovers, 1, "only the unreleased, expired lease counts");
    assert.deepEqual(
      stats.workers.map((w) => [w.workerId, w.leaseTakeovers]),
      [["rescuer", 1]],
    );
    // Activities: an expired, unreleased activity lease taken over counts too.
    const item = second.get("crashed")!;
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(item, {
          activities: [
            {
              instanceId: "crashed",
              executionId: item.instance.executionId,
              taskId: 0,
              name: "A",
              attempt: 1,
              idempotencyKey: "k",
            },
          ],
        }),
      ]),
      ["ok"],
    );
    const firstDelivery = await hub.lockActivityWorkItems({
      workerId: "dead-worker",
      max: 5,
      leaseMs: env.ms(100),
    });
    assert.equal(firstDelivery.length, 1);
    assert.equal(firstDelivery[0]?.takenOverFrom, undefined, "a first delivery is no takeover");
    assert.equal((await hub.getStats()).leasedActivities, 1);
    await sleep(env.ms(150));
    const rescued = await hub.lockActivityWorkItems({ workerId: "rescuer", max: 5, leaseMs: 30_000 });
    assert.equal(rescued.length, 1);
    assert.equal(rescued[0]?.takenOverFrom, "dead-worker");
    const after = await hub.getStats();
    assert.equal(after.leaseTakeovers, 2);
    assert.equal(after.workers.find((w) => w.workerId === "rescuer")?.leaseTakeovers, 2);
  });

  it("records worker heartbeats and forgets a worker that stops", async () => {
    const { hub } = env;
    const before = systemClock.now();
    await hub.recordWorkerHeartbeat({ workerId: "w-a", orchestrationsInFlight: 3, activitiesInFlight: 7 });
    await sleep(env.ms(20));
    await hub.recordWorkerHeartbeat({ workerId: "w-b", orchestrationsInFlight: 0, activitiesInFlight: 0 });
    await hub.recordWorkerHeartbeat({ workerId: "w-a", orchestrationsInFlight: 1, activitiesInFlight: 2 });
    const { workers } = await hub.getStats();
    assert.deepEqual(
      workers.map((w) => w.workerId),
      ["w-a", "w-b"],
      "most recently seen first",
    );
    const a = workers[0]!;
    assert.equal(a.orchestrationsInFlight, 1);
    assert.equal(a.activitiesInFlight, 2);
    assert.ok(a.firstSeenAt >= before && a.firstSeenAt <= a.lastSeenAt);
    await hub.recordWorkerHeartbeat({
      workerId: "w-a",
      orchestrationsInFlight: 0,
      activitiesInFlight: 0,
      stopping: true,
    });
    assert.deepEqual(
      (await hub.getStats()).workers.map((w) => w.workerId),
      ["w-b"],
    );
    await rejectsWith(
      hub.recordWorkerHeartbeat({ workerId: "", orchestrationsInFlight: 0, activitiesInFlight: 0 }),
      "InvalidArgumentError",
    );
  });

  it("abandoning releases the lease and delays the messages", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("ab"));
    const item = await lockInstance(hub, "ab");
    const abandonedAt = systemClock.now();
    await hub.abandonWorkItem(item, env.ms(250));
    await rejectsWith(hub.abandonWorkItem(item, 0), "WorkItemLockLostError");
    assert.equal((await lockAll(hub)).size, 0, "not visible during the delay");
    const again = await eventually(async () => (await lockAll(hub)).get("ab"), "the abandoned item");
    assert.ok(systemClock.now() >= abandonedAt + env.ms(250));
    assert.deepEqual(
      again.messages.map((m) => m.id),
      item.messages.map((m) => m.id),
    );
    assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(item)]), ["lost"]);
  });
}
