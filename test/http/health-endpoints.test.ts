/**
 * `GET /healthz` and `GET /readyz` of a real host: unauthenticated even with keys on, no details (only which check
 * fails), 405 for other methods, HEAD answered; no clash with an HTTP trigger routed `healthz` (triggers live under
 * `/api/`); `/readyz` is 503 once the worker stops polling.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { KEYS_ON, startTestHost } from "./http-test-host.js";
import { eventually } from "../support/test-host.js";

function app(): DurableApp {
  const app = new DurableApp();
  app.http("Healthz", { route: "healthz", methods: ["GET"] }, () => ({ mine: true }));
  app.http("Ready", { route: "readyz", methods: ["GET"] }, () => ({ mine: "too" }));
  return app;
}

describe("health endpoints", () => {
  it("serve liveness and readiness without keys and without details; triggers keep their /api/ routes", async () => {
    const host = await startTestHost(app(), { flags: KEYS_ON, env: { TASKHUB_SYSTEM_KEY: "k" } });
    try {
      const live = await host.fetch("/healthz");
      assert.equal(live.status, 200);
      assert.equal(live.headers.get("cache-control"), "no-store");
      assert.deepEqual(await live.json(), { status: "ok" });
      // Ready once both dispatch loops have had an answer from the hub.
      await eventually(async () => (await host.fetch("/readyz")).status === 200);
      const ready = await host.fetch("/readyz");
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: "ready", checks: { hub: "ok", worker: "ok" } });
      const head = await host.fetch("/readyz", { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), "");
      const post = await host.fetch("/healthz", { method: "POST" });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
      // The user's triggers of the same names are under /api/ (and need a key there only if they say so).
      assert.deepEqual(await (await host.fetch("/api/healthz")).json(), { mine: true });
      assert.deepEqual(await (await host.fetch("/api/readyz")).json(), { mine: "too" });
      // Exact, case-sensitive paths: anything else is a 404, as before.
      assert.equal((await host.fetch("/HEALTHZ")).status, 404);
      assert.equal((await host.fetch("/healthz/more")).status, 404);
      // Probes are logged at debug only.
      assert.ok(
        host.log.lines.some((l) => l.startsWith("debug GET /healthz 200")),
        host.log.lines.join("\n"),
      );
      assert.ok(!host.log.lines.some((l) => l.startsWith("info GET /healthz ")));
    } finally {
      await host.close();
    }
  });

  it("/readyz is 503 once the worker has stopped polling", async () => {
    const host = await startTestHost(app());
    try {
      await eventually(async () => (await host.fetch("/readyz")).status === 200);
      await host.durable.worker.stop();
      const body = await eventually(async () => {
        const response = await host.fetch("/readyz");
        return response.status === 503 ? ((await response.json()) as unknown) : undefined;
      });
      assert.deepEqual(body, { status: "not_ready", checks: { hub: "ok", worker: "failing" } });
      assert.equal((await host.fetch("/healthz")).status, 200, "the process still serves");
    } finally {
      await host.close();
    }
  });
});
