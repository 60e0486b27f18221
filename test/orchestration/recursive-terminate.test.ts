/**
 * Fixture tests of recursive termination: a terminated execution sends `ExecutionTerminated` on to the
 * sub-orchestrations still running (never to finished ones), unless the termination says `recursive: false`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrchestrationContext } from "../../src/api/orchestration-context.js";
import { Driver, T0 } from "./fixtures.js";

const handlers = {
  Parent: async (ctx: OrchestrationContext) => {
    const done = ctx.callSubOrchestrator("Child", 1, { instanceId: "done-child" });
    const running = ctx.callSubOrchestrator("Child", 2, { instanceId: "running-child" });
    await done;
    const later = ctx.callSubOrchestrator("Child", 3); // a generated ID
    return Promise.all([running, later]);
  },
};

async function started(): Promise<Driver> {
  const driver = new Driver(handlers, "Parent", { instanceId: "parent" });
  await driver.start();
  await driver.step(T0 + 1000, (h) => h.subOrchestrationCompleted(0, "one"));
  return driver;
}

describe("recursive terminate", () => {
  it("terminates the running children, not the finished one, with the reason", async () => {
    const driver = await started();
    const result = await driver.step(T0 + 2000, (h) => h.terminated("stop"));
    assert.deepEqual(result.outcome, {
      status: "Terminated",
      reason: "stop",
      children: ["running-child", "parent:0002"],
    });
    const sent = driver.changes!.messages.filter((m) => m.event.type === "ExecutionTerminated");
    assert.deepEqual(
      sent.map((m) => [m.instanceId, m.event]),
      ["running-child", "parent:0002"].map((id) => [
        id,
        {
          type: "ExecutionTerminated",
          timestamp: new Date(T0 + 2000).toISOString(),
          reason: "stop",
          recursive: true,
        },
      ]),
    );
  });

  it("leaves the children running with recursive: false", async () => {
    const driver = await started();
    const result = await driver.step(T0 + 2000, (h) =>
      h.add({ type: "ExecutionTerminated", reason: "only me", recursive: false }),
    );
    assert.deepEqual(result.outcome, { status: "Terminated", reason: "only me" });
    assert.deepEqual(
      driver.changes!.messages.filter((m) => m.event.type === "ExecutionTerminated"),
      [],
    );
  });

  it("a child created in the same episode as the termination is terminated too", async () => {
    const driver = new Driver(handlers, "Parent", { instanceId: "parent" });
    await driver.start();
    const result = await driver.step(T0 + 1000, (h) => h.subOrchestrationCompleted(0, "one").terminated());
    assert.deepEqual(result.outcome, {
      status: "Terminated",
      reason: undefined,
      children: ["running-child", "parent:0002"],
    });
  });
});
