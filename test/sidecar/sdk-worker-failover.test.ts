/**
 * SDK workers in their own processes (`test/support/sdk-worker-process.ts`, the real `TaskHubGrpcWorker`) against
 * `taskhub sidecar` child processes:
 * - a worker's stream cut mid-activity: the worker process is SIGKILLed while its activity runs; the sidecar releases
 *   the activity at once and a second worker gets it, and the orchestration completes once (SQLite and PostgreSQL);
 * - the sidecar process SIGKILLed mid-activity: a new one on the same hub and port, the SDK worker reconnects and
 *   gets the activity again once the dead host's lease ends (SQLite and PostgreSQL);
 * - two worker processes on two sidecar processes sharing one PostgreSQL hub: both run part of the work, every
 *   instance completes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import {
  OrchestrationStatus,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";
import { dropCreatedSchemas, requirePostgres, uniqueHubName } from "../task-hub/postgres-support.js";
import {
  completion,
  historyOf,
  httpStatus,
  parsed,
  postgresBackend,
  removeBackendDirs,
  sdkClient,
  sqliteBackend,
  startSdkWorker,
  startSdkWorkerProcess,
  startSidecarProcess,
  stopAllSidecars,
  waitFor,
  type SdkWorkerProcess,
  type SidecarBackend,
  type SidecarProcess,
} from "../support/sidecar-process.js";

const workers: SdkWorkerProcess[] = [];
after(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill()));
  await stopAllSidecars();
  removeBackendDirs();
  await dropCreatedSchemas();
});

const TEST = { timeout: 180_000 };

/** The hub worker's lease on a work item (the worker's default): a release that waited for it would take this long. */
const LEASE_MS = 30_000;

async function streamCutMidActivity(backend: SidecarBackend, t: TestContext): Promise<void> {
  const sidecar = await startSidecarProcess(backend);
  const client = sdkClient(sidecar.address);
  try {
    const first = await startSdkWorkerProcess(sidecar, "block");
    workers.push(first);
    const id = `cut-${process.pid}-${backend.name}`;
    await client.scheduleNewOrchestration("HoldOnce", undefined, { instanceId: id });
    const started = (w: SdkWorkerProcess) => w.lines().filter((l) => l.startsWith(`started Hold ${id} `));
    await waitFor(async () => started(first).length > 0, {
      what: () => `the activity to start in the first worker; it printed:\n${first.lines().join("\n")}`,
    });
    const second = await startSdkWorkerProcess(sidecar, "work");
    workers.push(second);
    await first.kill(); // the stream is cut while the activity runs
    const killedAt = Date.now();
    await waitFor(async () => started(second).length > 0, {
      what: () =>
        `the activity to start again in the second worker; it printed:\n${second.lines().join("\n")}`,
    });
    const redeliveryMs = Date.now() - killedAt;
    t.diagnostic(`activity redelivered ${redeliveryMs} ms after the kill`);
    // Released when the stream closed, not when the hub lease ran out.
    assert.ok(redeliveryMs < LEASE_MS - 5000, `redelivered after ${redeliveryMs} ms`);
    const state = await completion(client, id);
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
    assert.equal(parsed(state.serializedOutput), `done by ${second.child.pid}`);
    // The activity ran twice (once in each worker, same task), the orchestration completed once.
    assert.equal(started(first).length, 1);
    assert.equal(started(second).length, 1);
    assert.equal(started(first)[0], started(second)[0]);
    const status = await httpStatus(sidecar, id);
    assert.equal(status?.runtimeStatus, "Completed");
    assert.equal(historyOf(status, "TaskCompleted").length, 1);
    assert.equal(historyOf(status, "ExecutionCompleted").length, 1);
    await second.stop();
  } finally {
    await client.stop();
    await sidecar.stop();
  }
}

describe("an SDK worker's stream cut mid-activity", () => {
  it("redelivers the activity to another worker at once (SQLite hub file)", TEST, (t) =>
    streamCutMidActivity(sqliteBackend(), t),
  );
  it("redelivers the activity to another worker at once (PostgreSQL schema)", TEST, async (t) => {
    await requirePostgres();
    await streamCutMidActivity(postgresBackend(), t);
  });
});

/**
 * The sidecar process itself SIGKILLed while an SDK activity runs; a new sidecar on the same hub and port. The SDK
 * worker reconnects by itself (its stream had been established), the activity's completion to the dead sidecar is
 * lost, and once the dead host's lease on the activity ends (the worker's default, 30 s) the new sidecar redelivers it.
 */
