/**
 * Durable Functions v3 apps on Taskhub (`taskhub/durable-functions`): the samples of examples/df-v3 and the rest of
 * `context.df` run on a real SQLite hub, with the session cache on and off; what is not supported throws, naming it.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sqliteTaskHub } from "taskhub";
import * as df from "taskhub/durable-functions";
import { loadApp } from "../../src/host/load-app.js";
import { approvalRequests } from "../../examples/df-v3/human-interaction.js";
import "../../examples/df-v3/index.js";
import { MemoryLog, eventually } from "../support/test-host.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-dfv3-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let hubs = 0;

df.app.activity("Fails", {
  handler: (message: string) => {
    throw new Error(message);
  },
});
df.app.activity("Echo", { handler: (input: unknown) => input });

// eslint-disable-next-line require-yield -- a DF orchestrator that schedules nothing
df.app.orchestration("Child", function* (context) {
  const n = context.df.getInput<number>();
  return { n, parent: context.df.parentInstanceId, self: context.df.instanceId };
});

df.app.orchestration("Features", function* (context) {
  const seen: Record<string, unknown> = {};
  seen.instanceId = context.df.instanceId;
  seen.input = context.df.getInput();
  seen.time = context.df.currentUtcDateTime instanceof Date;
  seen.guid = context.df.newGuid(context.df.instanceId);
  try {
    yield context.df.callActivity("Fails", "first failure");
  } catch (error) {
    seen.caught = (error as Error).message;
  }
  try {
    yield context.df.Task.all([
      context.df.callActivity("Echo", 1),
      context.df.callActivity("Fails", "in all"),
    ]);
  } catch (error) {
    seen.allFailed = (error as Error).message;
  }
  const retried = context.df.callActivityWithRetry("Fails", new df.RetryOptions(10, 2), "always");
  try {
    yield retried;
  } catch {
    seen.retriedFaulted = retried.isFaulted && retried.isCompleted;
  }
  seen.child = yield context.df.callSubOrchestrator("Child", 7, `${context.df.instanceId}-child`);
  seen.childWithRetry = yield context.df.callSubOrchestratorWithRetry("Child", new df.RetryOptions(10, 2), 8);
  const [a, b]: number[] = yield context.df.Task.all([
    context.df.callActivity("Echo", 1),
    context.df.callActivity("Echo", 2),
  ]);
  seen.all = a! + b!;
  context.df.setCustomStatus({ step: "waiting" });
  const go = context.df.waitForExternalEvent("Go");
  seen.go = yield go;
  seen.goTaskResult = go.result;
  return seen;
});

df.app.orchestration("Eternal", function* (context) {
  const n = context.df.getInput<number>();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 10));
  if (n < 3) {
    context.df.continueAsNew(n + 1);
    return undefined;
  }
  return n;
});

df.app.orchestration("UsesCallHttp", function* (context) {
  const url = context.df.getInput<string>();
  const response: { statusCode: number; content: string } = yield context.df.callHttp({ method: "GET", url });
  return { statusCode: response.statusCode, content: response.content };
});

df.app.orchestration("UsesTokenSource", function* (context) {
  yield context.df.callHttp({ method: "GET", url: "http://127.0.0.1:1/", tokenSource: { resource: "x" } });
});

df.app.orchestration("YieldsPromise", function* () {
  yield Promise.resolve(1);
});

for (const cache of [true, false]) {
  describe(`DF v3 samples on SQLite (session cache ${cache ? "on" : "off"})`, () => {
    it("run: chaining, fan-out/fan-in, approval (event and timeout), counter entity, the rest of context.df", async () => {
      const host = await df.app.start({
        taskHub: sqliteTaskHub(join(dir, `hub-${++hubs}.db`)),
        logger: new MemoryLog(),
        ...(cache ? {} : { maxCachedOrchestrations: 0 }),
      });
      const client = df.getClient(host);
      const wait = (id: string) => client.taskhub.waitForCompletion(id, { timeoutMs: 30_000 });
      try {
        // Function chaining.
        const hello = await wait(await client.startNew("HelloSequence"));
        assert.deepEqual(hello.output, ["Hello, Tokyo!", "Hello, Seattle!", "Hello, Cairo!"]);

        // Fan-out/fan-in over real files.
        const site = join(dir, `site-${hubs}`);
        const backup = join(dir, `backup-${hubs}`);
        mkdirSync(site);
        for (let i = 0; i < 12; i++) writeFileSync(join(site, `page-${i}.html`), "x".repeat(100 + i));
        const fan = await wait(
          await client.startNew("BackupSiteContent", { input: { source: site, target: backup } }),
        );
        assert.equal(fan.runtimeStatus, "Completed");
        assert.deepEqual(fan.output, { files: 12, totalBytes: 12 * 100 + 66 });
        assert.equal(readFileSync(join(backup, "page-11.html"), "utf8"), "x".repeat(111));
        const bad = await wait(await client.startNew("BackupSiteContent", { input: {} }));
        assert.equal(bad.runtimeStatus, "Failed");
        assert.match(bad.failureDetails?.message ?? "", /source and a target/);

        // Human interaction: approved before the deadline.
        const document = `contract-${hubs}.pdf`;
        const approvalId = await client.startNew("ApprovalWorkflow", {
          input: { document, timeoutMs: 3_600_000 },
        });
        await eventually(async () => {
          const s = await client.getStatus(approvalId);
          return (s.customStatus as { waitingFor?: string } | undefined)?.waitingFor === "approval";
        }, 20_000);
        assert.equal(approvalRequests.get(document), 2, "the first request failed and was retried");
        await client.raiseEvent(approvalId, "ApprovalEvent", { approved: true, by: "Ada" });
        assert.equal((await wait(approvalId)).output, "approved by Ada");
        const approved = await client.getStatus(approvalId, { showHistory: true });
        assert.equal(approved.runtimeStatus, "Completed");
        assert.deepEqual(approved.customStatus, { done: "approved by Ada" });
        assert.ok(approved.history && approved.history.length > 0);

        // Human interaction: nobody answers, the durable timer wins.
        const late = await wait(
          await client.startNew("ApprovalWorkflow", { input: { document: `memo-${hubs}`, timeoutMs: 200 } }),
        );
        assert.equal(late.output, `escalated memo-${hubs} to the manager`);

        // Counter entity: signals from the client, a call from an orchestration, delete.
        const counter = new df.EntityId("Counter", `c-${hubs}`);
        for (let i = 0; i < 3; i++) await client.signalEntity(counter, "add", 5);
        await eventually(async () => (await client.readEntityState<number>(counter)).entityState === 15);
        assert.equal(
          (await wait(await client.startNew("CounterOrchestration", { input: `c-${hubs}` }))).output,
          16,
        );
        await client.signalEntity(counter, "delete");
        await eventually(async () => !(await client.readEntityState(counter)).entityExists);

        // The rest of context.df.
        const featuresId = await client.startNew("Features", {
          instanceId: `features-${hubs}`,
          input: { k: 1 },
        });
        await eventually(async () => {
          const s = await client.getStatus(featuresId);
          return (s.customStatus as { step?: string } | undefined)?.step === "waiting";
        }, 20_000);
        await client.raiseEvent(featuresId, "Go", "now");
        const features = await wait(featuresId);
        assert.equal(features.runtimeStatus, "Completed", JSON.stringify(features.failureDetails));
        const seen = features.output as Record<string, unknown>;
        assert.equal(seen.instanceId, featuresId);
        assert.deepEqual(seen.input, { k: 1 });
        assert.equal(seen.time, true);
        assert.match(String(seen.guid), /^[0-9a-f-]{36}$/);
        assert.match(String(seen.caught), /first failure/);
        assert.match(String(seen.allFailed), /in all/);
        assert.equal(seen.retriedFaulted, true);
        assert.deepEqual(seen.child, { n: 7, parent: featuresId, self: `${featuresId}-child` });
        assert.equal((seen.childWithRetry as { n: number }).n, 8);
        assert.equal(seen.all, 3);
        assert.equal(seen.go, "now");
        assert.equal(seen.goTaskResult, "now");

        const eternal = await wait(await client.startNew("Eternal", { input: 0 }));
        assert.equal(eternal.output, 3);

        // Durable HTTP, against a local server.
        const server = createServer((_req, res) =>
          res.writeHead(200, { "content-type": "text/plain" }).end("pong"),
        );
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const called = await wait(
            await client.startNew("UsesCallHttp", { input: `http://127.0.0.1:${port}/ping` }),
          );
          assert.deepEqual(
            called.output,
            { statusCode: 200, content: "pong" },
            JSON.stringify(called.failureDetails),
          );
        } finally {
          server.close();
        }

        // Unsupported APIs fail loudly at their first call.
        const http = await wait(await client.startNew("UsesTokenSource"));
        assert.equal(http.runtimeStatus, "Failed");
        assert.match(
          http.failureDetails?.message ?? "",
          /context\.df\.callHttp with a tokenSource is not supported/,
        );
        const promise = await wait(await client.startNew("YieldsPromise"));
        assert.equal(promise.runtimeStatus, "Failed");
        assert.match(promise.failureDetails?.message ?? "", /not a task of context\.df/);
        const failedStatus = await client.getStatus(http.instanceId);
        assert.match(
          String(failedStatus.output),
          /callHttp/,
          "a failed instance's output is its error, as in DF",
        );

        const listed = await client.getStatusBy({ runtimeStatus: ["Failed"] });
        assert.ok(listed.some((s) => s.instanceId === http.instanceId));
        await assert.rejects(client.getStatus("no-such-instance"), /No orchestration instance/);
      } finally {
        await host.stop();
      }
    });
  });
}

describe("DF v3: what is not supported fails at registration", () => {
  it("throws NotSupportedError / InvalidArgumentError naming the API", () => {
    assert.throws(
      () =>
        df.app.orchestration("AsyncOrchestrator", async function () {
          return 1;
        } as never),
      (e: unknown) =>
        e instanceof df.NotSupportedError && /async function as a df\.app\.orchestration/.test(e.message),
    );
    assert.throws(
      () => df.app.activity("WithBinding", { handler: () => 1, extraInputs: [{ type: "blob" }] }),
      (e: unknown) => e instanceof df.NotSupportedError && /extraInputs/.test(e.message),
    );
    assert.throws(() => df.app.activity("NoHandler", {} as never), /needs a handler function/);
    assert.throws(
      () => df.app.client.http(),
      (e: unknown) => e instanceof df.NotSupportedError,
    );
    assert.throws(() => df.getClient({} as never), /df\.getClient\(invocationContext\) is not supported/);
    assert.throws(() => new df.RetryOptions(0, 3), /firstRetryIntervalInMilliseconds/);
    assert.throws(() => df.app.activity("SayHello", { handler: () => 1 }), /already registered/);
  });
});

describe("DF v3: taskhub start runs a df.app module", () => {
  it("loadApp returns the process-wide app of a module that exports nothing", async () => {
    const app = await loadApp("examples/df-v3/index.ts");
    assert.equal(app, df.app.durableApp);
    assert.ok(app.registry.orchestrations.get("HelloSequence"));
    assert.ok(existsSync("examples/df-v3/index.ts"));
  });
});
