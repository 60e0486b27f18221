/**
 * What entities rely on from the hub beyond orchestrations. With the fast paths: `deleteIfIdle` (an entity deletes
 * its instance only when nothing waits in its inbox). Without them (a plain hub, e.g. the memory hub): an idle entity's
 * row is kept and takes new operations. Registered by `describeEntities`, so every backend run of the entity
 * scenarios checks one or the other.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { entityCreation } from "../../src/orchestration/entity-messages.js";
import type { NewInboxMessage, OrchestrationWorkItem, TaskHub } from "../../src/index.js";
import { hasLocalDispatch } from "../../src/task-hub/local-dispatch.js";
import type { HubFactory } from "./test-host.js";

/** Registers the contract test for hubs from `makeHub`. */
export function itKeepsTheEntityHubContract(makeHub: HubFactory): void {
  it("task hub contract: an idle entity is deleted only when its inbox is empty (deleteIfIdle), or kept (plain hub)", async () => {
    const hub = await makeHub();
    await hub.init();
    try {
      if (!hasLocalDispatch(hub)) return await keepsIdleEntities(hub);
      const leased = new Map<string, OrchestrationWorkItem>();
      const lock = async (id: string) => {
        for (const i of await hub.lockOrchestrationWorkItems({ workerId: "w", max: 100, leaseMs: 30_000 }))
          leased.set(i.instanceId, i);
        const item = leased.get(id);
        leased.delete(id);
        assert.ok(item, `work item for ${id}`);
        return item;
      };
      const complete = async (
        item: Awaited<ReturnType<typeof lock>>,
        messages: NewInboxMessage[] = [],
      ): Promise<void> => {
        const {
          outcomes: [outcome],
        } = await hub.completeOrchestrationsAndDispatch([
          {
            workItem: item,
            consumedMessageIds: item.messages.map((m) => m.id),
            replaceHistory: false,
            newHistory: [],
            instance: {
              status: "Running",
              executionId: item.instance.executionId,
              name: item.instance.name,
            },
            activities: [],
            messages,
            newInstances: [],
            deleteIfIdle: true,
          },
        ]);
        assert.equal(outcome, undefined);
      };
      const raise = (instanceId: string, visibleAt?: number): NewInboxMessage => ({
        instanceId,
        event: { type: "EventRaised", timestamp: new Date().toISOString(), name: "x" },
        visibleAt,
      });
      const now = new Date().toISOString();
      for (const key of ["idle", "late", "later", "self"])
        await hub.createInstance(entityCreation(`@contract@${key}`, now));

      await complete(await lock("@contract@idle"));
      assert.equal(await hub.getInstance("@contract@idle"), undefined, "idle: deleted");

      const late = await lock("@contract@late");
      await hub.appendInboxMessage(raise("@contract@late"));
      await complete(late);
      assert.ok(await hub.getInstance("@contract@late"), "a message arrived after the lease: kept");
      assert.equal((await lock("@contract@late")).messages.length, 1, "and the message is still there");

      const later = await lock("@contract@later");
      await hub.appendInboxMessage(raise("@contract@later", Date.now() + 60_000));
      await complete(later);
      assert.ok(await hub.getInstance("@contract@later"), "a message waits for later: kept");

      await complete(await lock("@contract@self"), [raise("@contract@self")]);
      assert.ok(await hub.getInstance("@contract@self"), "sent itself a message in the same commit: kept");
    } finally {
      await hub.close();
    }
  });
}

/** A plain hub keeps an idle entity's row; the entity takes its next operation as usual. */
async function keepsIdleEntities(hub: TaskHub): Promise<void> {
  const id = "@contract@idle";
  await hub.createInstance(entityCreation(id, new Date().toISOString()));
  const lock = async () => {
    const items = await hub.lockOrchestrationWorkItems({ workerId: "w", max: 10, leaseMs: 30_000 });
    assert.equal(items.length, 1);
    return items[0]!;
  };
  const first = await lock();
  const [outcome] = await hub.completeOrchestrationWorkItems([
    {
      workItem: first,
      consumedMessageIds: first.messages.map((m) => m.id),
      replaceHistory: false,
      newHistory: [],
      instance: { status: "Running", executionId: first.instance.executionId, name: first.instance.name },
      activities: [],
      messages: [],
      newInstances: [],
    },
  ]);
  assert.equal(outcome, undefined);
  assert.ok(await hub.getInstance(id), "kept");
  await hub.appendInboxMessage({
    instanceId: id,
    event: { type: "EventRaised", timestamp: new Date().toISOString(), name: "x" },
  });
  assert.deepEqual(
    (await lock()).messages.map((m) => m.event.type),
    ["EventRaised"],
  );
}