async function sidecarKilledMidActivity(makeBackend: () => SidecarBackend): Promise<void> {
  const backend = makeBackend();
  const first = await startSidecarProcess(backend);
  const port = Number(first.address.slice(first.address.lastIndexOf(":") + 1));
  const calls: string[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const worker = await startSdkWorker(first, (w) => {
    w.addNamedActivity("Gate", async (ctx: ActivityContext) => {
      calls.push(`${ctx.orchestrationId} ${ctx.taskId}`);
      if (calls.length === 1) await released; // the first attempt outlives its sidecar
      return calls.length;
    });
    w.addNamedOrchestrator("GateOnce", async function* (ctx: OrchestrationContext) {
      const n: unknown = yield ctx.callActivity("Gate");
      return n;
    });
  });
  let second: SidecarProcess | undefined;
  const id = `crash-${process.pid}-${backend.name}`;
  try {
    const client = sdkClient(first.address);
    await client.scheduleNewOrchestration("GateOnce", undefined, { instanceId: id });
    await waitFor(async () => calls.length === 1, { what: "the activity to start" });
    await client.stop();
    await first.kill();
    release(); // its completion goes nowhere (the SDK logs the failed call and does not retry)
    second = await startSidecarProcess(backend, { port });
    const again = sdkClient(second.address);
    try {
      const state = await completion(again, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
      assert.equal(parsed(state.serializedOutput), 2, "the second attempt's result");
      assert.equal(calls.length, 2);
      assert.equal(calls[0], calls[1], "the same task, redelivered");
      const status = await httpStatus(second, id);
      assert.equal(historyOf(status, "TaskCompleted").length, 1);
      assert.equal(historyOf(status, "ExecutionCompleted").length, 1);
    } finally {
      await again.stop();
    }
  } finally {
    await worker.stop();
    await second?.stop();
  }
}

describe("the sidecar process killed mid-activity", () => {
  it("a new sidecar on the hub redelivers it to the reconnected SDK worker (SQLite hub file)", TEST, () =>
    sidecarKilledMidActivity(sqliteBackend),
  );
  it(
    "a new sidecar on the hub redelivers it to the reconnected SDK worker (PostgreSQL schema)",
    TEST,
    async () => {
      await requirePostgres();
      await sidecarKilledMidActivity(postgresBackend);
    },
  );
});

describe("two SDK worker processes on two sidecars sharing one PostgreSQL hub", () => {
  before(requirePostgres);

  it("spreads the work over both; every instance completes", TEST, async (t) => {
    const hubName = uniqueHubName("sdkshare");
    // One after the other: the first creates the schema.
    const sidecars = [
      await startSidecarProcess(postgresBackend(hubName)),
      await startSidecarProcess(postgresBackend(hubName)),
    ];
    const clients = sidecars.map((s) => sdkClient(s.address));
    try {
      const [one, two] = [
        await startSdkWorkerProcess(sidecars[0]!, "work"),
        await startSdkWorkerProcess(sidecars[1]!, "work"),
      ];
      workers.push(one!, two!);
      const ids = Array.from({ length: 30 }, (_, i) => `share-${process.pid}-${i}`);
      await Promise.all(
        ids.map((id, i) => clients[i % 2]!.scheduleNewOrchestration("Steps", 0, { instanceId: id })),
      );
      for (const [i, id] of ids.entries()) {
        const state = await completion(clients[(i + 1) % 2]!, id);
        assert.equal(
          state.runtimeStatus,
          OrchestrationStatus.COMPLETED,
          `${id}: ${state.failureDetails?.message}`,
        );
        assert.equal(parsed(state.serializedOutput), 5);
      }
      const ran = (w: SdkWorkerProcess) => w.lines().filter((l) => l.startsWith("ran Step "));
      const steps = [...ran(one!), ...ran(two!)];
      t.diagnostic(`steps run by each worker process: ${ran(one!).length} / ${ran(two!).length}`);
      assert.ok(
        ran(one!).length > 0 && ran(two!).length > 0,
        `steps: ${ran(one!).length} / ${ran(two!).length}`,
      );
      assert.equal(new Set(steps).size, ids.length * 5, "every step ran");
      for (const id of ids.slice(0, 3)) {
        const status = await httpStatus(sidecars[0]!, id);
        assert.equal(status?.runtimeStatus, "Completed");
        assert.equal(historyOf(status, "TaskCompleted").length, 5);
      }
      await Promise.all([one!.stop(), two!.stop()]);
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await Promise.all(sidecars.map((s) => s.stop()));
    }
  });
});
