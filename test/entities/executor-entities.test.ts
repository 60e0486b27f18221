/**
 * The executor side of entities, on hand-driven histories: what callEntity / signalEntity / lockEntities record and
 * send, how responses settle them, replay determinism, locking rules, and the release of locks when the execution
 * ends. Every step also checks that a cached session and a fresh replay agree (see `Driver`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEvent } from "../../src/core/history-event.js";
import { entityId } from "../../src/core/entity-id.js";
import type { OrchestratorAction } from "../../src/orchestration/actions.js";
import type { OrchestrationContext } from "../../src/api/orchestration-context.js";
import { planRewind } from "../../src/orchestration/rewind.js";
import { history } from "../../src/testing/history-builder.js";
import { Driver, T0, failureOf, output, run, type Handlers } from "../orchestration/fixtures.js";

const counter = (key: string) => entityId("Counter", key);

const handlers: Handlers = {
  Call: async (ctx: OrchestrationContext) => {
    const total = await ctx.callEntity<number>("Counter", "c", "add", 5);
    ctx.signalEntity("Counter", "c", "add", 1, {
      signalTime: new Date(ctx.currentUtcDateTime.getTime() + 60_000),
    });
    return total;
  },
  CatchFailure: async (ctx: OrchestrationContext) => {
    try {
      await ctx.callEntity("Counter", "c", "boom");
      return "no error";
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  },
  Section: async (ctx: OrchestrationContext) => {
    const lock = await ctx.lockEntities(counter("b"), counter("a"), counter("b"));
    const inside = ctx.isInCriticalSection();
    const a = await ctx.callEntity<number>("Counter", "a", "get");
    lock.release();
    return { a, inside, after: ctx.isInCriticalSection() };
  },
  KeepsLock: async (ctx: OrchestrationContext) => {
    await ctx.lockEntities(counter("a"), counter("b"));
    return "done";
  },
  WaitsInSection: async (ctx: OrchestrationContext) => {
    await ctx.lockEntities(counter("a"), counter("b"));
    await ctx.waitForExternalEvent("never");
  },
  Nested: async (ctx: OrchestrationContext) => {
    await ctx.lockEntities(counter("a"));
    await ctx.lockEntities(counter("b"));
  },
  SignalsLocked: async (ctx: OrchestrationContext) => {
    await ctx.lockEntities(counter("a"));
    ctx.signalEntity("Counter", "a", "add", 1);
  },
};

function action<T extends OrchestratorAction["type"]>(
  actions: readonly OrchestratorAction[],
  type: T,
): Extract<OrchestratorAction, { type: T }> {
  const found = actions.find((a) => a.type === type);
  assert.ok(found, `no ${type} action in ${JSON.stringify(actions)}`);
  return found as Extract<OrchestratorAction, { type: T }>;
}

describe("entities in the executor", () => {
  it("callEntity records EntityOperationCalled, creates the entity, and completes with the response", async () => {
    const d = new Driver(handlers, "Call");
    const first = await d.start();
    const call = action(first.actions, "CallEntity");
    assert.deepEqual(
      { target: call.targetInstanceId, op: call.operation, input: call.input },
      {
        target: "@counter@c",
        op: "add",
        input: "5",
      },
    );
    const message = d.changes!.messages[0]!;
    assert.equal(message.instanceId, "@counter@c");
    assert.equal(message.event.type, "EntityOperationCalled");
    assert.deepEqual(
      d.changes!.newInstances.map((n) => [n.event.instanceId, n.event.name]),
      [["@counter@c", "counter"]],
    );
    assert.ok(d.history.some((e) => e.type === "EntityOperationCalled" && e.eventId === call.id));

    const second = await d.step(T0 + 1000, (h) =>
      h.add({ type: "EntityOperationCompleted", requestId: call.requestId, result: "42" }),
    );
    assert.equal(output(second), 42);
    const signal = action(second.actions, "SignalEntity");
    assert.equal(signal.scheduledTime, new Date(T0 + 61_000).toISOString());
    const sent = d.changes!.messages.find((m) => m.event.type === "EntityOperationSignaled");
    assert.equal(sent?.visibleAt, T0 + 61_000, "a scheduled signal is delivered at its time");
  });

  it("a failed operation rejects with TaskFailedError naming the entity and operation", async () => {
    const d = new Driver(handlers, "CatchFailure");
    const call = action((await d.start()).actions, "CallEntity");
    const result = await d.step(T0 + 1000, (h) =>
      h.add({
        type: "EntityOperationFailed",
        requestId: call.requestId,
        failure: { errorType: "RangeError", message: "too big" },
      }),
    );
    assert.match(
      String(output(result)),
      /^TaskFailedError: Entity operation 'boom' on '@counter@c' failed: RangeError: too big/,
    );
  });

  it("replay: a different operation or an unknown response is a NonDeterminismError", async () => {
    const past = history()
      .started("Call")
      .add({
        type: "EntityOperationCalled",
        eventId: 0,
        requestId: "r",
        operation: "subtract",
        targetInstanceId: "@counter@c",
        parentInstanceId: "instance-1",
        parentExecutionId: "execution-1",
      })
      .episodeEnd()
      .build();
    const changed = failureOf(await run(handlers, past, history().episodeStart().build()));
    assert.equal(changed.errorType, "NonDeterminismError");
    assert.match(changed.message, /'@counter@c subtract' as task #0.*callEntity\('@counter@c', 'add'\)/);

    const first = await new Driver(handlers, "Call").start();
    const call = action(first.actions, "CallEntity");
    const recorded = history()
      .started("Call")
      .add({
        type: "EntityOperationCalled",
        eventId: 0,
        requestId: call.requestId,
        operation: "add",
        input: "5",
        targetInstanceId: "@counter@c",
        parentInstanceId: "instance-1",
        parentExecutionId: "execution-1",
      })
      .episodeEnd()
      .build();
    const stray = failureOf(
      await run(handlers, recorded, [
        ...history().episodeStart().build(),
        {
          type: "EntityOperationCompleted",
          timestamp: new Date(T0).toISOString(),
          requestId: "other",
          result: "1",
        },
      ]),
    );
    assert.equal(stray.errorType, "NonDeterminismError");
    assert.match(stray.message, /request 'other'/);
  });

  it("a critical section locks its entities in sorted order, calls them, and releases them", async () => {
    const d = new Driver(handlers, "Section");
    const lock = action((await d.start()).actions, "LockEntities");
    assert.deepEqual(lock.lockSet, ["@counter@a", "@counter@b"], "sorted, without duplicates");
    const request = d.changes!.messages[0]!;
    assert.equal(
      request.instanceId,
      "@counter@a",
      "the request starts at the first entity of the lock order",
    );
    assert.deepEqual((request.event as { position: number }).position, 0);

    const granted = await d.step(T0 + 1000, (h) =>
      h.add({ type: "EntityLockGranted", criticalSectionId: lock.criticalSectionId }),
    );
    const call = action(granted.actions, "CallEntity");
    const done = await d.step(T0 + 2000, (h) =>
      h.add({ type: "EntityOperationCompleted", requestId: call.requestId, result: "7" }),
    );
    assert.deepEqual(output(done), { a: 7, inside: true, after: false });
    assert.deepEqual(
      done.actions
        .filter((a) => a.type === "UnlockEntity")
        .map((a) => (a as { targetInstanceId: string }).targetInstanceId),
      ["@counter@a", "@counter@b"],
    );
    assert.equal(done.locksToRelease, undefined, "released by the code: nothing left for the engine");
    assert.equal(d.history.filter((e: HistoryEvent) => e.type === "EntityUnlockSent").length, 2);
  });

  it("locks still held when the execution completes or fails are released by the engine", async () => {
    const d = new Driver(handlers, "KeepsLock");
    const lock = action((await d.start()).actions, "LockEntities");
    const done = await d.step(T0 + 1000, (h) =>
      h.add({ type: "EntityLockGranted", criticalSectionId: lock.criticalSectionId }),
    );
    assert.equal(output(done), "done");
    assert.deepEqual(done.locksToRelease, {
      criticalSectionId: lock.criticalSectionId,
      lockSet: ["@counter@a", "@counter@b"],
      granted: true,
    });
    const releases = d.changes!.messages.filter((m) => m.event.type === "EntityUnlockSent");
    assert.deepEqual(
      releases.map((m) => m.instanceId),
      ["@counter@a", "@counter@b"],
    );
  });

  it("a section terminated before its locks were granted is released along the lock chain", async () => {
    const d = new Driver(handlers, "WaitsInSection");
    const lock = action((await d.start()).actions, "LockEntities");
    const terminated = await d.step(T0 + 1000, (h) => h.terminated("stop"));
    assert.equal(terminated.outcome?.status, "Terminated");
    assert.equal(terminated.locksToRelease?.granted, false);
    const releases = d.changes!.messages.filter((m) => m.event.type === "EntityUnlockSent");
    assert.equal(releases.length, 1);
    assert.equal(releases[0]!.instanceId, "@counter@a");
    assert.deepEqual((releases[0]!.event as { lockSet?: readonly string[] }).lockSet, lock.lockSet);
  });

  it("locking rules: nesting and signalling a locked entity throw, and nothing is issued for them", async () => {
    for (const name of ["Nested", "SignalsLocked"]) {
      const d = new Driver(handlers, name);
      const lock = action((await d.start()).actions, "LockEntities");
      const result = await d.step(T0 + 1000, (h) =>
        h.add({ type: "EntityLockGranted", criticalSectionId: lock.criticalSectionId }),
      );
      const failure = failureOf(result);
      assert.equal(failure.errorType, "LockingRulesViolationError", name);
      assert.deepEqual(result.actions, [], `${name}: no action for the violation`);
      assert.equal(result.locksToRelease?.granted, true, `${name}: the failed execution releases its lock`);
    }
  });

  it("rewind delivers again the entity responses that arrived after the failure", () => {
    const called = {
      type: "EntityOperationCalled",
      eventId: 1,
      requestId: "r1",
      operation: "add",
      targetInstanceId: "@counter@c",
      parentInstanceId: "instance-1",
      parentExecutionId: "execution-1",
    } as const;
    const events = history()
      .started("X")
      .taskScheduled(0, "A")
      .add(called)
      .episodeEnd()
      .episodeStart()
      .taskFailed(0, "boom")
      .add({ type: "EntityOperationCompleted", requestId: "r1", result: "1" })
      .add({ type: "EntityOperationCompleted", requestId: "unknown", result: "2" })
      .episodeEnd()
      .build();
    const plan = planRewind(events, "instance-1", "execution-1");
    assert.deepEqual(
      plan.redeliver.map((e) => (e as { requestId?: string }).requestId),
      ["r1"],
    );
  });

  it("entity responses are held while the orchestration is suspended", async () => {
    const d = new Driver(handlers, "Call");
    const call = action((await d.start()).actions, "CallEntity");
    await d.step(T0 + 500, (h) => h.suspended());
    const held = await d.step(T0 + 1000, (h) =>
      h.add({ type: "EntityOperationCompleted", requestId: call.requestId, result: "3" }),
    );
    assert.equal(held.outcome, undefined);
    assert.equal(held.suspended, true);
    assert.equal(output(await d.step(T0 + 2000, (h) => h.resumed())), 3);
  });
});
