/**
 * Orchestration queries and purges leave entities alone: entities are listed with `listEntities` and delete
 * themselves when empty.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp, sqliteTaskHub } from "../../src/index.js";
import { eventually, startHost } from "../support/test-host.js";

describe("orchestration queries and entities", () => {
  it("listInstances and purgeInstanceHistoryBy skip entity instances", async () => {
    const app = new DurableApp();
    const counter = app.entity("Counter", {
      initialState: () => 0,
      operations: { add: (state: number, n: number) => state + n },
    });
    const echo = app.orchestration("EchoForList", async (_ctx, n: number) => n);
    const host = await startHost(app, async () => sqliteTaskHub(":memory:"));
    try {
      const from = new Date(Date.now() - 1000);
      await host.client.signalEntity(counter, "c1", "add", 2);
      await eventually(async () => (await host.client.readEntityState(counter, "c1")).entityExists);
      const id = await host.client.startNew(echo, { input: 1 });
      await host.client.waitForCompletion(id);
      const page = await host.client.listInstances();
      assert.deepEqual(
        page.instances.map((s) => s.instanceId),
        [id],
      );
      const entityPage = await host.client.listInstances({ instanceIdPrefix: "@counter@" });
      assert.deepEqual(
        entityPage.instances.map((s) => s.instanceId),
        ["@counter@c1"],
        "an explicit entity prefix still finds them",
      );
      assert.deepEqual(await host.client.purgeInstanceHistoryBy({ createdTimeFrom: from }), {
        instancesDeleted: 1,
      });
      assert.equal(
        (await host.client.readEntityState(counter, "c1")).entityState,
        2,
        "the entity is untouched",
      );
    } finally {
      await host.stop();
    }
  });
});
