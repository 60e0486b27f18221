/**
 * HeldInstances: which instances count as leased to the worker through a hold (holds), from the hold until it runs
 * out, is released at shutdown, or is taken and its continuation settled.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrchestrationWorkItem } from "../../src/task-hub/task-hub.js";
import { HeldInstances } from "../../src/worker/held-instances.js";
import { pendingInstance } from "../../src/task-hub/instance-records.js";

function item(instanceId: string): OrchestrationWorkItem {
  const event = {
    type: "ExecutionStarted" as const,
    timestamp: new Date().toISOString(),
    name: "o",
    instanceId,
    executionId: "e",
  };
  return {
    instanceId,
    lockToken: `lock-${instanceId}`,
    lockExpiresAt: Date.now() + 30_000,
    instance: pendingInstance({ event }, Date.now()),
    messages: [],
    corruptMessages: [],
    deliveryCount: 1,
  };
}

describe("held instances", () => {
  it("counts a taken instance as held until its continuation is settled", () => {
    const released: string[] = [];
    const held = new HeldInstances(10_000, (i) => released.push(i.instanceId));
    held.hold("activity-1", item("a"));
    assert.equal(held.holds("a"), true);
    assert.equal(held.holds("b"), false);
    const taken = held.take("activity-1");
    assert.equal(taken?.instanceId, "a");
    assert.equal(held.take("activity-1"), undefined, "taken once");
    assert.equal(held.holds("a"), true, "being continued");
    held.settled("a");
    assert.equal(held.holds("a"), false);
    assert.deepEqual(released, [], "a taken instance is the taker's to release");
  });

  it("releases an instance whose hold runs out, and at shutdown, and no longer counts it", async () => {
    const released: string[] = [];
    const held = new HeldInstances(30, (i) => released.push(i.instanceId));
    held.hold("activity-1", item("a"));
    held.hold("activity-2", item("b"));
    held.take("activity-2"); // continued: counted until settled, whatever the timers do
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(released, ["a"]);
    assert.equal(held.holds("a"), false);
    assert.equal(held.holds("b"), true);
    held.settled("b");
    held.hold("activity-3", item("c"));
    held.releaseAll();
    assert.deepEqual(released, ["a", "c"]);
    assert.equal(held.holds("c"), false);
  });

  it("counts an instance held again while its previous continuation is still settling", () => {
    const held = new HeldInstances(10_000, () => undefined);
    held.hold("activity-1", item("a"));
    held.take("activity-1");
    held.hold("activity-2", item("a")); // the continuation's commit kept the lease for the next activity
    held.settled("a");
    assert.equal(held.holds("a"), true, "still held for activity-2");
    held.releaseAll();
    assert.equal(held.holds("a"), false);
  });
});
