/**
 * Conformance tests: creating an instance whose ID is in use (refused while active, one winner of concurrent creates).
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  assertOutcomes,
  completionOf,
  createWithStatus,
  lockInstance,
  newInstance,
  raised,
  rejectsWith,
  type ConformanceEnv,
} from "./task-hub-conformance-support.js";

/** Registers the tests of creating instances whose ID is in use. */
export function createTests(env: ConformanceEnv): void {
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
}
