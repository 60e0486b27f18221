/**
 * The worker half of the protocol as a raw gRPC client sees it (no SDK): the keep-alive `healthPing`, an episode's
 * request (an `OrchestratorStarted` stamped now at the head of its new events, the execution ID), a completion token
 * that is spent once, and an abandoned activity redelivered under a new token. A SQLite file hub in this process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  credentials,
  status as grpcStatus,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { DurableApp, type DurableHost } from "../../src/app/durable-app.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import type { WorkItem } from "../../src/sidecar/messages.js";
import { sidecarProtocol } from "../../src/sidecar/protocol.js";
import { SidecarRemoteWork } from "../../src/sidecar/remote-executor.js";
import { startSidecar, type RunningSidecar } from "../../src/sidecar/sidecar-server.js";
import { clockFor } from "../../src/task-hub/clock.js";

const quiet = { info() {}, debug() {}, warn() {}, error() {} };

type Raw = Record<string, (request: object, callback?: (error: ServiceError | null) => void) => unknown>;

describe("the worker RPCs through a raw gRPC client", () => {
  let dir: string;
  let durable: DurableHost;
  let sidecar: RunningSidecar;
  let raw: Raw & { close(): void };
  let stream: ClientReadableStream<WorkItem>;
  const items: WorkItem[] = [];
  const app = new DurableApp();
  app.orchestration("callsRemote", async (ctx, n: number) => ctx.callActivity<number>("remoteDouble", n));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "taskhub-raw-worker-"));
    const taskHub = sqliteTaskHub(join(dir, "hub.db"));
    const remote = new SidecarRemoteWork(clockFor(taskHub), { healthPingMs: 100 });
    durable = await app.start({ taskHub, remote, logger: quiet });
    sidecar = await startSidecar({ remote, port: 0, logger: quiet });
    const { Client } = sidecarProtocol();
    raw = new Client(`127.0.0.1:${sidecar.port}`, credentials.createInsecure()) as unknown as Raw & {
      close(): void;
    };
    stream = raw.GetWorkItems!({}) as ClientReadableStream<WorkItem>;
    stream.on("data", (item: WorkItem) => items.push(item));
    stream.on("error", () => undefined); // cancelled at the end
  });
  after(async () => {
    stream.cancel();
    raw.close();
    await sidecar.stop();
    await durable.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const next = async (kind: "orchestratorRequest" | "activityRequest" | "healthPing"): Promise<WorkItem> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const index = items.findIndex((item) => item.request === kind);
      if (index >= 0) return items.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no ${kind} work item arrived`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const call = (method: string, request: object): Promise<ServiceError | undefined> =>
    new Promise((resolve) => raw[method]!(request, (error) => resolve(error ?? undefined)));

  it("keeps an idle stream alive with health pings", async () => {
    const ping = await next("healthPing");
    assert.deepEqual(ping.healthPing, {});
  });

  it("heads an episode with OrchestratorStarted stamped now, and spends a completion token once", async () => {
    const before = Date.now();
    const id = await durable.client.startNew("rawOrchestration", { input: { x: 1 } });
    const item = await next("orchestratorRequest");
    const request = item.orchestratorRequest!;
    assert.equal(request.instanceId, id);
    const [started, execution] = request.newEvents;
    assert.equal(started?.eventType, "orchestratorStarted");
    const stamped = started!.timestamp!.seconds * 1000 + started!.timestamp!.nanos / 1e6;
    assert.ok(stamped >= before - 1000 && stamped <= Date.now() + 1000, "stamped with the episode's time");
    assert.equal(execution?.eventType, "executionStarted");
    assert.equal(execution?.executionStarted?.name, "rawOrchestration");
    assert.equal(execution?.executionStarted?.input?.value, JSON.stringify({ x: 1 }));
    assert.equal(
      request.executionId?.value,
      execution?.executionStarted?.orchestrationInstance?.executionId?.value,
    );
    assert.deepEqual(request.pastEvents, []);
    const response = {
      instanceId: id,
      completionToken: item.completionToken,
      actions: [
        {
          id: 1,
          completeOrchestration: {
            orchestrationStatus: "ORCHESTRATION_STATUS_COMPLETED",
            result: { value: JSON.stringify("done") },
          },
        },
      ],
    };
    assert.equal(await call("CompleteOrchestratorTask", response), undefined);
    const status = await durable.client.waitForCompletion(id, { timeoutMs: 30_000 });
    assert.equal(status.runtimeStatus, "Completed");
    assert.equal(status.output, "done");
    // The same token again: spent.
    assert.equal((await call("CompleteOrchestratorTask", response))?.code, grpcStatus.NOT_FOUND);
  });

  it("redelivers an abandoned activity under a new token; the old one is refused", async () => {
    const id = await durable.client.startNew("callsRemote", { input: 21 });
    const first = await next("activityRequest");
    assert.equal(first.activityRequest?.name, "remoteDouble");
    assert.equal(first.activityRequest?.orchestrationInstance?.instanceId, id);
    assert.equal(first.activityRequest?.input?.value, "21");
    assert.equal(
      await call("AbandonTaskActivityWorkItem", { completionToken: first.completionToken }),
      undefined,
    );
    const again = await next("activityRequest");
    assert.equal(again.activityRequest?.taskId, first.activityRequest?.taskId);
    assert.notEqual(again.completionToken, first.completionToken);
    const result = (token: string) => ({
      instanceId: id,
      taskId: first.activityRequest!.taskId,
      completionToken: token,
      result: { value: "42" },
    });
    assert.equal(
      (await call("CompleteActivityTask", result(first.completionToken)))?.code,
      grpcStatus.NOT_FOUND,
    );
    assert.equal(await call("CompleteActivityTask", result(again.completionToken)), undefined);
    const status = await durable.client.waitForCompletion(id, { timeoutMs: 30_000 });
    assert.equal(status.runtimeStatus, "Completed");
    assert.equal(status.output, 42);
  });
});
