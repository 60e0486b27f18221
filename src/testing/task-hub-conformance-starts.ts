/**
 * Conformance tests: starting instances. Creating an instance whose ID is in use, eager start (the new instance leased
 * to the creating worker) and first steps committed with the creation (`OrchestrationCompletion.createsInstance`).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import { pendingInstance } from "../task-hub/instance-records.js";
import type {
  NewActivityMessage,
  OrchestrationCompletion,
  OrchestrationWorkItem,
} from "../task-hub/task-hub.js";
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
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

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
  };
}

/** A first step that records the start, schedules one activity and leaves the instance Running. */
function firstStep(item: OrchestrationWorkItem): OrchestrationCompletion {
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
export function startTests(env: ConformanceEnv): void {
  it("refusing an ID in use leaves the active instance's row, history and inbox as they were", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("dup-pending", { input: '"first"' }));
    const pendingBefore = await hub.getInstance("dup-pending");
    await rejectsWith(
      hub.createInstance(newInstance("dup-pending", { executionId: "other", input: '"second"' })),
      "InstanceAlreadyExistsError",
    );
    assert.deepEqual(await hub.getInstance("dup-pending"), pendingBefore);
    const pendingItem = await lockInstance(hub, "dup-pending");
    assert.deepEqual(
      pendingItem.messages.map((m) => m.event.type === "ExecutionStarted" && m.event.executionId),
      ["dup-pending-exec-1"],
      "no second start message",
    );
    assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(pendingItem)]), ["ok"]);

    await createWithStatus(hub, "dup-running", "Running", { input: '"first"' });
    await hub.appendInboxMessage({ instanceId: "dup-running", event: raised("waiting") });
    const before = await hub.getInstance("dup-running");
    const history = await hub.getHistory("dup-running");
    await rejectsWith(
      hub.createInstance(newInstance("dup-running", { executionId: "other", input: '"second"' })),
      "InstanceAlreadyExistsError",
    );
    assert.deepEqual(await hub.getInstance("dup-running"), before);
    assert.deepEqual(await hub.getHistory("dup-running"), history);
    const item = await lockInstance(hub, "dup-running");
    assert.deepEqual(
      item.messages.map((m) => m.event.type),
      ["EventRaised"],
      "the inbox is as it was",
    );
  });

  it("lets exactly one of two concurrent creates of one ID win, new or replacing a finished instance", async () => {
    const { hub } = env;
    await createWithStatus(hub, "race-done", "Completed");
    for (const id of ["race-new", "race-done"]) {
      const requests = [
        newInstance(id, { executionId: `${id}-a` }),
        newInstance(id, { executionId: `${id}-b` }),
      ];
      const settled = await Promise.allSettled(requests.map((r) => hub.createInstance(r)));
      const won = settled.flatMap((s, i) => (s.status === "fulfilled" ? [i] : []));
      assert.equal(won.length, 1, `exactly one create of '${id}' succeeds`);
      const refused = settled.find((s) => s.status === "rejected");
      assert.equal((refused as PromiseRejectedResult).reason?.name, "InstanceAlreadyExistsError");
      const winner = requests[won[0]!]!;
      const record = await hub.getInstance(id);
      assert.equal(record?.status, "Pending");
      assert.equal(record?.executionId, winner.event.executionId);
      const item = await lockInstance(hub, id);
      assert.deepEqual(
        item.messages.map((m) => m.event),
        [winner.event],
        "one start message: the winner's",
      );
    }
  });

  it("eager start: leases a new instance to the creating worker, with its start message", async () => {
    const { hub } = env;
    const dispatch = { workerId: "starter", leaseMs: 30_000, maxOrchestrations: 1 };
    const before = systemClock.now();
    const request = newInstance("eager", { input: '"in"' });
    const dispatched = await hub.createInstance(request, dispatch);
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
      await hub.completeOrchestrationWorkItems([
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
    const replaced = await hub.createInstance(newInstance("again", { executionId: "again-2" }), dispatch);
    assert.equal(replaced?.orchestrations.length, 1);
    assert.equal(replaced.orchestrations[0]!.instance.executionId, "again-2");
    assert.deepEqual(
      replaced.orchestrations[0]!.messages.map((m) => m.event.type),
      ["ExecutionStarted"],
      "only the new start message",
    );

    const later = await hub.createInstance(
      newInstance("later", { visibleAt: systemClock.now() + 60_000 }),
      dispatch,
    );
    assert.deepEqual(later?.orchestrations, [], "a start due later is not leased");
    const none = await hub.createInstance(newInstance("no-slot"), { ...dispatch, maxOrchestrations: 0 });
    assert.deepEqual(none?.orchestrations, [], "maxOrchestrations 0 leases nothing");
    assert.equal(await hub.createInstance(newInstance("plain")), undefined, "no request, no result");
    const claimed = await lockAll(hub);
    assert.deepEqual([...claimed.keys()].sort(), ["no-slot", "plain"]);

    await rejectsWith(hub.createInstance(newInstance("no-slot"), dispatch), "InstanceAlreadyExistsError");
  });

  it("commits a first step together with its instance's creation", async () => {
    const { hub } = env;
    const item = firstStepItem("first");
    const results = await hub.completeOrchestrationWorkItems([firstStep(item)], {
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
      await hub.completeOrchestrationWorkItems([
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
