/**
 * Conformance tests: batched completions in which one lease was lost after a takeover. The held items commit, the lost
 * ones write nothing (on backends that commit optimistically, these batches take their fallback paths).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../../task-hub/clock.js";
import {
  activity,
  assertOutcomes,
  completed,
  completionOf,
  dispatchedOf,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  scheduleActivities,
  sleep,
  type FastPathEnv,
} from "../task-hub-conformance-support.js";

/** Registers the tests of batches with a lost lease. */
export function lostLeaseTests(env: FastPathEnv): void {
  it("commits the held step of a batch whose other lease was taken over, dispatching only its activities", async () => {
    const { hub } = env;
    // A message target with an empty inbox.
    await hub.createInstance(newInstance("sink"));
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([completionOf(await lockInstance(hub, "sink"))]),
      ["ok"],
    );
    await hub.createInstance(newInstance("lost"));
    const [stale] = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 10, leaseMs: env.ms(100) });
    assert.equal(stale?.instanceId, "lost");
    await sleep(env.ms(150));
    const takenOver = (await lockAll(hub, "w2")).get("lost");
    assert.ok(takenOver, "taken over after expiry");
    await hub.createInstance(newInstance("held"));
    const held = (await lockAll(hub, "w1")).get("held");
    assert.ok(held);
    const fromHeld = raised("from-held");

    const results = await hub.completeOrchestrationsAndDispatch(
      [
        completionOf(stale, {
          status: "Completed",
          newHistory: [stale.messages[0]!.event, raised("lost-step")],
          instance: { output: '"lost"', completedAt: systemClock.now() },
          activities: [activity("lost", stale.instance.executionId, 0)],
          messages: [{ instanceId: "sink", event: raised("from-lost") }],
        }),
        completionOf(held, {
          status: "Running",
          newHistory: [held.messages[0]!.event],
          instance: { customStatus: '"held"' },
          activities: [
            activity("held", held.instance.executionId, 0),
            activity("held", held.instance.executionId, 1),
          ],
          messages: [{ instanceId: "sink", event: fromHeld }],
        }),
      ],
      { workerId: "w1", leaseMs: 30_000, maxActivities: 10 },
    );
    assertOutcomes(results, ["lost", "ok"]);
    assert.deepEqual(
      dispatchedOf(results)
        .activities.map((a) => `${a.instanceId}:${a.taskId}`)
        .sort(),
      ["held:0", "held:1"],
      "only the held step's activities are dispatched",
    );

    // The held step is fully written.
    const heldRecord = await hub.getInstance("held");
    assert.equal(heldRecord?.status, "Running");
    assert.equal(heldRecord?.customStatus, '"held"');
    assert.equal(heldRecord?.historyLength, 1);
    assert.deepEqual(await hub.getHistory("held"), [held.messages[0]!.event]);
    // Nothing of the lost step is.
    const lostRecord = await hub.getInstance("lost");
    assert.equal(lostRecord?.status, "Pending");
    assert.equal(lostRecord?.output, undefined);
    assert.equal(lostRecord?.historyLength, 0);
    assert.deepEqual(await hub.getHistory("lost"), []);
    const stats = await hub.getStats();
    assert.equal(stats.activityQueueDepth, 2, "the held step's activities only");
    assert.equal(stats.leasedActivities, 2);
    assert.deepEqual(await hub.lockActivityWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 }), []);
    const sink = (await lockAll(hub, "w3")).get("sink");
    assert.deepEqual(
      sink?.messages.map((m) => m.event),
      [fromHeld],
      "the held step's message only",
    );
    // The new owner's lease is intact.
    assertOutcomes(await hub.completeOrchestrationsAndDispatch([completionOf(takenOver)]), ["ok"]);
    assert.equal((await hub.getInstance("lost"))?.status, "Running");
  });

  it("commits the held result of an activity batch whose other lease was taken over", async () => {
    const { hub } = env;
    const executionId = await scheduleActivities(hub, "acts", 1);
    const [stale] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: env.ms(100) });
    assert.equal(stale?.taskId, 0);
    await sleep(env.ms(150));
    const [taken] = await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 });
    assert.equal(taken?.id, stale.id, "taken over after expiry");
    // A second step schedules a second activity, leased with a long lease.
    await hub.appendInboxMessage({ instanceId: "acts", event: raised("go") });
    const step = await lockInstance(hub, "acts");
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        completionOf(step, { newHistory: [raised("go")], activities: [activity("acts", executionId, 1)] }),
      ]),
      ["ok"],
    );
    const [held] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.equal(held?.taskId, 1);

    const fresh = completed(1, '"held"');
    const results = await hub.completeActivitiesAndDispatch(
      [
        { workItem: stale, result: completed(0, '"stale"') },
        { workItem: held, result: fresh },
      ],
      { workerId: "w-local", leaseMs: 30_000, maxOrchestrations: 1 },
    );
    assertOutcomes(results, ["lost", "ok"]);
    const { orchestrations } = dispatchedOf(results);
    assert.equal(orchestrations.length, 1);
    const item = orchestrations[0]!;
    assert.equal(item.instanceId, "acts");
    assert.deepEqual(
      item.messages.map((m) => m.event),
      [fresh],
      "the held result only",
    );
    assert.equal((await hub.getStats()).activityQueueDepth, 1, "the lost item stays queued");

    // The taken-over activity is still the new owner's; its result arrives later.
    const late = completed(0, '"late"');
    assertOutcomes(await hub.completeActivitiesAndDispatch([{ workItem: taken, result: late }]), ["ok"]);
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([completionOf(item, { newHistory: [fresh] })]),
      ["ok"],
    );
    const next = await lockInstance(hub, "acts");
    assert.deepEqual(
      next.messages.map((m) => m.event),
      [late],
      "the stale result never arrived",
    );
    assert.equal((await hub.getStats()).activityQueueDepth, 0);
  });
}
