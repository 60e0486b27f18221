/**
 * Conformance tests: local dispatch (work a commit creates, leased to the committing worker in the same transaction).
 * Batched completions in which one lease was lost are in `task-hub-conformance-lost-leases.ts`, starting instances in
 * `task-hub-conformance-starts.ts`.
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../../task-hub/clock.js";
import type { ActivityWorkItem, OrchestrationWorkItem } from "../../task-hub/task-hub.js";
import {
  activity,
  assertOutcomes,
  completed,
  completionOf,
  dispatchedOf,
  scheduleActivities,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  rejectsWith,
  sleep,
  assertLease,
  type FastPathEnv,
} from "../task-hub-conformance-support.js";

/** Registers the local dispatch tests. */
export function dispatchTests(env: FastPathEnv): void {
  it("leases up to maxActivities of the visible activities a step schedules to the committing worker", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("eager"));
    const item = await lockInstance(hub, "eager");
    const executionId = item.instance.executionId;
    // The activity that is not visible yet comes first: it must be skipped, not leased.
    const scheduled = [
      activity("eager", executionId, 0, systemClock.now() + 60_000),
      { ...activity("eager", executionId, 1), timeoutMs: 5_000, heartbeatTimeoutMs: 1_500 },
      { ...activity("eager", executionId, 2), timeoutMs: 5_000, heartbeatTimeoutMs: 1_500 },
      activity("eager", executionId, 3),
    ];
    const before = systemClock.now();
    const results = await hub.completeOrchestrationsAndDispatch(
      [completionOf(item, { newHistory: [item.messages[0]!.event], activities: scheduled })],
      { workerId: "w-local", leaseMs: 30_000, maxActivities: 2 },
    );
    const after = systemClock.now();
    assertOutcomes(results, ["ok"]);
    const dispatched = dispatchedOf(results);
    assert.deepEqual(dispatched.orchestrations, []);
    assert.equal(dispatched.activities.length, 2, "exactly maxActivities leased");
    for (const work of dispatched.activities) {
      assert.ok(Number.isSafeInteger(work.id), `a stored message ID, got ${work.id}`);
      assert.notEqual(work.taskId, 0, "never an activity that is not visible yet");
      const expected = scheduled[work.taskId]!;
      assert.equal(work.instanceId, "eager");
      assert.equal(work.executionId, executionId);
      assert.equal(work.name, expected.name);
      assert.equal(work.input, expected.input);
      assert.equal(work.attempt, expected.attempt);
      assert.equal(work.idempotencyKey, expected.idempotencyKey);
      assert.equal(work.timeoutMs, expected.timeoutMs);
      assert.equal(work.heartbeatTimeoutMs, expected.heartbeatTimeoutMs);
      assert.equal(typeof work.lockToken, "string");
      assert.ok(work.lockToken.length > 0);
      assert.equal(work.deliveryCount, 1);
      assertLease(work.lockExpiresAt, before, after, 30_000);
    }
    const [first, second] = dispatched.activities as [ActivityWorkItem, ActivityWorkItem];
    assert.notEqual(first.taskId, second.taskId);
    assert.notEqual(first.id, second.id);
    assert.notEqual(first.lockToken, second.lockToken);
    const record = await hub.getInstance("eager");
    assert.equal(record?.status, "Running");
    assert.equal(record?.historyLength, 1);
    let stats = await hub.getStats();
    assert.equal(stats.activityQueueDepth, 4);
    assert.equal(stats.leasedActivities, 2, "the dispatched activities are leased");

    // Another worker gets the third visible activity only: not the dispatched ones, not the future one.
    const others = await hub.lockActivityWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 });
    assert.equal(others.length, 1);
    const third = others[0]!;
    assert.deepEqual(
      [first.taskId, second.taskId, third.taskId].sort(),
      [1, 2, 3],
      "the other worker gets the visible activity that was not dispatched",
    );
    assert.ok(third.id !== first.id && third.id !== second.id);
    assert.equal(third.deliveryCount, 1);

    // The dispatched items are real leases on the stored rows (ID and lock token): they complete and abandon.
    const result = completed(first.taskId, '"first"');
    assertOutcomes(await hub.completeActivitiesAndDispatch([{ workItem: first, result }]), ["ok"]);
    await hub.abandonWorkItem(second, 0);
    const again = await hub.lockActivityWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 });
    assert.equal(again.length, 1, "the abandoned one only (the future one is not visible yet)");
    assert.equal(again[0]!.id, second.id, "the dispatched item's ID is the stored row's");
    assert.equal(again[0]!.taskId, second.taskId);
    assert.equal(again[0]!.deliveryCount, 1, "the release gave the delivery back");
    assert.equal(again[0]!.timeoutMs, scheduled[second.taskId]!.timeoutMs, "the stored row has the limits");
    assert.equal(again[0]!.heartbeatTimeoutMs, scheduled[second.taskId]!.heartbeatTimeoutMs);
    stats = await hub.getStats();
    assert.equal(stats.activityQueueDepth, 3, "the completed message is deleted");

    const orchestration = await lockInstance(hub, "eager");
    assert.equal(orchestration.messages.length, 1);
    assert.deepEqual(orchestration.messages[0]!.event, result);
    assert.equal(orchestration.messages[0]!.executionId, executionId);
  });

  it("leases no activity without a dispatch request, or with maxActivities 0 (the default)", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("plain"));
    await hub.createInstance(newInstance("zero"));
    const items = await lockAll(hub);
    const plain = items.get("plain")!;
    const zero = items.get("zero")!;
    const without = await hub.completeOrchestrationsAndDispatch([
      completionOf(plain, {
        activities: [
          activity("plain", plain.instance.executionId, 0),
          activity("plain", plain.instance.executionId, 1),
        ],
      }),
    ]);
    assertOutcomes(without, ["ok"]);
    assert.equal(without.dispatched, undefined, "no dispatch request: no `dispatched`");
    const withZero = await hub.completeOrchestrationsAndDispatch(
      [
        completionOf(zero, {
          activities: [
            activity("zero", zero.instance.executionId, 0),
            activity("zero", zero.instance.executionId, 1),
          ],
        }),
      ],
      { workerId: "w-local", leaseMs: 30_000 },
    );
    assertOutcomes(withZero, ["ok"]);
    assert.deepEqual(dispatchedOf(withZero), { activities: [], orchestrations: [] });
    assert.equal((await hub.getStats()).leasedActivities, 0);
    const taken = await hub.lockActivityWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 });
    assert.deepEqual(taken.map((a) => `${a.instanceId}:${a.taskId}:${a.deliveryCount}`).sort(), [
      "plain:0:1",
      "plain:1:1",
      "zero:0:1",
      "zero:1:1",
    ]);
  });

  it("hands a dispatched activity whose lease expired to another worker; the stale completion is rejected", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("eager-expire"));
    const item = await lockInstance(hub, "eager-expire");
    const results = await hub.completeOrchestrationsAndDispatch(
      [completionOf(item, { activities: [activity("eager-expire", item.instance.executionId, 0)] })],
      { workerId: "w-dead", leaseMs: env.ms(100), maxActivities: 5 },
    );
    const committedAt = systemClock.now();
    assertOutcomes(results, ["ok"]);
    const [dispatched] = dispatchedOf(results).activities;
    assert.ok(dispatched);
    const early = await hub.lockActivityWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 });
    if (systemClock.now() - committedAt < env.ms(100))
      assert.equal(early.length, 0, "not handed out while leased");
    await sleep(env.ms(150));
    const [taken] =
      early.length > 0
        ? early
        : await hub.lockActivityWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 });
    assert.ok(taken, "taken over after the lease expired");
    assert.equal(taken.id, dispatched.id);
    assert.equal(taken.deliveryCount, 2);
    assert.notEqual(taken.lockToken, dispatched.lockToken);
    assert.equal(
      (await hub.getStats()).leaseTakeovers,
      1,
      "an expired dispatched lease taken over is a takeover",
    );
    assertOutcomes(
      await hub.completeActivitiesAndDispatch([{ workItem: dispatched, result: completed(0, '"stale"') }]),
      ["lost"],
    );
    await rejectsWith(hub.renewActivityWorkItem(dispatched, 30_000), "WorkItemLockLostError");
    assert.equal((await hub.getStats()).inboxDepth, 0, "the stale result was not delivered");
    assertOutcomes(
      await hub.completeActivitiesAndDispatch([{ workItem: taken, result: completed(0, '"fresh"') }]),
      ["ok"],
    );
    const orchestration = await lockInstance(hub, "eager-expire");
    assert.deepEqual(
      orchestration.messages.map((m) => m.event.type === "TaskCompleted" && m.event.result),
      ['"fresh"'],
    );
  });

  it("leases the instance an activity result goes to, with its messages, to the committing worker", async () => {
    const { hub } = env;
    const executionId = await scheduleActivities(hub, "back", 1);
    const [work] = await hub.lockActivityWorkItems({ workerId: "w-local", max: 10, leaseMs: 30_000 });
    assert.ok(work);
    const result = completed(0, '"42"');
    const before = systemClock.now();
    const results = await hub.completeActivitiesAndDispatch([{ workItem: work, result }], {
      workerId: "w-local",
      leaseMs: 30_000,
      maxOrchestrations: 1,
    });
    const after = systemClock.now();
    assertOutcomes(results, ["ok"]);
    const dispatched = dispatchedOf(results);
    assert.deepEqual(dispatched.activities, []);
    assert.equal(dispatched.orchestrations.length, 1);
    const item = dispatched.orchestrations[0]!;
    assert.equal(item.instanceId, "back");
    assert.equal(typeof item.lockToken, "string");
    assert.ok(item.lockToken.length > 0);
    assertLease(item.lockExpiresAt, before, after, 30_000);
    assert.equal(item.messages.length, 1);
    const message = item.messages[0]!;
    assert.ok(Number.isSafeInteger(message.id));
    assert.equal(message.instanceId, "back");
    assert.equal(message.executionId, executionId);
    assert.deepEqual(message.event, result);
    assert.deepEqual(item.corruptMessages, []);
    assert.deepEqual(item.instance, await hub.getInstance("back"), "the current instance record");
    assert.equal(item.instance.status, "Running");
    assert.equal(item.instance.executionId, executionId);
    assert.equal(item.instance.historyLength, 1);

    assert.deepEqual(
      await hub.lockOrchestrationWorkItems({ workerId: "w-other", max: 10, leaseMs: 30_000 }),
      [],
      "leased: another worker does not get it",
    );
    assert.equal((await hub.getStats()).leasedInstances, 1);
    assertOutcomes(
      await hub.completeOrchestrationsAndDispatch([
        completionOf(item, {
          status: "Completed",
          newHistory: [result],
          instance: { output: '"42"', completedAt: systemClock.now() },
        }),
      ]),
      ["ok"],
    );
    const record = await hub.getInstance("back");
    assert.equal(record?.status, "Completed");
    assert.equal(record?.output, '"42"');
    assert.equal(record?.historyLength, 2);
    assert.deepEqual(
      (await hub.getHistory("back")).map((e) => e.type),
      ["ExecutionStarted", "TaskCompleted"],
    );
    const stats = await hub.getStats();
    assert.equal(stats.inboxDepth, 0);
    assert.equal(stats.leasedInstances, 0);
  });

  it("leases no instance that another worker holds when the result arrives", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "busy", 1);
    const [work] = await hub.lockActivityWorkItems({ workerId: "w-local", max: 10, leaseMs: 30_000 });
    assert.ok(work);
    await hub.appendInboxMessage({ instanceId: "busy", event: raised("ping") });
    const held = await lockInstance(hub, "busy");
    const result = completed(0, '"while-leased"');
    const results = await hub.completeActivitiesAndDispatch([{ workItem: work, result }], {
      workerId: "w-local",
      leaseMs: 30_000,
      maxOrchestrations: 1,
    });
    assertOutcomes(results, ["ok"]);
    assert.deepEqual(dispatchedOf(results), { activities: [], orchestrations: [] });
    assertOutcomes(await hub.completeOrchestrationsAndDispatch([completionOf(held)]), ["ok"]);
    const next = (await lockAll(hub, "w-other")).get("busy");
    assert.ok(next, "the result waits for any worker");
    assert.deepEqual(
      next.messages.map((m) => m.event),
      [result],
    );
  });

  it("leases no instance with maxOrchestrations 0 (the default) or without a dispatch request", async () => {
    const { hub } = env;
    for (const id of ["zero", "omitted", "none"]) await scheduleActivities(hub, id, 1);
    const works = new Map(
      (await hub.lockActivityWorkItems({ workerId: "w-local", max: 10, leaseMs: 30_000 })).map((w) => [
        w.instanceId,
        w,
      ]),
    );
    assert.equal(works.size, 3);
    const zero = await hub.completeActivitiesAndDispatch(
      [{ workItem: works.get("zero")!, result: completed(0) }],
      {
        workerId: "w-local",
        leaseMs: 30_000,
        maxOrchestrations: 0,
      },
    );
    assertOutcomes(zero, ["ok"]);
    assert.deepEqual(dispatchedOf(zero), { activities: [], orchestrations: [] });
    const omitted = await hub.completeActivitiesAndDispatch(
      [{ workItem: works.get("omitted")!, result: completed(0) }],
      { workerId: "w-local", leaseMs: 30_000 },
    );
    assertOutcomes(omitted, ["ok"]);
    assert.deepEqual(dispatchedOf(omitted), { activities: [], orchestrations: [] });
    const none = await hub.completeActivitiesAndDispatch([
      { workItem: works.get("none")!, result: completed(0) },
    ]);
    assertOutcomes(none, ["ok"]);
    assert.equal(none.dispatched, undefined, "no dispatch request: no `dispatched`");
    assert.equal((await hub.getStats()).leasedInstances, 0);
    const claimed = await lockAll(hub, "w-other");
    assert.deepEqual([...claimed.keys()].sort(), ["none", "omitted", "zero"]);
    for (const item of claimed.values())
      assert.deepEqual(
        item.messages.map((m) => m.event.type),
        ["TaskCompleted"],
      );
  });

  it("leases at most maxOrchestrations of the instances the results go to, each with all its messages", async () => {
    const { hub } = env;
    await scheduleActivities(hub, "p", 2);
    await scheduleActivities(hub, "q", 1);
    const works = await hub.lockActivityWorkItems({ workerId: "w-local", max: 10, leaseMs: 30_000 });
    assert.equal(works.length, 3);
    const results = await hub.completeActivitiesAndDispatch(
      works.map((w) => ({
        workItem: w,
        result: completed(w.taskId, JSON.stringify(`${w.instanceId}${w.taskId}`)),
      })),
      { workerId: "w-local", leaseMs: 30_000, maxOrchestrations: 1 },
    );
    assertOutcomes(results, ["ok", "ok", "ok"]);
    const { orchestrations } = dispatchedOf(results);
    assert.equal(orchestrations.length, 1);
    const mine = orchestrations[0]!;
    const expectedResults = (id: string) =>
      works
        .filter((w) => w.instanceId === id)
        .map((w) => JSON.stringify(`${id}${w.taskId}`))
        .sort();
    const resultsOf = (item: OrchestrationWorkItem) =>
      item.messages.map((m) => (m.event.type === "TaskCompleted" ? m.event.result : m.event.type)).sort();
    assert.deepEqual(resultsOf(mine), expectedResults(mine.instanceId));
    const other = mine.instanceId === "p" ? "q" : "p";
    const claimed = await lockAll(hub, "w-other");
    assert.deepEqual([...claimed.keys()], [other], "the instance not dispatched is ready for any worker");
    assert.deepEqual(resultsOf(claimed.get(other)!), expectedResults(other));
  });
}
