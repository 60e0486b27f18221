/**
 * Conformance tests: what an activity attempt's limits need from storage. A call's `timeoutMs` and
 * `heartbeatTimeoutMs` travel with the activity message to whichever worker leases it; heartbeat details stored by a
 * renewal reach the message's next delivery.
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { ActivityWorkItem, NewActivityMessage, TaskHub } from "../task-hub/task-hub.js";
import {
  activity,
  assertOutcomes,
  completed,
  completionOf,
  lockInstance,
  newInstance,
  rejectsWith,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Creates `instanceId` and runs one step that schedules `make(executionId)`'s activities. */
async function schedule(
  hub: TaskHub,
  instanceId: string,
  make: (executionId: string) => NewActivityMessage[],
): Promise<void> {
  await hub.createInstance(newInstance(instanceId));
  const item = await lockInstance(hub, instanceId);
  const activities = make(item.instance.executionId);
  assertOutcomes(
    await hub.completeOrchestrationWorkItems([
      completionOf(item, { newHistory: [item.messages[0]!.event], activities }),
    ]),
    ["ok"],
  );
}

/** Leases the one visible activity message. */
async function lockOne(hub: TaskHub, workerId: string): Promise<ActivityWorkItem> {
  const items = await hub.lockActivityWorkItems({ workerId, max: 10, leaseMs: 30_000 });
  assert.equal(items.length, 1, "one activity message is visible");
  return items[0]!;
}

/** Registers the activity limit tests. */
export function activityLimitTests(env: ConformanceEnv): void {
  it("carries a call's timeoutMs and heartbeatTimeoutMs with the activity message to the worker", async () => {
    const { hub } = env;
    await schedule(hub, "limits", (executionId) => [
      { ...activity("limits", executionId, 0), timeoutMs: 5_000, heartbeatTimeoutMs: 1_500 },
      { ...activity("limits", executionId, 1), timeoutMs: 86_400_000 * 30 }, // beyond 32-bit milliseconds
      activity("limits", executionId, 2),
    ]);
    const items = await hub.lockActivityWorkItems({ workerId: "w", max: 10, leaseMs: 30_000 });
    const byTask = new Map(items.map((item) => [item.taskId, item]));
    assert.equal(byTask.size, 3);
    assert.equal(byTask.get(0)?.timeoutMs, 5_000);
    assert.equal(byTask.get(0)?.heartbeatTimeoutMs, 1_500);
    assert.equal(byTask.get(1)?.timeoutMs, 86_400_000 * 30);
    assert.equal(byTask.get(1)?.heartbeatTimeoutMs, undefined);
    assert.equal(byTask.get(2)?.timeoutMs, undefined, "no limit set: none stored");
    assert.equal(byTask.get(2)?.heartbeatTimeoutMs, undefined);
    assert.equal(byTask.get(0)?.heartbeatDetails, undefined, "no details on a first delivery");
    // The limits stay with the message on redelivery.
    await hub.abandonWorkItem(byTask.get(0)!, 0);
    const again = await lockOne(hub, "w2");
    assert.equal(again.taskId, 0);
    assert.equal(again.timeoutMs, 5_000);
    assert.equal(again.heartbeatTimeoutMs, 1_500);
  });

  it("hands heartbeat details stored by a renewal to the message's next deliveries", async () => {
    const { hub } = env;
    await schedule(hub, "details", (executionId) => [activity("details", executionId, 0)]);
    const first = await lockOne(hub, "w1");
    const renewedTo = await hub.renewActivityWorkItem(first, 30_000, '{"done":3}');
    assert.ok(renewedTo >= first.lockExpiresAt);
    await hub.abandonWorkItem(first, 0);
    const second = await lockOne(hub, "w2");
    assert.equal(second.deliveryCount, 1, "a release gives the delivery back");
    assert.equal(second.heartbeatDetails, '{"done":3}');
    // A renewal without details keeps the stored ones.
    await hub.renewActivityWorkItem(second, 30_000);
    await hub.abandonWorkItem(second, 0);
    const third = await lockOne(hub, "w3");
    assert.equal(third.heartbeatDetails, '{"done":3}');
    // A renewal by a lost lease stores nothing.
    await rejectsWith(hub.renewActivityWorkItem(second, 30_000, '{"stale":true}'), "WorkItemLockLostError");
    await hub.renewActivityWorkItem(third, 30_000, '{"done":5}');
    await hub.abandonWorkItem(third, 0);
    const fourth = await lockOne(hub, "w4");
    assert.equal(fourth.heartbeatDetails, '{"done":5}');
    assertOutcomes(await hub.completeActivityWorkItems([{ workItem: fourth, result: completed(0) }]), ["ok"]);
    assert.equal((await hub.getStats()).activityQueueDepth, 0);
  });
}
