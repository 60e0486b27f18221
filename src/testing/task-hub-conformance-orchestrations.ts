/**
 * Conformance tests: orchestration work items (visibility, leases, completion atomicity, sub-orchestrations).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import type { HistoryEvent } from "../core/history-event.js";
import {
  assertOutcomes,
  completionOf,
  createWithStatus,
  eventually,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  stamp,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Registers the orchestration work item tests. */
export function orchestrationTests(env: ConformanceEnv): void {
  it("returns only visible messages, in arrival order, and later the delayed ones", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("vis"));
    await hub.appendInboxMessage({ instanceId: "vis", event: raised("e1") });
    const timerAt = systemClock.now() + env.ms(300);
    await hub.appendInboxMessage({
      instanceId: "vis",
      event: raised("future"),
      visibleAt: timerAt,
      executionId: "x",
    });
    await hub.appendInboxMessage({ instanceId: "vis", event: raised("e3") });
    const item = await lockInstance(hub, "vis");
    const names = item.messages.map((m) => (m.event.type === "EventRaised" ? m.event.name : m.event.type));
    assert.deepEqual(names, ["ExecutionStarted", "e1", "e3"]);
    const ids = item.messages.map((m) => m.id);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
      "in arrival (ID) order",
    );
    assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(item)]), ["ok"]);
    assert.equal((await lockAll(hub)).size, 0, "the delayed message is not visible yet");
    const later = await eventually(async () => (await lockAll(hub)).get("vis"), "the delayed message");
    assert.ok(systemClock.now() >= timerAt);
    assert.equal(later.messages.length, 1);
    assert.equal(later.messages[0]?.visibleAt, timerAt);
    assert.equal(later.messages[0]?.executionId, "x");
  });

  it("hands out a flood of messages over several work items, each message once, in arrival order", async () => {
    const { hub } = env;
    const bound = env.options.maxMessagesPerWorkItem;
    const total = (bound ?? 100) + 50;
    await hub.createInstance(newInstance("flood"));
    for (let i = 0; i < total; i++)
      await hub.appendInboxMessage({ instanceId: "flood", event: raised(`e${i}`) });
    const seen: string[] = [];
    const sizes: number[] = [];
    for (;;) {
      const item = (await lockAll(hub)).get("flood");
      if (!item) break;
      sizes.push(item.messages.length);
      seen.push(...item.messages.map((m) => (m.event.type === "EventRaised" ? m.event.name : m.event.type)));
      assertOutcomes(await hub.completeOrchestrationWorkItems([completionOf(item)]), ["ok"]);
    }
    assert.deepEqual(seen, ["ExecutionStarted", ...Array.from({ length: total }, (_, i) => `e${i}`)]);
    if (bound !== undefined) assert.deepEqual(sizes, [bound, total + 1 - bound], "the bound, then the rest");
  });

  it("commits a step atomically: history, state, inbox, activities, messages, new instances", async () => {
    const { hub } = env;
    const start = newInstance("p", { input: '"in"' });
    await hub.createInstance(start);
    await hub.createInstance(newInstance("t"));
    const items = await lockAll(hub);
    const item = items.get("p")!;
    await hub.abandonWorkItem(items.get("t")!, 0);
    await hub.appendInboxMessage({ instanceId: "p", event: raised("arrived-during-step") });
    const child = newInstance("p-child", {
      parent: { instanceId: "p", executionId: "p-exec-1", name: "TestOrchestrator", taskScheduledId: 1 },
      input: '"c"',
    });
    const newHistory: HistoryEvent[] = [
      { type: "OrchestratorStarted", timestamp: stamp() },
      start.event,
      { type: "TaskScheduled", timestamp: stamp(), eventId: 0, name: "Act", input: '"x"' },
      {
        type: "SubOrchestrationInstanceCreated",
        timestamp: stamp(),
        eventId: 1,
        name: "C",
        instanceId: "p-child",
      },
      { type: "EventSent", timestamp: stamp(), eventId: 2, instanceId: "t", name: "ping" },
      {
        type: "TimerCreated",
        timestamp: stamp(),
        eventId: 3,
        fireAt: new Date(systemClock.now() + 60_000).toISOString(),
      },
      { type: "OrchestratorCompleted", timestamp: stamp() },
    ];
    const timerAt = systemClock.now() + 60_000;
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(item, {
          newHistory,
          instance: { customStatus: '"step1"' },
          activities: [
            {
              instanceId: "p",
              executionId: "p-exec-1",
              taskId: 0,
              name: "Act",
              input: '"x"',
              attempt: 1,
              idempotencyKey: "p:0",
            },
          ],
          messages: [
            { instanceId: "t", event: raised("ping", '"hi"') },
            { instanceId: "nobody", event: raised("dropped") },
            { instanceId: "t", event: raised("ping-2") },
            {
              instanceId: "p",
              executionId: "p-exec-1",
              visibleAt: timerAt,
              event: {
                type: "TimerFired",
                timestamp: stamp(),
                timerId: 3,
                fireAt: new Date(timerAt).toISOString(),
              },
            },
          ],
          newInstances: [child],
        }),
      ]),
      ["ok"],
    );
    const record = await hub.getInstance("p");
    assert.equal(record?.status, "Running");
    assert.equal(record?.customStatus, '"step1"');
    assert.equal(record?.historyLength, newHistory.length);
    assert.deepEqual(await hub.getHistory("p"), newHistory);
    assert.equal(await hub.getInstance("nobody"), undefined, "a message to an unknown instance is dropped");
    assert.equal(
      (await hub.getStats()).inboxDepth,
      6,
      "inbox: p (late event, timer), t (start, 2 pings), p-child (start); nothing for 'nobody'",
    );
    const childRecord = await hub.getInstance("p-child");
    assert.equal(childRecord?.status, "Pending");
    assert.equal(childRecord?.parentInstanceId, "p");

    const [activity] = await hub.lockActivityWorkItems({ workerId: "a", max: 10, leaseMs: 30_000 });
    assert.equal(activity?.name, "Act");
    assert.equal(activity?.idempotencyKey, "p:0");

    const next = await lockAll(hub);
    assert.deepEqual([...next.keys()].sort(), ["p", "p-child", "t"]);
    assert.deepEqual(
      next.get("p")!.messages.map((m) => m.event.type === "EventRaised" && m.event.name),
      ["arrived-during-step"],
      "consumed messages are gone, the one that arrived during the step stays; the timer is not due",
    );
    assert.deepEqual(
      next.get("t")!.messages.map((m) => (m.event.type === "EventRaised" ? m.event.name : m.event.type)),
      ["ExecutionStarted", "ping", "ping-2"],
      "messages of one step arrive in order",
    );
    assert.deepEqual(
      next.get("p-child")!.messages.map((m) => m.event),
      [child.event],
    );

    const more: HistoryEvent[] = [
      { type: "OrchestratorStarted", timestamp: stamp() },
      raised("arrived-during-step"),
    ];
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([completionOf(next.get("p")!, { newHistory: more })]),
      ["ok"],
    );
    assert.equal((await hub.getInstance("p"))?.historyLength, newHistory.length + more.length);
    assert.deepEqual(await hub.getHistory("p"), [...newHistory, ...more]);
  });

  it("reports a sub-orchestration whose ID is active to the parent instead of creating it", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("busy", { input: '"original"' }));
    await hub.createInstance(newInstance("parent"));
    const items = await lockAll(hub);
    const parentInfo = {
      instanceId: "parent",
      executionId: "parent-exec-1",
      name: "TestOrchestrator",
      taskScheduledId: 7,
    };
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(items.get("parent")!, {
          newInstances: [newInstance("busy", { executionId: "busy-exec-2", parent: parentInfo })],
        }),
      ]),
      ["ok"],
    );
    const busy = await hub.getInstance("busy");
    assert.equal(busy?.executionId, "busy-exec-1");
    assert.equal(busy?.input, '"original"');
    assert.equal(busy?.parentInstanceId, undefined);
    const parent = (await lockAll(hub)).get("parent");
    assert.ok(parent);
    assert.equal(parent.messages.length, 1);
    const message = parent.messages[0]!;
    assert.equal(message.executionId, "parent-exec-1");
    assert.equal(message.event.type, "SubOrchestrationInstanceFailed");
    if (message.event.type === "SubOrchestrationInstanceFailed") {
      assert.equal(message.event.taskScheduledId, 7);
      assert.equal(message.event.failure.errorType, "InstanceAlreadyExistsError");
      assert.match(message.event.failure.message, /busy/);
    }
  });

  it("replaces a finished instance when a sub-orchestration reuses its ID", async () => {
    const { hub } = env;
    await createWithStatus(hub, "reused", "Completed");
    await hub.createInstance(newInstance("parent"));
    const parentItem = await lockInstance(hub, "parent");
    const parentInfo = {
      instanceId: "parent",
      executionId: "parent-exec-1",
      name: "TestOrchestrator",
      taskScheduledId: 0,
    };
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(parentItem, {
          newInstances: [newInstance("reused", { executionId: "reused-2", parent: parentInfo })],
        }),
      ]),
      ["ok"],
    );
    const record = await hub.getInstance("reused");
    assert.equal(record?.status, "Pending");
    assert.equal(record?.executionId, "reused-2");
    assert.equal(record?.parentInstanceId, "parent");
    assert.deepEqual(await hub.getHistory("reused"), []);
  });

  it("replaces the history on continue-as-new and keeps counting after it", async () => {
    const { hub } = env;
    const first = newInstance("can");
    await hub.createInstance(first);
    const h1: HistoryEvent[] = [
      { type: "OrchestratorStarted", timestamp: stamp() },
      first.event,
      raised("a"),
    ];
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(await lockInstance(hub, "can"), { newHistory: h1 }),
      ]),
      ["ok"],
    );
    await hub.appendInboxMessage({ instanceId: "can", event: raised("go") });
    const restarted = { ...first.event, executionId: "can-exec-2", timestamp: stamp() };
    const h2: HistoryEvent[] = [{ type: "OrchestratorStarted", timestamp: stamp() }, restarted];
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(await lockInstance(hub, "can"), {
          replaceHistory: true,
          newHistory: h2,
          instance: { executionId: "can-exec-2", input: '"next"' },
        }),
      ]),
      ["ok"],
    );
    assert.deepEqual(await hub.getHistory("can"), h2);
    const record = await hub.getInstance("can");
    assert.equal(record?.historyLength, 2);
    assert.equal(record?.executionId, "can-exec-2");
    assert.equal(record?.input, '"next"');
    await hub.appendInboxMessage({ instanceId: "can", event: raised("again") });
    const h3: HistoryEvent[] = [raised("again")];
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(await lockInstance(hub, "can"), { newHistory: h3 }),
      ]),
      ["ok"],
    );
    assert.deepEqual(await hub.getHistory("can"), [...h2, ...h3]);
    assert.equal((await hub.getInstance("can"))?.historyLength, 3);
  });

  it("records output, failure and completion time of finished instances", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("fails"));
    const completedAt = systemClock.now();
    const failure = { errorType: "TypeError", message: "boom", stack: "TypeError: boom\n    at x" };
    assertOutcomes(
      await hub.completeOrchestrationWorkItems([
        completionOf(await lockInstance(hub, "fails"), {
          status: "Failed",
          instance: { failure, completedAt },
        }),
      ]),
      ["ok"],
    );
    const record = await hub.getInstance("fails");
    assert.equal(record?.status, "Failed");
    assert.deepEqual(record?.failure, failure);
    assert.equal(record?.completedAt, completedAt);
  });
}
