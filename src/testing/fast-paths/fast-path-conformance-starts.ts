/**
 * Conformance tests: starting instances. Creating an instance whose ID is in use, eager start (the new instance leased
 * to the creating worker) and first steps committed with the creation (`FastPathCompletion.createsInstance`).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../../task-hub/clock.js";
import { pendingInstance } from "../../task-hub/instance-records.js";
import type { NewActivityMessage, OrchestrationWorkItem } from "../../core/records.js";
import type { FastPathCompletion } from "../../task-hub/local-dispatch.js";
import {
  assertLease,
  assertOutcomes,
  completionOf,
  createWithStatus,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  rejectsWith,
  type FastPathEnv,
} from "../task-hub-conformance-support.js";

/** The work item of a first step run before its instance is stored (as a worker builds it). */
function firstStepItem(instanceId: string, options: { executionId?: string } = {}): OrchestrationWorkItem {
  const now = systemClock.now();
  const request = newInstance(instanceId, { input: '"first"', ...options });
  return {
    instanceId,
    lockToken: `first-${instanceId}-${now}`,
    lockExpiresAt: now + 30_000,
    instance: pendingInstance(request, now),
    messages: [{ id: 0, instanceId, event: request.event, visibleAt: now }],
    corruptMessages: [],
    deliveryCount: 1,
  };
}

/** A first step that records the start, schedules one activity and leaves the instance Running. */
function firstStep(item: OrchestrationWorkItem): FastPathCompletion {
  const activity: NewActivityMessage = {
    instanceId: item.instanceId,
    executionId: item.instance.executionId,
    taskId: 0,
    name: "A",
    input: '"x"',
    attempt: 1,
    idempotencyKey: `${item.instanceId}:0`,
  };
  return {
    ...completionOf(item, {
      newHistory: [item.messages[0]!.event],
      status: "Running",
      activities: [activity],
    }),
    consumedMessageIds: [0],
    createsInstance: true,
  };
}

