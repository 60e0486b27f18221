/**
 * Limits over real HTTP: a payload over `--max-payload-bytes` is 413 with a JSON reason (never a 500), from the
 * management API, entity routes and HTTP triggers alike; `--max-orchestration-actions` reaches the host's worker;
 * the three settings resolve from flags, environment and config file like every other.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DurableApp } from "../../src/index.js";
import { ConfigError, resolveConfig } from "../../src/host/config.js";
import { eventually } from "../support/test-host.js";
import { MGMT, startTestHost, type TestHost } from "./http-test-host.js";

const json = { "content-type": "application/json" };
const big = JSON.stringify("x".repeat(2000)); // 2,002 bytes: over the host's 1,000, within its 1 MiB body limit

function limitsApp(): DurableApp {
  const app = new DurableApp();
  app.orchestration("Waits", async (ctx) => ctx.waitForExternalEvent("go"));
  app.orchestration("Runaway", async (ctx) => {
    for (;;) await ctx.createTimer(ctx.currentUtcDateTime);
  });
  app.entity("Notes", {
    initialState: () => "",
    operations: { set: (_state: string, text: string) => text },
  });
  app.http("StartBig", { route: "big/{n:int}", methods: ["POST"] }, async (request, { client, params }) => {
    const id = await client.startNew("Waits", { input: "y".repeat(Number(params.n)) });
    return client.createCheckStatusResponse(request, id);
  });
  return app;
}

async function expect413(response: Response, message: RegExp): Promise<void> {
  assert.equal(response.status, 413);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const body = (await response.json()) as { error: string; message: string };
  assert.equal(body.error, "payload_too_large");
  assert.match(body.message, message);
  assert.match(body.message, /more than the payload limit of 1,000 bytes \(maxPayloadBytes\)/);
}

describe("limits over HTTP", () => {
  let host: TestHost;
  before(async () => {
    host = await startTestHost(limitsApp(), {
      flags: { "max-payload-bytes": "1000", "max-orchestration-actions": "25" },
    });
  });
  after(() => host.close());

  it("a start, an event or an entity signal over the payload limit is 413 with a JSON reason, and writes nothing", async () => {
    await expect413(
      await host.fetch(`${MGMT}/orchestrators/Waits/too-big`, { method: "POST", headers: json, body: big }),
      /^Input of orchestration 'Waits' is 2,002 bytes of JSON/,
    );
    assert.equal(await host.client.getStatus("too-big"), undefined);

    await host.client.startNew("Waits", { instanceId: "waits" });
    await expect413(
      await host.fetch(`${MGMT}/instances/waits/raiseEvent/go`, { method: "POST", headers: json, body: big }),
      /^Data of event 'go' is 2,002 bytes/,
    );
    await expect413(
      await host.fetch(`${MGMT}/entities/Notes/k?op=set`, { method: "POST", headers: json, body: big }),
      /^Input of entity operation 'set' is 2,002 bytes/,
    );
    assert.equal((await host.client.readEntityState("Notes", "k")).entityExists, false);

    const fits = await host.fetch(`${MGMT}/instances/waits/raiseEvent/go`, {
      method: "POST",
      headers: json,
      body: JSON.stringify("ok"),
    });
    assert.equal(fits.status, 202);
    assert.equal((await host.client.waitForCompletion("waits")).output, "ok");
  });

  it("an HTTP trigger whose start is over the limit answers 413, not 500", async () => {
    await expect413(await host.fetch("/api/big/5000", { method: "POST" }), /^Input of orchestration 'Waits'/);
    assert.equal((await host.fetch("/api/big/10", { method: "POST" })).status, 202);
  });

  it("a runaway orchestration started over HTTP fails at the host's --max-orchestration-actions", async () => {
    const started = await host.fetch(`${MGMT}/orchestrators/Runaway/runaway`, { method: "POST" });
    assert.equal(started.status, 202);
    const status = await eventually(async () => {
      const response = await host.fetch(`${MGMT}/instances/runaway`);
      const body = (await response.json()) as { runtimeStatus: string; output: string };
      return body.runtimeStatus === "Failed" ? body : undefined;
    });
    assert.match(
      status.output,
      /^Orchestrator function 'Runaway' failed: OrchestrationLimitError: .*limit of 25 actions.*continueAsNew/,
    );
    const failure = (await host.client.getStatus("runaway"))?.failureDetails;
    assert.equal(failure?.errorType, "OrchestrationLimitError");
    assert.match(failure?.message ?? "", /limit of 25 actions in one execution \(maxOrchestrationActions\)/);
    assert.equal(host.log.lines.filter((l) => /'Runaway' has 20 actions/.test(l)).length, 1);
  });
});

describe("limit settings", () => {
  it("come from flags or the environment (flags first), and are left to the worker's defaults when unset", () => {
    const unset = resolveConfig({ flags: {}, env: {}, cwd: "/" });
    assert.equal(unset.maxPayloadBytes, undefined);
    assert.equal(unset.maxOrchestrationActions, undefined);
    assert.equal(unset.maxHistoryEvents, undefined);
    const fromEnv = resolveConfig({
      flags: { "max-history-events": "700" },
      env: {
        TASKHUB_MAX_PAYLOAD_BYTES: "4096",
        TASKHUB_MAX_ORCHESTRATION_ACTIONS: "50",
        TASKHUB_MAX_HISTORY_EVENTS: "900",
      },
      cwd: "/",
    });
    assert.equal(fromEnv.maxPayloadBytes, 4096);
    assert.equal(fromEnv.maxOrchestrationActions, 50);
    assert.equal(fromEnv.maxHistoryEvents, 700, "the flag wins over the environment");
  });

  it("refuse values that are not positive integers, naming where they came from", () => {
    assert.throws(() => resolveConfig({ flags: { "max-payload-bytes": "0" }, env: {}, cwd: "/" }), {
      name: ConfigError.name,
      message: /--max-payload-bytes must be an integer from 1/,
    });
    assert.throws(
      () => resolveConfig({ flags: {}, env: { TASKHUB_MAX_ORCHESTRATION_ACTIONS: "lots" }, cwd: "/" }),
      { message: /TASKHUB_MAX_ORCHESTRATION_ACTIONS must be an integer/ },
    );
  });
});
