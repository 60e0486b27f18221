/**
 * Conformance tests: activity work items (lease, complete, abandon, renew, redelivery).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import type { NewActivityMessage, TaskHub } from "../task-hub/task-hub.js";
import {
  assertOutcomes,
  completionOf,
  eventually,
  lockAll,
  lockInstance,
  newInstance,
  rejectsWith,
  sleep,
  stamp,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Creates `instanceId` and runs one step that schedules `count` activities (task IDs 0..count-1). */
async function scheduleActivities(
  hub: TaskHub,
  instanceId: string,
  count: number,
): Promise<NewActivityMessage[]> {
  await hub.createInstance(newInstance(instanceId));
  const item = await lockInstance(hub, instanceId);
  const activities = Array.from({ length: count }, (_, taskId): NewActivityMessage => ({
    instanceId,
    executionId: item.instance.executionId,
    taskId,
    name: `Activity${taskId}`,
    input: JSON.stringify({ taskId }),
    attempt: 1,
    idempotencyKey: `${instanceId}:${taskId}`,
  }));
  assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(item, { activities })]), ["ok"]);
  return activities;
}

const completed = (taskScheduledId: number, result = '"ok"') =>
  ({ type: "TaskCompleted", timestamp: stamp(), taskScheduledId, result }) as const;

