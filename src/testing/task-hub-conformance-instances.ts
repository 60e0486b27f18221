/**
 * Conformance tests: creating instances, replacing finished ones, inbox appends.
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { systemClock } from "../task-hub/clock.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import {
  completionOf,
  createWithStatus,
  eventually,
  lockAll,
  lockInstance,
  newInstance,
  raised,
  rejectsWith,
  stamp,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Registers the instance tests. */
export function instanceTests(env: ConformanceEnv): void {
  it("creates a Pending instance with its ExecutionStarted in the inbox", async () => {
    const { hub } = env;
    const before = systemClock.now();
    const request = newInstance("inst-1", { input: '{"a":1}', version: "1.2.0" });
    await hub.createInstance(request);
    const after = systemClock.now();
    const record = await hub.getInstance("inst-1");
    assert.ok(record);
    assert.equal(record.instanceId, "inst-1");
    assert.equal(record.name, "TestOrchestrator");
    assert.equal(record.executionId, "inst-1-exec-1");
    assert.equal(record.status, "Pending");
    assert.equal(record.input, '{"a":1}');
    assert.equal(record.version, "1.2.0");
    assert.equal(record.historyLength, 0);
    assert.equal(record.output, undefined);
    assert.equal(record.failure, undefined);
    assert.equal(record.parentInstanceId, undefined);
    assert.equal(record.scheduledStartAt, undefined);
    assert.ok(record.createdAt >= before && record.createdAt <= after, "createdAt is the creation time");
    assert.ok(record.lastUpdatedAt >= record.createdAt);
    assert.deepEqual(await hub.getHistory("inst-1"), []);

    const item = await lockInstance(hub, "inst-1");
    assert.equal(item.messages.length, 1);
    assert.deepEqual(item.messages[0]?.event, request.event);
    assert.equal(item.messages[0]?.instanceId, "inst-1");
    assert.deepEqual(item.corruptMessages, []);
    assert.equal(item.instance.status, "Pending");
  });

  it("a step's instance version replaces the stored one; a step without one leaves it", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("inst-v", { version: "1.0" }));
    const first = await lockInstance(hub, "inst-v");
    assert.deepEqual(await hub.completeOrchestrationWorkItems([completionOf(first)]), [undefined]);
    assert.equal((await hub.getInstance("inst-v"))?.version, "1.0", "no version in the step: unchanged");
    await hub.appendInboxMessage({ instanceId: "inst-v", event: raised("next") });
    const second = await lockInstance(hub, "inst-v");
    assert.equal(second.instance.version, "1.0");
    const upgraded = completionOf(second, { instance: { version: "2.0" } }); // a new execution's version
    assert.deepEqual(await hub.completeOrchestrationWorkItems([upgraded]), [undefined]);
    assert.equal((await hub.getInstance("inst-v"))?.version, "2.0");
  });

  it("returns undefined and an empty history for unknown instances", async () => {
    assert.equal(await env.hub.getInstance("nobody"), undefined);
    assert.deepEqual(await env.hub.getHistory("nobody"), []);
  });

  it("records the parent of a sub-orchestration", async () => {
    const parent = { instanceId: "parent", executionId: "p-exec", name: "Parent", taskScheduledId: 3 };
    await env.hub.createInstance(newInstance("child", { parent }));
    assert.equal((await env.hub.getInstance("child"))?.parentInstanceId, "parent");
  });

  it("refuses to create an instance whose ID is Pending, Running, Suspended or ContinuedAsNew", async () => {
    const { hub } = env;
    await hub.createInstance(newInstance("pending"));
    await rejectsWith(
      hub.createInstance(newInstance("pending", { executionId: "other" })),
      "InstanceAlreadyExistsError",
    );
    for (const status of ["Running", "Suspended", "ContinuedAsNew"] as RuntimeStatus[]) {
      const id = `active-${status}`;
      const executionId = await createWithStatus(hub, id, status);
      await rejectsWith(
        hub.createInstance(newInstance(id, { executionId: "other" })),
        "InstanceAlreadyExistsError",
      );
      const record = await hub.getInstance(id);
      assert.equal(record?.status, status);
      assert.equal(record?.executionId, executionId, "the existing instance is untouched");
    }
    assert.equal((await hub.getInstance("pending"))?.executionId, "pending-exec-1");
  });

  it("replaces a Completed, Failed or Terminated instance, deleting its history, inbox and activities", async () => {
    const { hub } = env;
    for (const status of ["Completed", "Failed", "Terminated"] as RuntimeStatus[]) {
      const id = `done-${status}`;
      const request = newInstance(id);
      await hub.createInstance(request);
      const item = await lockInstance(hub, id);
      const outcomes = await hub.completeOrchestrationWorkItems([
        completionOf(item, {
          status,
          newHistory: [request.event, { type: "OrchestratorCompleted", timestamp: stamp() }],
          instance: { output: '"old"', customStatus: '"cs"', completedAt: systemClock.now() },
          activities: [
            {
              instanceId: id,
              executionId: request.event.executionId,
              taskId: 0,
              name: "A",
              attempt: 1,
              idempotencyKey: "k",
            },
          ],
        }),
      ]);
      assert.deepEqual(outcomes, [undefined]);
      await hub.appendInboxMessage({
        instanceId: id,
        event: raised("late"),
        visibleAt: systemClock.now() + 60_000,
      });

      const again = newInstance(id, { executionId: `${id}-exec-2`, input: '"new"' });
      await hub.createInstance(again);
      const record = await hub.getInstance(id);
      assert.equal(record?.status, "Pending");
      assert.equal(record?.executionId, `${id}-exec-2`);
      assert.equal(record?.input, '"new"');
      assert.equal(record?.output, undefined);
      assert.equal(record?.customStatus, undefined);
      assert.equal(record?.failure, undefined);
      assert.equal(record?.completedAt, undefined);
      assert.equal(record?.historyLength, 0);
      assert.deepEqual(await hub.getHistory(id), []);
      const relocked = await lockInstance(hub, id);
      assert.deepEqual(
        relocked.messages.map((m) => m.event),
        [again.event],
      );
    }
    const stats = await hub.getStats();
    assert.equal(stats.activityQueueDepth, 0, "queued activities of replaced instances are deleted");
    assert.equal(stats.inboxDepth, 3, "only the new ExecutionStarted messages remain");
  });

  it("holds a scheduled start until its visible time", async () => {
    const { hub } = env;
    const visibleAt = systemClock.now() + env.ms(300);
    await hub.createInstance(newInstance("later", { visibleAt }));
    assert.equal((await hub.getInstance("later"))?.scheduledStartAt, visibleAt);
    assert.equal((await lockAll(hub)).size, 0, "not lockable before its start time");
    const item = await eventually(async () => (await lockAll(hub)).get("later"), "the scheduled start");
    assert.ok(systemClock.now() >= visibleAt, "locked only once due");
    assert.equal(item.messages[0]?.event.type, "ExecutionStarted");
    assert.equal(item.messages[0]?.visibleAt, visibleAt);
  });

  it("appends inbox messages to existing instances and rejects unknown ones", async () => {
    const { hub } = env;
    await rejectsWith(
      hub.appendInboxMessage({ instanceId: "ghost", event: raised("x") }),
      "InstanceNotFoundError",
    );
    await hub.createInstance(newInstance("host"));
    await hub.appendInboxMessage({ instanceId: "host", event: raised("approve", '"yes"') });
    const item = await lockInstance(hub, "host");
    assert.deepEqual(
      item.messages.map((m) => m.event.type),
      ["ExecutionStarted", "EventRaised"],
    );
    assert.equal(item.messages[1]?.event.type === "EventRaised" && item.messages[1].event.input, '"yes"');
    assert.ok(item.messages[0]!.id < item.messages[1]!.id, "message IDs increase in arrival order");
    assert.equal(await hub.getInstance("ghost"), undefined, "appending does not create an instance");
  });

  it("init and close are idempotent", async () => {
    await env.hub.init();
    await env.hub.createInstance(newInstance("still-there"));
    await env.hub.init();
    assert.equal((await env.hub.getInstance("still-there"))?.status, "Pending");
    const other = await env.makeHub();
    await other.init();
    await other.close();
    await other.close();
    await env.options.disposeHub?.(other);
  });
}
