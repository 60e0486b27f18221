/**
 * Conformance tests: a step that keeps its instance's lease (`keepLease`), and a step that takes an activity's result
 * directly (`consumedActivities`), which is how a worker continues an instance whose short activity it ran itself.
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { HistoryEvent, TaskCompleted } from "../../core/history-event.js";
import type { NewActivityMessage, OrchestrationWorkItem } from "../../core/records.js";
import {
  assertOutcomes,
  completionOf,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  sleep,
  stamp,
  type FastPathEnv,
  type FastPathHub,
} from "../task-hub-conformance-support.js";

/** Runs `instanceId`'s first step, scheduling one activity and keeping the lease; returns the held work item. */
async function firstStepKeepingLease(hub: FastPathHub, instanceId: string): Promise<OrchestrationWorkItem> {
  await hub.createInstance(newInstance(instanceId));
  const item = await lockInstance(hub, instanceId);
  const activity: NewActivityMessage = {
    instanceId,
    executionId: item.instance.executionId,
    taskId: 0,
    name: "A",
    attempt: 1,
    idempotencyKey: `${instanceId}:0`,
  };
  const newHistory: HistoryEvent[] = [item.messages[0]!.event];
  assertOutcomes(
    await hub.completeOrchestrationsAndDispatch([
      { ...completionOf(item, { newHistory, status: "Running", activities: [activity] }), keepLease: true },
    ]),
    ["ok"],
  );
  return {
    ...item,
    instance: { ...item.instance, status: "Running", historyLength: 1 },
    messages: [],
    corruptMessages: [],
  };
}

const completed = (taskScheduledId: number): TaskCompleted => ({
  type: "TaskCompleted",
  timestamp: stamp(),
  taskScheduledId,
  result: '"done"',
});

/** Registers the tests of held instances. */
export function heldTests(env: FastPathEnv): void {
  it("keeps the lease after a keepLease commit, then takes an activity's result directly", async () => {
    const { hub } = env;
    const held = await firstStepKeepingLease(hub, "held");
    await hub.appendInboxMessage({ instanceId: "held", event: raised("E") });
    assert.deepEqual(
      await hub.lockOrchestrationWorkItems({ workerId: "other", max: 10, leaseMs: 30_000 }),
      [],
      "the instance is still leased, new message or not",
    );
    assert.equal((await hub.getStats()).leasedInstances, 1);
    const [activity] = await hub.lockActivityWorkItems({ workerId: "w", max: 1, leaseMs: 30_000 });
    assert.ok(activity);

    const result = completed(0);
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        {
          ...completionOf(held, {
            newHistory: [result],
            status: "Completed",
            instance: { output: '"done"' },
          }),
          consumedMessageIds: [],
          consumedActivities: [activity],
        },
      ]),
      ["ok"],
    );
    assert.deepEqual(
      (await hub.getHistory("held")).map((e) => e.type),
      ["ExecutionStarted", "TaskCompleted"],
    );
    assert.equal((await hub.getInstance("held"))?.status, "Completed");
    const stats = await hub.getStats();
    assert.equal(stats.activityQueueDepth, 0, "the activity message is deleted with the step");
    assert.equal(stats.leasedInstances, 0, "the lease is released");
    const next = await lockAll(hub, "other");
    assert.deepEqual(
      next.get("held")?.messages.map((m) => m.event.type),
      ["EventRaised"],
      "the message that waited is ready; the result never went through the inbox",
    );
  });

  it("writes nothing of a step whose consumed activity's lease was lost", async () => {
    const { hub } = env;
    const held = await firstStepKeepingLease(hub, "stale");
    const [activity] = await hub.lockActivityWorkItems({ workerId: "w", max: 1, leaseMs: env.ms(50) });
    assert.ok(activity);
    await sleep(env.ms(120));
    const [taken] = await hub.lockActivityWorkItems({ workerId: "rescuer", max: 1, leaseMs: 30_000 });
    assert.equal(taken?.id, activity.id, "taken over after its lease expired");

    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        {
          ...completionOf(held, { newHistory: [completed(0)], status: "Completed" }),
          consumedMessageIds: [],
          consumedActivities: [activity],
        },
      ]),
      ["lost"],
    );
    assert.deepEqual(
      (await hub.getHistory("stale")).map((e) => e.type),
      ["ExecutionStarted"],
      "nothing of the step is written",
    );
    assert.equal((await hub.getInstance("stale"))?.status, "Running");
    assert.equal((await hub.getStats()).activityQueueDepth, 1, "the rescuer's activity is still there");
    // The lease is still held: the worker can release it.
    await hub.abandonWorkItem(held, 0);
    assert.equal((await hub.getStats()).leasedInstances, 0);
  });

  it("counts a kept lease as one delivery: released, it is given back; expired, the next delivery is the second", async () => {
    const { hub } = env;
    const released = await firstStepKeepingLease(hub, "kept-released");
    await hub.appendInboxMessage({ instanceId: "kept-released", event: raised("E") });
    await hub.abandonWorkItem(released, 0);
    assert.equal((await lockInstance(hub, "kept-released")).deliveryCount, 1);

    await hub.createInstance(newInstance("kept-expired"));
    const item = await lockInstance(hub, "kept-expired", env.ms(100));
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        { ...completionOf(item, { newHistory: [item.messages[0]!.event] }), keepLease: true },
      ]),
      ["ok"],
    );
    await hub.appendInboxMessage({ instanceId: "kept-expired", event: raised("E") });
    await sleep(env.ms(150)); // the worker holding it "crashed"
    const taken = await lockInstance(hub, "kept-expired");
    assert.equal(taken.deliveryCount, 2, "the kept lease was a delivery, and it expired");
    assert.equal(taken.takenOverFrom, "worker-1");
  });
}