/** Registers the activity work item tests. */
export function activityTests(env: ConformanceEnv): void {
  it("leases an activity and delivers its result to the instance, tagged with the execution", async () => {
    const { hub } = env;
    const [scheduled] = await scheduleActivities(hub, "act", 1);
    const before = systemClock.now();
    const items = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.equal(items.length, 1);
    const item = items[0]!;
    assert.equal(item.instanceId, "act");
    assert.equal(item.executionId, scheduled!.executionId);
    assert.equal(item.taskId, 0);
    assert.equal(item.name, "Activity0");
    assert.equal(item.input, '{"taskId":0}');
    assert.equal(item.attempt, 1);
    assert.equal(item.idempotencyKey, "act:0");
    assert.equal(item.deliveryCount, 1);
    assert.ok(item.lockExpiresAt >= before + 30_000);
    assert.equal((await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 })).length, 0);
    const result = completed(0, '"42"');
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: item, result }]), ["ok"]);
    assert.equal((await hub.getStats()).activityQueueDepth, 0);
    const orchestration = await lockInstance(hub, "act");
    assert.equal(orchestration.messages.length, 1);
    assert.deepEqual(orchestration.messages[0]?.event, result);
    assert.equal(orchestration.messages[0]?.executionId, scheduled!.executionId);
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: item, result: completed(0) }]), ["lost"]);
  });

  it("redelivers an abandoned activity after the delay, its delivery given back", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "abandon", 1);
    const [first] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.ok(first);
    const abandonedAt = systemClock.now();
    await hub.abandonWorkItem(first, env.ms(200));
    await rejectsWith(hub.abandonWorkItem(first, 0), "WorkItemLockLostError");
    assert.equal((await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 })).length, 0);
    const second = await eventually(
      async () => (await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 }))[0],
      "the abandoned activity",
    );
    assert.ok(systemClock.now() >= abandonedAt + env.ms(200));
    assert.equal(second.id, first.id);
    assert.equal(second.deliveryCount, 1, "a release gives the delivery back");
    assert.notEqual(second.lockToken, first.lockToken);
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: first, result: completed(0) }]), [
      "lost",
    ]);
    await hub.abandonWorkItem(second, 0);
    const [third] = await hub.lockActivityWorkItems({ workerId: "a3", max: 10, leaseMs: 30_000 });
    assert.equal(third?.deliveryCount, 1);
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: second, result: completed(0) }]), [
      "lost",
    ]);
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: third!, result: completed(0) }]), ["ok"]);
  });

  it("redelivers an activity whose lease expired; the stale completion is rejected", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "expire", 1);
    await lockAll(hub); // nothing to lock: the step consumed everything
    const [first] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: env.ms(100) });
    assert.ok(first);
    await sleep(env.ms(150));
    const [second] = await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 });
    assert.equal(second?.id, first.id);
    assert.equal(second?.deliveryCount, 2);
    assertOutcomes(
      await hub.completeActivityWorkItems([{ workItem: first, result: completed(0, '"stale"') }]),
      ["lost"],
    );
    assert.equal((await hub.getStats()).inboxDepth, 0, "the stale result was not delivered");
    await rejectsWith(hub.renewActivityWorkItem(first, 30_000), "WorkItemLockLostError");
    assertOutcomes(
      await hub.completeActivityWorkItems([{ workItem: second!, result: completed(0, '"fresh"') }]),
      ["ok"],
    );
    const orchestration = await lockInstance(hub, "expire");
    const event = orchestration.messages[0]?.event;
    assert.equal(event?.type === "TaskCompleted" && event.result, '"fresh"');
  });

  it("renews a lease so the activity is not redelivered", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "renew", 1);
    const [item] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: env.ms(150) });
    assert.ok(item);
    const before = systemClock.now();
    const expiresAt = await hub.renewActivityWorkItem(item, env.ms(1000));
    assert.ok(expiresAt >= before + env.ms(1000));
    await sleep(env.ms(250));
    assert.equal((await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 })).length, 0);
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: item, result: completed(0) }]), ["ok"]);
  });

  it("treats an expired activity lease that nobody took as lost", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "late", 1);
    const [item] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: env.ms(50) });
    assert.ok(item);
    await sleep(env.ms(100));
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: item, result: completed(0) }]), ["lost"]);
    await rejectsWith(hub.abandonWorkItem(item, 0), "WorkItemLockLostError");
    assert.equal((await hub.getStats()).inboxDepth, 0, "the result was not delivered");
    const [again] = await hub.lockActivityWorkItems({ workerId: "a2", max: 10, leaseMs: 30_000 });
    assert.equal(again?.id, item.id, "the message is still queued");
  });

  it("refuses to renew a lease that expired", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "renew-late", 1);
    const [item] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: env.ms(50) });
    assert.ok(item);
    await sleep(env.ms(100));
    await rejectsWith(hub.renewActivityWorkItem(item, 30_000), "WorkItemLockLostError");
  });

  it("drops the result of an activity whose instance was purged", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "gone", 1);
    const [item] = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.ok(item);
    await hub.appendInboxMessage({
      instanceId: "gone",
      event: { type: "ExecutionTerminated", timestamp: stamp() },
    });
    const orchestration = await lockInstance(hub, "gone");
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(orchestration, { status: "Terminated", instance: { completedAt: systemClock.now() } }),
      ]),
      ["ok"],
    );
    assert.equal(await hub.purgeInstances({ instanceId: "gone" }), 1);
    const outcomes = await hub.completeActivityWorkItems([{ workItem: item, result: completed(0) }]);
    assert.ok(
      outcomes.length === 1 && (outcomes[0] === undefined || outcomes[0].name === "WorkItemLockLostError"),
    );
    assert.equal(await hub.getInstance("gone"), undefined);
    const stats = await hub.getStats();
    assert.equal(stats.inboxDepth, 0);
    assert.equal(stats.activityQueueDepth, 0);
  });

  it("never returns one activity to two concurrent lock calls", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "fan-out", 20);
    const batches = await Promise.all(
      Array.from({ length: 5 }, (_, w) =>
        hub.lockActivityWorkItems({ workerId: `a${w}`, max: 6, leaseMs: 30_000 }),
      ),
    );
    const ids = batches.flat().map((item) => item.id);
    assert.equal(new Set(ids).size, ids.length, "no activity returned twice");
    const rest = await hub.lockActivityWorkItems({ workerId: "late", max: 100, leaseMs: 30_000 });
    assert.equal(ids.length + rest.length, 20);
    const all = [...batches.flat(), ...rest];
    assert.deepEqual(
      all.map((item) => item.taskId).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("commits a batch of activity results, reporting lost items individually", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "batch", 3);
    const items = await hub.lockActivityWorkItems({ workerId: "a1", max: 10, leaseMs: 30_000 });
    assert.equal(items.length, 3);
    const sorted = [...items].sort((a, b) => a.taskId - b.taskId);
    const stale = { ...sorted[1]!, lockToken: "not-the-token" };
    const outcomes = await hub.completeActivityWorkItems([
      { workItem: sorted[0]!, result: completed(0) },
      { workItem: stale, result: completed(1) },
      {
        workItem: sorted[2]!,
        result: {
          type: "TaskFailed",
          timestamp: stamp(),
          taskScheduledId: 2,
          failure: { errorType: "Error", message: "no" },
        },
      },
    ]);
    assertOutcomes(outcomes, ["ok", "lost", "ok"]);
    const orchestration = await lockInstance(hub, "batch");
    assert.deepEqual(
      orchestration.messages.map((m) => m.event.type),
      ["TaskCompleted", "TaskFailed"],
    );
    assert.equal((await hub.getStats()).activityQueueDepth, 1, "the lost item stays queued");
  });
}
