/**
 * One client per host: the client HTTP triggers get, the one the management API uses and `durable.client` are one
 * object, made with the host's worker, so that a start through an HTTP trigger or through the management API runs its
 * first step in that worker (committed with the instance's creation, or leased to it as created: eager start) before
 * the request is answered; none goes through the plain `createInstance` for some worker to claim. On a SQLite file hub.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DurableApp, type DurableClient } from "../../src/index.js";
import type { NewInstance } from "../../src/core/records.js";
import type { DispatchRequest, FastPathCompletion } from "../../src/task-hub/local-dispatch.js";
import { MGMT, startTestHost, type TestHost } from "./http-test-host.js";

/** How the hub was asked to create instances, by instance ID. */
interface Creations {
  /** Plain `createInstance` (a worker claims the start later). */
  readonly plain: string[];
  /** `createAndDispatch` with a dispatch request (eager start to the asking worker). */
  readonly eager: string[];
  /** A first step committed with `createsInstance` (run in the worker before the instance was stored). */
  readonly firstStep: string[];
}

/**
 * Records on `hub` (the host's hub object, which the worker and the client call) how instances are created. Calls are
 * wrapped on the object itself, so they are seen whoever makes them.
 */
function recordCreations(hub: object): Creations {
  const creations: Creations = { plain: [], eager: [], firstStep: [] };
  const target = hub as Record<string, unknown>;
  const wrap = (name: string, record: (args: unknown[]) => void): void => {
    const original = target[name];
    assert.equal(typeof original, "function", `the hub has ${name}`);
    target[name] = (...args: unknown[]): unknown => {
      record(args);
      return (original as (...a: unknown[]) => unknown).apply(hub, args);
    };
  };
  wrap("createInstance", ([request]) => creations.plain.push((request as NewInstance).event.instanceId));
  wrap("createAndDispatch", ([request, dispatch]) => {
    const id = (request as NewInstance).event.instanceId;
    if ((dispatch as DispatchRequest | undefined)?.maxOrchestrations) creations.eager.push(id);
    else creations.plain.push(id);
  });
  wrap("completeOrchestrationsAndDispatch", ([completions]) => {
    for (const completion of completions as FastPathCompletion[])
      if (completion.createsInstance) creations.firstStep.push(completion.workItem.instanceId);
  });
  return creations;
}

describe("one client per host", () => {
  let host: TestHost;
  let dir: string;
  let creations: Creations;
  const triggerClients: DurableClient[] = [];

  before(async () => {
    const app = new DurableApp();
    const greet = app.activity("Greet", (name: string) => `Hello ${name}!`);
    app.orchestration("Greeting", async (ctx, name: string) => ctx.callActivity(greet, name));
    app.http(
      "StartGreeting",
      { route: "greet/{id}", methods: ["POST"] },
      async (request, { client, params }) => {
        triggerClients.push(client);
        const id = await client.startNew("Greeting", { instanceId: params.id ?? "", input: "trigger" });
        return client.waitForCompletionOrCreateCheckStatusResponse(request, id, {
          timeoutInMilliseconds: 10_000,
          retryIntervalInMilliseconds: 100,
        });
      },
    );
    dir = mkdtempSync(join(tmpdir(), "taskhub-host-client-"));
    host = await startTestHost(app, { dir, flags: { hub: join(dir, "hub.db") } });
    creations = recordCreations(host.durable.taskHub);
  });
  after(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands the host's one client to HTTP triggers, the management API and durable.client", async () => {
    assert.equal(host.client, host.durable.client, "RunningHost.client is durable.client");
    const response = await host.fetch("/api/greet/same-client", { method: "POST" });
    assert.equal(response.status, 200);
    assert.equal(await response.json(), "Hello trigger!");
    assert.equal(triggerClients.length, 1);
    assert.equal(triggerClients[0], host.durable.client, "the trigger got durable.client");
  });

  it("starts through an HTTP trigger in the host's worker before answering", async () => {
    const response = await host.fetch("/api/greet/by-trigger", { method: "POST" });
    assert.equal(response.status, 200);
    assert.equal(await response.json(), "Hello trigger!");
    assert.ok(!creations.plain.includes("by-trigger"), "not created for some worker to claim");
    assert.ok(
      creations.firstStep.includes("by-trigger") || creations.eager.includes("by-trigger"),
      "its first step ran in the host's worker",
    );
  });

  it("starts through the management API in the host's worker before answering", async () => {
    const response = await host.fetch(
      `${MGMT}/orchestrators/Greeting/by-management?timeout=10&pollingInterval=1`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify("management"),
      },
    );
    assert.equal(response.status, 200);
    assert.equal(await response.json(), "Hello management!");
    assert.ok(!creations.plain.includes("by-management"), "not created for some worker to claim");
    assert.ok(
      creations.firstStep.includes("by-management") || creations.eager.includes("by-management"),
      "its first step ran in the host's worker",
    );
  });
});
