/**
 * Conformance tests: delivery counts of work items (see `TaskHub`'s delivery counts). Every lease taken counts one,
 * a lease released by `abandonWorkItem` gives its delivery back, a committed step restarts an instance's count; what
 * remains counts the deliveries that ended by lease expiry, which the worker's poison-work limit reads.
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { OrchestrationWorkItem } from "../core/records.js";
import { systemClock } from "../task-hub/clock.js";
import {
  assertOutcomes,
  completed,
  completionOf,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  scheduleActivities,
  sleep,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Creates `instanceId` and leases it twice, the first lease left to expire; returns the second delivery. */
async function deliveredTwice(env: ConformanceEnv, instanceId: string): Promise<OrchestrationWorkItem> {
  const { hub } = env;
  await hub.createInstance(newInstance(instanceId));
  const [first] = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 10, leaseMs: env.ms(100) });
  assert.equal(first?.instanceId, instanceId);
  await sleep(env.ms(150));
  const second = await lockInstance(hub, instanceId);
  assert.equal(second.deliveryCount, 2);
  return second;
}

/** Registers the delivery count tests. */
export function deliveryTests(env: ConformanceEnv): void {
  it("counts an instance's deliveries: expired leases count, releases give theirs back", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("counted"));
    const lease = env.ms(100);
    const [first] = await hub.lockOrchestrationWorkItems({ workerId: "w1", max: 10, leaseMs: lease });
    assert.equal(first?.deliveryCount, 1);
    assert.equal(first.takenOverFrom, undefined);
    await sleep(env.ms(150)); // w1 "crashed": its lease expires
    const [second] = await hub.lockOrchestrationWorkItems({ workerId: "w2", max: 10, leaseMs: lease });
    assert.equal(second?.deliveryCount, 2, "the expired delivery counts");
    assert.equal(second.takenOverFrom, "w1");
    await hub.abandonWorkItem(second, 0); // w2 lets go on purpose: not a crash
    const [third] = await hub.lockOrchestrationWorkItems({ workerId: "w3", max: 10, leaseMs: lease });
    assert.equal(third?.deliveryCount, 2, "a released delivery is given back");
    assert.equal(third.takenOverFrom, undefined, "a release is not a takeover");
    await sleep(env.ms(150));
    const [fourth] = await hub.lockOrchestrationWorkItems({ workerId: "w4", max: 10, leaseMs: 30_000 });
    assert.equal(fourth?.deliveryCount, 3);
    assert.equal(fourth.takenOverFrom, "w3");
    assert.deepEqual(
      fourth.messages.map((m) => m.id),
      first.messages.map((m) => m.id),
      "the same messages, never consumed",
    );
  });

  it("restarts an instance's count when a step commits", async () => {
    const { hub } = env;
    const second = await deliveredTwice(env, "restart");
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(second, { newHistory: [second.messages[0]!.event] }),
      ]),
      ["ok"],
    );
    await hub.appendInboxMessage({ instanceId: "restart", event: raised("next") });
    const third = await lockInstance(hub, "restart");
    assert.equal(third.deliveryCount, 1, "the step committed: the next delivery is a first one");
  });

  it("counts from 1 again for an instance replacing a finished one", async () => {
    const { hub } = env;
    const second = await deliveredTwice(env, "again");
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(second, {
          status: "Completed",
          newHistory: [second.messages[0]!.event],
          instance: { output: '"done"', completedAt: systemClock.now() },
        }),
      ]),
      ["ok"],
    );
    await hub.createInstance(newInstance("again", { executionId: "again-exec-2" })); // replaces the row
    const third = await lockInstance(hub, "again");
    assert.equal(third.instance.executionId, "again-exec-2");
    assert.equal(third.deliveryCount, 1);
  });

  it("counts each instance on its own within one claim", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("one"));
    await hub.createInstance(newInstance("two"));
    const leased = await lockAll(hub, "w1", env.ms(100));
    await hub.abandonWorkItem(leased.get("two")!, 0);
    await sleep(env.ms(150));
    const again = await lockAll(hub, "w2");
    assert.equal(again.get("one")?.deliveryCount, 2);
    assert.equal(again.get("two")?.deliveryCount, 1);
  });

  it("counts an activity's deliveries: expired leases count, releases give theirs back", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "activity-count", 1);
    const lease = env.ms(100);
    const [first] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: lease });
    assert.equal(first?.deliveryCount, 1);
    await sleep(env.ms(150));
    const [second] = await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: lease });
    assert.equal(second?.deliveryCount, 2);
    assert.equal(second.takenOverFrom, "a1");
    await hub.abandonWorkItem(second, 0);
    const [third] = await hub.lockActivityWorkItems({ workerId: "a3", max: 10, leaseMs: 30_000 });
    assert.equal(third?.deliveryCount, 2, "a released delivery is given back");
    assert.equal(third.takenOverFrom, undefined);
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: third, result: completed(0) }]), ["ok"]);
  });

  it("keeps the delivery counted when a release says so (work that hung)", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "hung", 1);
    const [first] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.equal(first?.deliveryCount, 1);
    await hub.abandonWorkItem(first, 0, { countDelivery: true });
    const [second] = await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 });
    assert.equal(second?.deliveryCount, 2, "the hung delivery counts");
    await hub.abandonWorkItem(second, 0, { countDelivery: false });
    const [third] = await hub.lockActivityWorkItems({ workerId: "a3", max: 10, leaseMs: 30_000 });
    assert.equal(third?.deliveryCount, 2);

    await hub.createInstance(newInstance("hung-step"));
    const step = await lockInstance(hub, "hung-step");
    await hub.abandonWorkItem(step, 0, { countDelivery: true });
    assert.equal((await lockInstance(hub, "hung-step")).deliveryCount, 2);
  });

  it("counts the quarantined work it commits in its stats, lost commits not", async () => {
    const { hub } = env;
    assert.equal((await hub.getStats()).quarantinedWorkItems, 0);
    await scheduleActivities(hub, "poisoned", 2);
    const [a, b] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.ok(a && b);
    const failure = { errorType: "PoisonMessageError", message: "quarantined", nonRetryable: true };
    const failed = (taskScheduledId: number) =>
      ({
        type: "TaskFailed",
        timestamp: new Date(systemClock.now()).toISOString(),
        taskScheduledId,
        failure,
      }) as const;
    assertOutcomes(
      await hub.completeActivityWorkItems([
        { workItem: a, result: failed(a.taskId), quarantined: true },
        { workItem: b, result: completed(b.taskId) },
      ]),
      ["ok", "ok"],
    );
    assert.equal((await hub.getStats()).quarantinedWorkItems, 1, "the quarantined activity");
    assertOutcomes(
      await hub.completeActivityWorkItems([{ workItem: a, result: failed(a.taskId), quarantined: true }]),
      ["lost"],
    );
    assert.equal((await hub.getStats()).quarantinedWorkItems, 1, "a lost commit writes nothing");

    const item = await lockInstance(hub, "poisoned");
    await hub.createInstance(newInstance("healthy"));
    const other = await lockInstance(hub, "healthy");
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(item, {
          status: "Failed",
          instance: { failure, completedAt: systemClock.now() },
          quarantined: true,
        }),
        completionOf(other, { newHistory: [other.messages[0]!.event] }),
      ]),
      ["ok", "ok"],
    );
    assert.equal((await hub.getStats()).quarantinedWorkItems, 2, "the quarantined step");
  });
}