/** Registers the tests of starting instances. */
export function startTests(env: FastPathEnv): void {
  it("eager start: leases a new instance to the creating worker, with its start message", async () => {
    const { hub } = env;
    const dispatch = { workerId: "starter", leaseMs: 30_000, maxOrchestrations: 1 };
    const before = systemClock.now();
    const request = newInstance("eager", { input: '"in"' });
    const dispatched = await hub.createAndDispatch(request, dispatch);
    const after = systemClock.now();
    assert.ok(dispatched, "a dispatch request was given: the result is present");
    assert.deepEqual(dispatched.activities, []);
    assert.equal(dispatched.orchestrations.length, 1);
    const item = dispatched.orchestrations[0]!;
    assert.equal(item.instanceId, "eager");
    assertLease(item.lockExpiresAt, before, after, dispatch.leaseMs);
    assert.deepEqual(item.instance, await hub.getInstance("eager"), "the instance as stored");
    assert.deepEqual(
      item.messages.map((m) => m.event),
      [request.event],
      "the start message",
    );
    assert.deepEqual(
      await hub.lockOrchestrationWorkItems({ workerId: "other", max: 10, leaseMs: 30_000 }),
      [],
      "another worker cannot take it",
    );
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        completionOf(item, { newHistory: [item.messages[0]!.event], status: "Running" }),
      ]),
      ["ok"],
    );
    assert.equal((await hub.getInstance("eager"))?.status, "Running");
    assert.equal((await hub.getHistory("eager")).length, 1);
  });

  it("eager start: a replaced finished instance is leased too; a scheduled start or no slot is not", async () => {
    const { hub } = env;
    const dispatch = { workerId: "starter", leaseMs: 30_000, maxOrchestrations: 1 };
    await createWithStatus(hub, "again", "Completed");
    const replaced = await hub.createAndDispatch(newInstance("again", { executionId: "again-2" }), dispatch);
    assert.equal(replaced?.orchestrations.length, 1);
    assert.equal(replaced.orchestrations[0]!.instance.executionId, "again-2");
    assert.deepEqual(
      replaced.orchestrations[0]!.messages.map((m) => m.event.type),
      ["ExecutionStarted"],
      "only the new start message",
    );

    const later = await hub.createAndDispatch(
      newInstance("later", { visibleAt: systemClock.now() + 60_000 }),
      dispatch,
    );
    assert.deepEqual(later?.orchestrations, [], "a start due later is not leased");
    const none = await hub.createAndDispatch(newInstance("no-slot"), { ...dispatch, maxOrchestrations: 0 });
    assert.deepEqual(none?.orchestrations, [], "maxOrchestrations 0 leases nothing");
    assert.equal(await hub.createAndDispatch(newInstance("plain")), undefined, "no request, no result");
    const claimed = await lockAll(hub);
    assert.deepEqual([...claimed.keys()].sort(), ["no-slot", "plain"]);

    await rejectsWith(hub.createAndDispatch(newInstance("no-slot"), dispatch), "InstanceAlreadyExistsError");
  });

  it("commits a first step together with its instance's creation", async () => {
    const { hub } = env;
    const item = firstStepItem("first");
    const results = await hub.completeOrchestrationsAndDispatch([firstStep(item)], {
      workerId: "starter",
      leaseMs: 30_000,
      maxActivities: 1,
    });
    assertOutcomes(results, ["ok"]);
    const record = await hub.getInstance("first");
    assert.equal(record?.status, "Running");
    assert.equal(record?.executionId, item.instance.executionId);
    assert.equal(record?.input, '"first"');
    assert.equal(record?.historyLength, 1);
    assert.deepEqual(
      (await hub.getHistory("first")).map((e) => e.type),
      ["ExecutionStarted"],
    );
    assert.equal(results.dispatched?.activities.length, 1, "its activity is dispatched as for any step");
    const stats = await hub.getStats();
    assert.equal(stats.inboxDepth, 0, "no start message was stored");
    assert.equal(stats.leasedInstances, 0, "the lease is released with the commit");
    assert.deepEqual(await hub.lockOrchestrationWorkItems({ workerId: "o", max: 10, leaseMs: 30_000 }), []);
  });

  it("writes nothing of a first step whose instance ID is in use, alone or in a batch", async () => {
    const { hub } = env;
    await createWithStatus(hub, "finished", "Completed");
    await hub.createInstance(newInstance("other"));
    const other = await lockInstance(hub, "other");
    await hub.createInstance(newInstance("taken", { input: '"stored"' }));
    await hub.appendInboxMessage({ instanceId: "taken", event: raised("E") });
    const takenBefore = await hub.getInstance("taken");
    const finishedBefore = await hub.getInstance("finished");
    const finishedHistory = await hub.getHistory("finished");

    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        firstStep(firstStepItem("taken")),
        completionOf(other, { newHistory: [other.messages[0]!.event], status: "Running" }),
        firstStep(firstStepItem("finished")),
        firstStep(firstStepItem("fresh")),
      ]),
      ["lost", "ok", "lost", "ok"],
    );
    assert.deepEqual(await hub.getInstance("taken"), takenBefore, "the stored instance is untouched");
    assert.deepEqual(
      await hub.getInstance("finished"),
      finishedBefore,
      "a finished one is not replaced here",
    );
    assert.deepEqual(await hub.getHistory("finished"), finishedHistory);
    assert.equal((await hub.getInstance("other"))?.status, "Running", "the other steps commit");
    assert.equal((await hub.getInstance("fresh"))?.status, "Running");
    const waiting = await lockAll(hub);
    assert.deepEqual([...waiting.keys()], ["taken"], "only the stored instance has messages");
    assert.deepEqual(
      waiting.get("taken")!.messages.map((m) => m.event.type),
      ["ExecutionStarted", "EventRaised"],
      "its inbox is as it was",
    );
    assert.equal(
      (await hub.getStats()).activityQueueDepth,
      1,
      "only the committed first step scheduled its activity",
    );
  });
}
