/**
 * Remote work through the sidecar, in one process: a Taskhub app and the real durabletask-js SDK worker share a
 * SQLite file hub (an app orchestration calls an SDK activity, an SDK orchestration calls an app activity), work
 * waits for an SDK worker to connect, stale completion tokens are refused, and a stream that closes releases its
 * work at once.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials, status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import {
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";
import { DurableApp } from "../../src/app/durable-app.js";
import type { DurableHost } from "../../src/app/durable-app.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { SidecarRemoteWork } from "../../src/sidecar/remote-executor.js";
import { startSidecar, type RunningSidecar } from "../../src/sidecar/sidecar-server.js";
import { sidecarProtocol } from "../../src/sidecar/protocol.js";
import { clockFor } from "../../src/task-hub/clock.js";

const quiet = { info() {}, debug() {}, warn() {}, error() {} };

describe("remote work through the sidecar (SQLite file hub, durabletask-js worker)", () => {
  let dir: string;
  let durable: DurableHost;
  let sidecar: RunningSidecar;
  let remote: SidecarRemoteWork;
  const app = new DurableApp();
  const shout = app.activity("shout", async (text: string) => text.toUpperCase());
  app.orchestration("appCallsSdk", async (ctx, name: string) => {
    const greeting = await ctx.callActivity<string>("sdkGreet", name);
    return ctx.callActivity(shout, greeting);
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "taskhub-remote-"));
    const taskHub = sqliteTaskHub(join(dir, "hub.db"));
    remote = new SidecarRemoteWork(clockFor(taskHub));
    durable = await app.start({ taskHub, remote, logger: quiet });
    sidecar = await startSidecar({ remote, port: 0, logger: quiet });
  });
  after(async () => {
    await sidecar.stop();
    await durable.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const sdkGreet = async (_ctx: ActivityContext, name: string): Promise<string> => `hello, ${name}`;
  const sdkCallsApp = async function* (
    ctx: OrchestrationContext,
    text: string,
  ): AsyncGenerator<unknown, string> {
    const shouted = (yield ctx.callActivity("shout", text)) as string;
    return `${shouted}!`;
  };
  const newWorker = (): TaskHubGrpcWorker => {
    const worker = new TaskHubGrpcWorker({ hostAddress: `127.0.0.1:${sidecar.port}`, logger: quiet });
    worker.addActivity(sdkGreet);
    worker.addOrchestrator(sdkCallsApp);
    return worker;
  };
  const connected = async (count: number): Promise<void> => {
    while (remote.streams.size !== count) await new Promise((r) => setTimeout(r, 10));
  };

  it("runs work that waited for an SDK worker once one connects, in both directions", async () => {
    const client = durable.client;
    // Started before any SDK worker is connected: the app's orchestration waits at its SDK activity, the SDK's
    // orchestration waits to start.
    const fromApp = await client.startNew("appCallsSdk", { input: "ada" });
    const fromSdk = await client.startNew("sdkCallsApp", { input: "grace" });
    const waiting = await client.getStatus(fromSdk);
    assert.equal(waiting?.runtimeStatus, "Pending");
    const worker = newWorker();
    await worker.start();
    try {
      const [a, b] = await Promise.all([
        client.waitForCompletion(fromApp, { timeoutMs: 60_000 }),
        client.waitForCompletion(fromSdk, { timeoutMs: 60_000 }),
      ]);
      assert.equal(a.runtimeStatus, "Completed");
      assert.equal(a.output, "HELLO, ADA");
      assert.equal(b.runtimeStatus, "Completed");
      assert.equal(b.output, "GRACE!");
      // The SDK orchestration's history is the engine's: scheduled under the SDK's action IDs.
      const history = await durable.taskHub.getHistory(fromSdk);
      const scheduled = history.find((e) => e.type === "TaskScheduled");
      assert.equal(scheduled?.type === "TaskScheduled" && scheduled.eventId, 1);
      assert.equal(history.at(-2)?.type, "ExecutionCompleted");
    } finally {
      await worker.stop();
    }
  });

  it("refuses completions whose token is not pending (NOT_FOUND), whatever the RPC", async () => {
    const { Client } = sidecarProtocol();
    const raw = new Client(`127.0.0.1:${sidecar.port}`, credentials.createInsecure());
    try {
      const call = (method: string, request: object): Promise<ServiceError | undefined> =>
        new Promise((resolve) =>
          (raw as unknown as Record<string, (r: object, cb: (e: ServiceError | null) => void) => void>)[
            method
          ]!(request, (error) => resolve(error ?? undefined)),
        );
      const orchestration = await call("CompleteOrchestratorTask", {
        instanceId: "nobody",
        completionToken: "not-a-token",
        actions: [],
      });
      assert.equal(orchestration?.code, grpcStatus.NOT_FOUND);
      const activity = await call("CompleteActivityTask", {
        instanceId: "nobody",
        taskId: 1,
        completionToken: "",
        result: { value: "1" },
      });
      assert.equal(activity?.code, grpcStatus.NOT_FOUND);
      const abandoned = await call("AbandonTaskActivityWorkItem", { completionToken: "stale" });
      assert.equal(abandoned?.code, grpcStatus.NOT_FOUND);
      assert.equal(await call("Hello", {}), undefined);
    } finally {
      raw.close();
    }
  });

  it("releases the work of a stream that closes, at once, for the next SDK worker", async () => {
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    const stuckWorker = new TaskHubGrpcWorker({
      hostAddress: `127.0.0.1:${sidecar.port}`,
      logger: quiet,
      shutdownTimeoutMs: 200,
    });
    stuckWorker.addActivity(async function sdkGreet(): Promise<string> {
      entered();
      return new Promise<string>(() => undefined); // never settles: this worker is cut off mid-activity
    });
    await stuckWorker.start();
    await connected(1);
    const id = await durable.client.startNew("appCallsSdk", { input: "linus" });
    await started;
    // Dropping the stream (the SDK's stop cancels it) rejects the dispatch: the lease is released at once, so the
    // next worker gets it without waiting for the 30 s lease to expire.
    const stopping = stuckWorker.stop();
    await connected(0);
    const worker = newWorker();
    await worker.start();
    try {
      const status = await durable.client.waitForCompletion(id, { timeoutMs: 20_000 });
      assert.equal(status.runtimeStatus, "Completed");
      assert.equal(status.output, "HELLO, LINUS");
    } finally {
      await worker.stop();
      await Promise.race([stopping, new Promise((r) => setTimeout(r, 1000))]);
    }
  });
});
