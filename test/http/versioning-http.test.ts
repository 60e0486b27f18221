/**
 * Versions and patches through a real host: `--default-version` is stamped on instances started over HTTP, the
 * status JSON carries `version`, and the history JSON shows `ExecutionStarted`'s `Version` and the patch marker;
 * `--worker-version` and the strategies reach the worker (a Strict worker leaves another version Pending).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { eventually } from "../support/test-host.js";
import { startTestHost } from "./http-test-host.js";

const BASE = "/runtime/webhooks/durabletask";

function patchedApp(): DurableApp {
  const app = new DurableApp();
  app.activity("Charge", async (total: number) => total);
  app.orchestration("Checkout", async (ctx, total: number) => {
    const charged = ctx.patched("discount-fix") ? total * 0.9 : total;
    return { charged: await ctx.callActivity("Charge", charged), version: ctx.version };
  });
  return app;
}

describe("versioning over HTTP", () => {
  it("stamps --default-version on starts and shows it, and the patch marker, in the JSON", async () => {
    const host = await startTestHost(patchedApp(), { flags: { "default-version": "1.5" } });
    try {
      const started = await host.fetch(`${BASE}/orchestrators/Checkout/order-1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "100",
      });
      assert.equal(started.status, 202);
      await host.client.waitForCompletion("order-1");
      const response = await host.fetch(`${BASE}/instances/order-1?showHistory=true&showHistoryOutput=true`);
      const status = (await response.json()) as {
        runtimeStatus: string;
        version?: string;
        output: unknown;
        historyEvents: Record<string, unknown>[];
      };
      assert.equal(status.runtimeStatus, "Completed");
      assert.equal(status.version, "1.5");
      assert.deepEqual(status.output, { charged: 90, version: "1.5" });
      assert.deepEqual(
        status.historyEvents.map((e) => e.EventType),
        ["ExecutionStarted", "PatchMarkerRecorded", "TaskCompleted", "ExecutionCompleted"],
      );
      assert.equal(status.historyEvents[0]!.Version, "1.5");
      assert.deepEqual(Object.keys(status.historyEvents[1]!), ["EventType", "PatchId", "Timestamp"]);
      assert.equal(status.historyEvents[1]!.PatchId, "discount-fix");
    } finally {
      await host.close();
    }
  });

  it("an instance without a version has no version field (Durable Functions' shape)", async () => {
    const host = await startTestHost(patchedApp());
    try {
      const id = await host.client.startNew("Checkout", { input: 10 });
      await host.client.waitForCompletion(id);
      const status = (await (await host.fetch(`${BASE}/instances/${id}`)).json()) as Record<string, unknown>;
      assert.equal("version" in status, false);
    } finally {
      await host.close();
    }
  });

  it("--worker-version with --version-match-strategy Strict leaves other versions Pending", async () => {
    const host = await startTestHost(patchedApp(), {
      flags: { "default-version": "2.0", "worker-version": "3.0", "version-match-strategy": "Strict" },
    });
    try {
      const mine = await host.client.startNew("Checkout", { input: 1, version: "3.0" });
      const other = await host.client.startNew("Checkout", { input: 1 }); // 2.0, the default
      assert.equal((await host.client.waitForCompletion(mine)).runtimeStatus, "Completed");
      await eventually(async () => host.log.lines.some((l) => l.includes(`left orchestration '${other}'`)));
      assert.equal((await host.client.getStatus(other))?.version, "2.0");
      assert.equal((await host.client.getStatus(other))?.runtimeStatus, "Pending");
    } finally {
      await host.close();
    }
  });
});
