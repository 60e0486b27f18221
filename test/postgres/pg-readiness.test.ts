/**
 * `GET /readyz` through a PostgreSQL outage: a host on a throwaway cluster (started by the test with `initdb` /
 * `pg_ctl`) is ready, answers 503 while the cluster is stopped (the hub probe fails; `/healthz` stays 200, and no
 * error text leaks), and is ready again once the cluster is back and the worker polls again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { startTestHost } from "../http/http-test-host.js";
import { startThrowawayCluster, type ThrowawayCluster } from "../support/pg-cluster.js";
import { eventually } from "../support/test-host.js";

let cluster: ThrowawayCluster | undefined;
before(async () => {
  cluster = await startThrowawayCluster();
});
after(async () => {
  await cluster?.destroy();
});

describe("readiness through a database outage (throwaway cluster)", () => {
  it(
    "/readyz goes 503 when the hub is unreachable and 200 again after recovery",
    { timeout: 120_000 },
    async () => {
      const app = new DurableApp();
      const hello = app.activity("SayHello", (name: string) => `Hello ${name}!`);
      app.orchestration("Hello", (ctx) => ctx.callActivity(hello, "again"));
      const host = await startTestHost(app, { flags: { hub: cluster!.url, "hub-name": "readiness" } });
      const readyz = async () => {
        const response = await host.fetch("/readyz");
        return { status: response.status, body: (await response.json()) as unknown };
      };
      try {
        // Ready once both dispatch loops have had an answer from the hub.
        await eventually(async () => (await readyz()).status === 200, 30_000);
        assert.deepEqual(await readyz(), {
          status: 200,
          body: { status: "ready", checks: { hub: "ok", worker: "ok" } },
        });
        await cluster!.stop();
        const down = await eventually(async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        }, 30_000);
        assert.deepEqual(down.body, {
          status: "not_ready",
          checks: { hub: "failing", worker: (down.body as { checks: { worker: string } }).checks.worker },
        });
        assert.equal((await host.fetch("/healthz")).status, 200);
        await cluster!.start();
        await eventually(async () => (await readyz()).status === 200, 60_000);
        assert.deepEqual(await readyz(), {
          status: 200,
          body: { status: "ready", checks: { hub: "ok", worker: "ok" } },
        });
        const id = await host.client.startNew("Hello");
        assert.equal((await host.client.waitForCompletion(id, { timeoutMs: 30_000 })).output, "Hello again!");
      } finally {
        await host.close();
      }
    },
  );
});
