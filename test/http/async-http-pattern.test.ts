/**
 * HTTP triggers and the async HTTP pattern over real HTTP: a starter returns 202, the client polls until 200.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KeyStore } from "../../src/http/auth/key-store.js";
import { KEYS_ON, makeTestApp, MGMT, pollUntilDone, startTestHost, type TestHost } from "./http-test-host.js";

describe("async HTTP pattern", () => {
  let host: TestHost;
  before(async () => {
    host = await startTestHost(makeTestApp().app);
  });
  after(() => host.close());

  it("walks 202 → poll (202 while running) → 200 with the output", async () => {
    const started = await host.fetch("/api/orchestrators/Slow", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "400",
    });
    assert.equal(started.status, 202);
    assert.equal(started.headers.get("retry-after"), "10");
    const payload = (await started.json()) as { id: string; statusQueryGetUri: string };
    assert.equal(started.headers.get("location"), payload.statusQueryGetUri);
    const first = await fetch(payload.statusQueryGetUri);
    assert.equal(first.status, 202);
    assert.equal(first.headers.get("retry-after"), "5");
    assert.equal(first.headers.get("location"), payload.statusQueryGetUri);
    await first.body?.cancel();
    const done = (await pollUntilDone(payload.statusQueryGetUri)) as {
      runtimeStatus: string;
      output: unknown;
    };
    assert.equal(done.runtimeStatus, "Completed");
    assert.equal(done.output, "slow done");
  });

  it("waitForCompletionOrCreateCheckStatusResponse: 200 with the output in time, else 202", async () => {
    const quick = await host.fetch("/api/wait/Hello/5000", { method: "POST" });
    assert.equal(quick.status, 200);
    assert.deepEqual(await quick.json(), ["Hello Tokyo!", "Hello Seattle!"]);
    const slow = await host.fetch("/api/wait/WaitForApproval/300", { method: "POST" });
    assert.equal(slow.status, 202);
    const { id } = (await slow.json()) as { id: string };
    await host.client.terminate(id);
  });

  it("createHttpManagementPayload adds rewindPostUri and encodes the ID as .NET's WebUtility.UrlEncode", async () => {
    const response = await host.fetch("/api/payload/a%20b%3Ac%C3%A9");
    const payload = (await response.json()) as Record<string, string>;
    assert.equal(payload.id, "a b:cé");
    const base = `${host.url}${MGMT}/instances/a+b%3Ac%C3%A9`;
    assert.equal(
      payload.rewindPostUri,
      `${base}/rewind?reason={text}&taskHub=${host.hubName}&connection=Storage`,
    );
    assert.equal(payload.purgeHistoryDeleteUri, `${base}?taskHub=${host.hubName}&connection=Storage`);
    assert.equal(payload.restartPostUri, `${base}/restart?taskHub=${host.hubName}&connection=Storage`);
    assert.equal(
      payload.suspendPostUri,
      `${base}/suspend?reason={text}&taskHub=${host.hubName}&connection=Storage`,
    );
    assert.equal(
      payload.resumePostUri,
      `${base}/resume?reason={text}&taskHub=${host.hubName}&connection=Storage`,
    );
    const started = await host.fetch(`${MGMT}/orchestrators/Hello/a+b%3Ac%C3%A9`, { method: "POST" });
    assert.equal(((await started.json()) as { id: string }).id, "a b:cé");
    const status = (await pollUntilDone(`${base}?taskHub=${host.hubName}&connection=Storage`)) as {
      instanceId: string;
    };
    assert.equal(status.instanceId, "a b:cé");
  });

  it("routes triggers by template: params, catch-all, constraints, 404, 405 with Allow, JSON and 204 results", async () => {
    const echo = await host.fetch("/api/echo/one/two%20three", { method: "PUT" });
    assert.equal(echo.status, 200);
    assert.deepEqual(await echo.json(), { method: "PUT", params: { rest: "one/two three" }, subject: null });
    const wrongMethod = await host.fetch("/api/echo/x", { method: "POST" });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "GET, PUT");
    const notInt = await host.fetch("/api/wait/Hello/soon", { method: "POST" });
    assert.equal(notInt.status, 404);
    assert.equal((await host.fetch("/api/nothing", { method: "DELETE" })).status, 204);
    assert.equal((await host.fetch("/no/such/route")).status, 404);
  });

  it("a handler that throws gives a 500 JSON error without internals; the host logs the details", async () => {
    const response = await host.fetch("/api/throws");
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.deepEqual(JSON.parse(text), {
      error: "internal_error",
      message: "Function 'Throws' failed; see the host log.",
    });
    assert.doesNotMatch(text, /secret internals/);
    assert.ok(host.log.lines.some((l) => l.includes("secret internals")));
    assert.ok(host.log.lines.some((l) => /^info GET \/api\/throws 500 \d+ms$/.test(l)));
  });
});

describe("async HTTP pattern with keys on", () => {
  it("puts the instance's own code in the management URLs as code= (never the system key), and they work", async () => {
    const host = await startTestHost(makeTestApp().app, {
      flags: KEYS_ON,
      env: { TASKHUB_SYSTEM_KEY: "sys-key_123" },
    });
    try {
      const { key } = new KeyStore(`${host.dir}/keys.json`).create("starter", "function");
      const started = await host.fetch(`/api/orchestrators/Hello?code=${key}`, { method: "POST" });
      assert.equal(started.status, 202);
      const text = await started.text();
      const payload = JSON.parse(text) as { id: string; statusQueryGetUri: string; sendEventPostUri: string };
      const code = new URL(payload.statusQueryGetUri).searchParams.get("code") ?? "";
      assert.match(code, /^inst\.[A-Za-z0-9_-]{43}$/);
      assert.equal(
        payload.statusQueryGetUri,
        `${host.url}${MGMT}/instances/${payload.id}?taskHub=${host.hubName}&connection=Storage&code=${code}`,
      );
      assert.ok(payload.sendEventPostUri.endsWith(`&code=${code}`));
      assert.ok(!text.includes("sys-key_123") && !text.includes(key), "no key in the payload");
      const done = (await pollUntilDone(payload.statusQueryGetUri)) as { runtimeStatus: string };
      assert.equal(done.runtimeStatus, "Completed");
      assert.ok(host.log.lines.every((l) => !l.includes(code) && !l.includes(key)));
      assert.ok(host.log.lines.some((l) => l.includes("code=***")));
    } finally {
      await host.close();
    }
  });
});
