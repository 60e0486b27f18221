/**
 * The entity processor on hand-made work items (no task hub): serial batches with a bound, per-operation rollback,
 * locks and deferral, releases along the lock chain, and when an entity asks to be deleted.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEvent } from "../../src/core/history-event.js";
import { EntityProcessor } from "../../src/entities/entity-processor.js";
import { ENTITY_CONTINUE_EVENT } from "../../src/orchestration/entity-messages.js";
import { DurableApp, type InstanceRecord, type OrchestrationWorkItem } from "../../src/index.js";
import { CaptureLog } from "../orchestration/fixtures.js";

const now = Date.parse("2024-01-01T00:00:00.000Z");
const timestamp = new Date(now).toISOString();

function app() {
  const a = new DurableApp();
  a.entity("Counter", {
    initialState: () => 0,
    operations: {
      add: (n, by: number) => n + by,
      addThenFail: (n, by: number, ctx) => {
        ctx.signalEntity("Counter", "other", "add", by);
        if (by > 0) throw new Error("no");
        return n + by;
      },
    },
    queries: { get: (n) => n },
  });
  return a;
}

let nextId = 1;
function workItem(
  instanceId: string,
  events: HistoryEvent[],
  row: Partial<InstanceRecord> = {},
): OrchestrationWorkItem {
  return {
    instanceId,
    lockToken: "t",
    lockExpiresAt: now + 1000,
    instance: {
      instanceId,
      name: "counter",
      executionId: "e",
      status: "Running",
      createdAt: now,
      lastUpdatedAt: now,
      historyLength: 0,
      ...row,
    },
    messages: events.map((event) => ({ id: nextId++, instanceId, event, visibleAt: now })),
    corruptMessages: [],
    deliveryCount: 1,
  };
}

const signal = (operation: string, input: unknown, from?: string): HistoryEvent => ({
  type: "EntityOperationSignaled",
  timestamp,
  eventId: -1,
  requestId: `s-${nextId}`,
  operation,
  input: JSON.stringify(input),
  targetInstanceId: "@counter@c",
  ...(from ? { parentInstanceId: from } : {}),
});
const call = (operation: string, input: unknown, from = "orch"): HistoryEvent => ({
  type: "EntityOperationCalled",
  timestamp,
  eventId: 0,
  requestId: `call-${operation}-${String(input)}`,
  operation,
  input: JSON.stringify(input),
  targetInstanceId: "@counter@c",
  parentInstanceId: from,
  parentExecutionId: `${from}-exec`,
});
const lockRequest = (owner: string, lockSet: string[], position = 0): HistoryEvent => ({
  type: "EntityLockRequested",
  timestamp,
  eventId: 0,
  criticalSectionId: `cs-${owner}`,
  lockSet,
  position,
  parentInstanceId: owner,
  parentExecutionId: `${owner}-exec`,
});
const unlock = (owner: string, chain?: string[]): HistoryEvent => ({
  type: "EntityUnlockSent",
  timestamp,
  eventId: -1,
  criticalSectionId: `cs-${owner}`,
  targetInstanceId: "@counter@c",
  parentInstanceId: owner,
  ...(chain ? { lockSet: chain, position: 0 } : {}),
});

function processor(maxBatchSize = 50, log = new CaptureLog()) {
  return new EntityProcessor(app().registry, { maxBatchSize, clock: () => now, logSink: log });
}

describe("entity processor", () => {
  it("runs a bounded batch in order and leaves the rest in the inbox", async () => {
    const item = workItem(
      "@counter@c",
      [1, 2, 3, 4, 5].map((n) => signal("add", n)),
    );
    const completion = await processor(2).process(item);
    assert.equal(completion.instance.customStatus, "3");
    assert.deepEqual(
      completion.consumedMessageIds,
      item.messages.slice(0, 2).map((m) => m.id),
    );
    assert.deepEqual(completion.messages, [], "the inbox still has work: no continue message needed");
    assert.equal(completion.deleteIfIdle, undefined);
    assert.equal(completion.instance.status, "Running");
    assert.deepEqual(completion.newHistory, []);
  });

  it("rolls back a throwing operation: state and signals; the caller gets the failure", async () => {
    const item = workItem("@counter@c", [call("add", 1), call("addThenFail", 5), call("addThenFail", 0)]);
    const completion = await processor().process(item);
    assert.equal(completion.instance.customStatus, "1", "the failed operation changed nothing");
    const responses = completion.messages.filter((m) => m.instanceId === "orch");
    assert.deepEqual(
      responses.map((m) => [m.event.type, m.executionId]),
      [
        ["EntityOperationCompleted", "orch-exec"],
        ["EntityOperationFailed", "orch-exec"],
        ["EntityOperationCompleted", "orch-exec"],
      ],
    );
    const signals = completion.messages.filter((m) => m.instanceId === "@counter@other");
    assert.equal(signals.length, 1, "only the signal of the operation that returned is sent");
    assert.deepEqual(
      completion.newInstances.map((n) => n.event.instanceId),
      ["@counter@other"],
    );
  });

  it("locks for a section: forwards the request, defers others, serves the owner, runs deferred work on release", async () => {
    const p = processor();
    const lockSet = ["@counter@c", "@counter@d"];
    const first = await p.process(
      workItem("@counter@c", [lockRequest("o", lockSet), signal("add", 10), call("get", undefined, "o")]),
    );
    const forward = first.messages.find((m) => m.instanceId === "@counter@d");
    assert.equal((forward?.event as { position: number }).position, 1, "forwarded to the next entity");
    assert.ok(first.newInstances.some((n) => n.event.instanceId === "@counter@d"));
    assert.equal(first.instance.customStatus, undefined, "the client's signal waits");
    const answer = first.messages.find((m) => m.instanceId === "o");
    assert.equal(answer?.event.type, "EntityOperationCompleted");
    const scheduler = JSON.parse(first.instance.input!) as {
      lock: { ownerInstanceId: string };
      queue: unknown[];
    };
    assert.equal(scheduler.lock.ownerInstanceId, "o");
    assert.equal(scheduler.queue.length, 1);

    const second = await p.process(
      workItem("@counter@c", [unlock("o"), signal("add", 1)], {
        input: first.instance.input,
        customStatus: first.instance.customStatus,
      }),
    );
    assert.equal(second.instance.customStatus, "11", "the deferred signal ran, then the new one");
    assert.equal(second.instance.input !== undefined && JSON.parse(second.instance.input).lock, undefined);

    const last = await p.process(workItem("@counter@d", [lockRequest("o", lockSet, 1)]));
    const grant = last.messages.find((m) => m.instanceId === "o");
    assert.deepEqual([grant?.event.type, grant?.executionId], ["EntityLockGranted", "o-exec"]);
  });

  it("a release along the chain cancels a lock request still waiting, without forwarding", async () => {
    const p = processor();
    const held = await p.process(workItem("@counter@c", [lockRequest("p", ["@counter@c"])]));
    const chain = ["@counter@c", "@counter@d"];
    const cancelled = await p.process(
      workItem("@counter@c", [lockRequest("o", chain), unlock("o", chain)], { input: held.instance.input }),
    );
    const scheduler = JSON.parse(cancelled.instance.input!) as {
      lock: { ownerInstanceId: string };
      queue?: unknown[];
    };
    assert.equal(scheduler.lock.ownerInstanceId, "p");
    assert.equal(scheduler.queue, undefined, "the cancelled request is gone");
    assert.deepEqual(cancelled.messages, [], "nothing forwarded");
  });

  it("continues a long backlog in the next step with a message to itself", async () => {
    const p = processor(2);
    const held = await p.process(
      workItem("@counter@c", [
        lockRequest("o", ["@counter@c"]),
        ...[1, 2, 3, 4, 5].map((n) => signal("add", n)),
      ]),
    );
    const released = await p.process(workItem("@counter@c", [unlock("o")], { input: held.instance.input }));
    assert.equal(released.instance.customStatus, "3", "two operations in this step");
    const wake = released.messages.find((m) => m.instanceId === "@counter@c");
    assert.deepEqual(wake?.event, { type: "EventRaised", timestamp, name: ENTITY_CONTINUE_EVENT });
    const queue = (JSON.parse(released.instance.input!) as { queue: unknown[] }).queue;
    assert.equal(queue.length, 3);
  });

  it("asks to be deleted when it has no state, no lock and nothing queued", async () => {
    const p = processor();
    const created: HistoryEvent = {
      type: "ExecutionStarted",
      timestamp,
      name: "counter",
      instanceId: "@counter@c",
      executionId: "x",
    };
    const readOnly = await p.process(workItem("@counter@c", [created, signal("get", undefined)]));
    assert.equal(readOnly.deleteIfIdle, true);
    assert.equal(readOnly.consumedMessageIds.length, 2);
    const written = await p.process(workItem("@counter@c", [signal("add", 1)]));
    assert.equal(written.deleteIfIdle, undefined);
    const deleted = await p.process(
      workItem("@counter@c", [signal("delete", undefined)], { customStatus: "4" }),
    );
    assert.equal(deleted.instance.customStatus, undefined);
    assert.equal(deleted.deleteIfIdle, true);
  });

  it("drops corrupted messages and survives a corrupted scheduler state", async () => {
    const log = new CaptureLog();
    const item = {
      ...workItem("@counter@c", [signal("add", 2)], { input: "{not json" }),
      corruptMessages: [{ id: 999, error: "bad" }],
    };
    const completion = await processor(50, log).process(item);
    assert.equal(completion.instance.customStatus, "2");
    assert.ok(completion.consumedMessageIds.includes(999));
    assert.equal(log.lines.filter((l) => l.startsWith("error")).length, 2);
  });
});
