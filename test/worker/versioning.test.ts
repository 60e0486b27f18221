/**
 * Versioning in the worker, on one in-memory hub: `defaultVersion` stamped on starts, sub-orchestrations and the
 * orchestrations entities start; the version in `getStatus`; `Reject` leaves work for a compatible worker (logged
 * once at info, then at debug; never a failure); `Fail` fails the instance with a `VersionMismatchError` naming both
 * versions (and its parent learns why); continue-as-new with a new version moves the instance to it; entities are
 * not versioned. Each app's orchestrator returns the tag of the app (worker) that ran each of its steps.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DurableApp,
  memoryTaskHub,
  type DurableHost,
  type TaskHub,
  type WorkerOptions,
} from "../../src/index.js";
import { eventually, MemoryLog } from "../support/test-host.js";

/** An app whose orchestrations record which app ran each step: `tag` is in every activity input they schedule. */
function taggedApp(tag: string) {
  const app = new DurableApp();
  const step = app.activity("Step", async (input: { by: string; i: number }) => input.by);
  const child = app.orchestration("Child", async (ctx) => ({ by: tag, version: ctx.version }));
  const work = app.orchestration("Work", async (ctx, steps: number) => {
    const ran: string[] = [];
    for (let i = 0; i < steps; i++) ran.push(await ctx.callActivity(step, { by: tag, i }));
    return { ran, finishedBy: tag, version: ctx.version };
  });
  const parent = app.orchestration("Parent", async (ctx, childVersion: string | undefined) => {
    const result = await ctx.callSubOrchestrator(child, undefined, {
      instanceId: `${ctx.instanceId}:child`,
      ...(childVersion !== undefined ? { version: childVersion } : {}),
    });
    return { child: result, version: ctx.version };
  });
  const upgrade = app.orchestration("Upgrade", async (ctx, round: number) => {
    if (round === 0) ctx.continueAsNew(1, { version: "2.0" });
    return { round, version: ctx.version, by: tag };
  });
  const counter = app.entity("Counter", {
    initialState: () => 0,
    operations: {
      add: (state, n: number) => state + n,
      start: (state, _input: void, ctx) => {
        ctx.startNewOrchestration(work, 0, { instanceId: "from-entity" });
        return state;
      },
    },
  });
  return { app, work, parent, upgrade, counter };
}

async function start(
  app: DurableApp,
  taskHub: TaskHub,
  options: WorkerOptions,
): Promise<DurableHost & { log: MemoryLog }> {
  const log = new MemoryLog();
  const host = await app.start({ taskHub, logger: log, maxPollIntervalMs: 100, ...options });
  return Object.assign(host, { log });
}

describe("versioning: defaultVersion", () => {
  it("is stamped on starts (a start may override it, '' for none), sub-orchestrations and entity starts", async () => {
    const { app, work, parent, counter } = taggedApp("a");
    const host = await start(app, memoryTaskHub(), { defaultVersion: "1.0" });
    try {
      const { client } = host;
      const plain = await client.startNew(work, { input: 1 });
      const other = await client.startNew(work, { input: 1, version: "0.9" });
      const none = await client.startNew(work, { input: 1, version: "" });
      for (const [id, version] of [
        [plain, "1.0"],
        [other, "0.9"],
        [none, ""],
      ] as const) {
        const status = await client.waitForCompletion(id);
        assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
        assert.equal((status.output as { version: string }).version, version, id);
        assert.equal(status.version, version === "" ? undefined : version, `getStatus of ${id}`);
      }
      const history = await host.taskHub.getHistory(plain);
      assert.equal(history[1]?.type === "ExecutionStarted" && history[1].version, "1.0");

      // A 0.9 parent's child gets the worker's default (1.0), recorded in the parent's history.
      const p = await client.startNew(parent, { version: "0.9" });
      const done = await client.waitForCompletion(p);
      assert.deepEqual(done.output, { child: { by: "a", version: "1.0" }, version: "0.9" });
      const created = (await host.taskHub.getHistory(p)).find(
        (e) => e.type === "SubOrchestrationInstanceCreated",
      );
      assert.equal(created?.type === "SubOrchestrationInstanceCreated" && created.version, "1.0");

      await client.signalEntity(counter, "k", "start");
      const fromEntity = await eventually(async () => client.getStatus("from-entity"));
      assert.equal(fromEntity.version, "1.0");
    } finally {
      await host.stop();
    }
  });

  it("createClient stamps its own defaultVersion; a default that is not a string is refused", async () => {
    const { app, work } = taggedApp("a");
    const hub = memoryTaskHub();
    const host = await start(app, hub, {});
    try {
      const id = await app.createClient(hub, { defaultVersion: "4.0" }).startNew(work, { input: 0 });
      assert.equal((await host.client.waitForCompletion(id)).version, "4.0");
      assert.throws(
        () => app.createClient(hub, { defaultVersion: 4 as never }),
        /defaultVersion must be a string/,
      );
      await assert.rejects(app.start({ taskHub: memoryTaskHub(), defaultVersion: 4 as never }), {
        name: "InvalidArgumentError",
      });
    } finally {
      await host.stop();
    }
  });

  it("continue-as-new with a new version moves the instance (row, status, ctx.version) to it", async () => {
    const { app, upgrade } = taggedApp("a");
    const host = await start(app, memoryTaskHub(), { defaultVersion: "2.0" }); // runs 2.0 and older
    try {
      const id = await host.client.startNew(upgrade, { input: 0, version: "1.0" });
      const status = await host.client.waitForCompletion(id);
      assert.deepEqual(status.output, { round: 1, version: "2.0", by: "a" });
      assert.equal(status.version, "2.0");
    } finally {
      await host.stop();
    }
  });
});

describe("versioning: Reject", () => {
  it("a worker leaves a newer instance for a compatible worker, logging it once at info, never failing it", async () => {
    const hub = memoryTaskHub();
    const old = taggedApp("old");
    const fresh = taggedApp("new");
    const a = await start(old.app, hub, { defaultVersion: "1.0" }); // CurrentOrOlder, Reject: the defaults
    let b: (DurableHost & { log: MemoryLog }) | undefined;
    try {
      const newer = await a.client.startNew(old.work, { input: 2, version: "2.0" });
      const current = await a.client.startNew(old.work, { input: 2 });
      const unversioned = await a.client.startNew(old.work, { input: 2, version: "" });
      for (const id of [current, unversioned]) {
        const status = await a.client.waitForCompletion(id);
        assert.deepEqual((status.output as { ran: string[] }).ran, ["old", "old"], id);
      }
      // Rejected at least twice (claimed again after the delay), logged at info once, then at debug.
      const rejections = (level: string) =>
        a.log.lines.filter((l) => l.startsWith(`${level} `) && l.includes(`left orchestration '${newer}'`));
      await eventually(async () => rejections("debug").length >= 1, 15_000);
      assert.equal(rejections("info").length, 1);
      assert.match(rejections("info")[0]!, /version '2.0' is newer than this worker's version '1.0'/);
      assert.equal((await a.client.getStatus(newer))?.runtimeStatus, "Pending", "left alone, not failed");
      assert.deepEqual(
        a.log.lines.filter((l) => l.startsWith("warn ") || l.startsWith("error ")),
        [],
        "a rejection is no failure",
      );

      // Not a failed delivery: after all those rejections, the next delivery is still the first.
      await a.worker.stop();
      const probe = await eventually(async () =>
        (await hub.lockOrchestrationWorkItems({ workerId: "probe", max: 10, leaseMs: 5000 })).find(
          (item) => item.instanceId === newer,
        ),
      );
      assert.equal(probe.deliveryCount, 1);
      await hub.abandonWorkItem(probe, 0);

      b = await start(fresh.app, hub, { defaultVersion: "2.0", versioning: { matchStrategy: "Strict" } });
      const status = await b.client.waitForCompletion(newer, { timeoutMs: 20_000 });
      assert.equal(status.runtimeStatus, "Completed");
      assert.deepEqual(status.output, { ran: ["new", "new"], finishedBy: "new", version: "2.0" });
    } finally {
      await b?.worker.stop();
      await a.stop();
    }
  });

  it("Strict rejects instances without a version; its own version runs", async () => {
    const { app, work } = taggedApp("strict");
    const host = await start(app, memoryTaskHub(), {
      versioning: { version: "3.0", matchStrategy: "Strict" },
    });
    try {
      const unversioned = await host.client.startNew(work, { input: 1 });
      const own = await host.client.startNew(work, { input: 1, version: "3.0.0" });
      assert.equal((await host.client.waitForCompletion(own)).runtimeStatus, "Completed");
      await eventually(async () =>
        host.log.lines.some(
          (l) => l.includes(`'${unversioned}'`) && l.includes("The instance has no version"),
        ),
      );
      assert.equal((await host.client.getStatus(unversioned))?.runtimeStatus, "Pending");
    } finally {
      await host.stop();
    }
  });
});

describe("versioning: Fail", () => {
  it("fails the instance with a VersionMismatchError naming both versions, and its parent learns why", async () => {
    const { app, work, parent } = taggedApp("a");
    const host = await start(app, memoryTaskHub(), {
      defaultVersion: "1.0",
      versioning: { matchStrategy: "Strict", failureStrategy: "Fail" },
    });
    try {
      const id = await host.client.startNew(work, { input: 1, version: "1.1" });
      const failed = await host.client.waitForCompletion(id);
      assert.equal(failed.runtimeStatus, "Failed");
      assert.equal(failed.failureDetails?.errorType, "VersionMismatchError");
      assert.match(
        failed.failureDetails!.message,
        /^Orchestration 'Work' \(instance '.+'\) cannot run on this worker: The instance has version '1\.1', not this worker's version '1\.0' \(matchStrategy Strict\)\.$/,
      );
      const history = await host.taskHub.getHistory(id);
      assert.deepEqual(
        history.map((e) => e.type),
        ["OrchestratorStarted", "ExecutionStarted", "ExecutionCompleted", "OrchestratorCompleted"],
        "no code ran",
      );

      // A 1.0 parent starting a 2.0 child: the child fails, the parent gets the failure as a TaskFailedError.
      const p = await host.client.startNew(parent, { input: "2.0" });
      const parentDone = await host.client.waitForCompletion(p);
      assert.equal(parentDone.runtimeStatus, "Failed");
      assert.match(parentDone.failureDetails!.message, /Sub-orchestration 'Child' failed/);
      assert.equal(parentDone.failureDetails?.errorType, "TaskFailedError");
      assert.equal(parentDone.failureDetails?.cause?.errorType, "VersionMismatchError");
      const child = await host.client.getStatus(`${p}:child`);
      assert.equal(child?.failureDetails?.errorType, "VersionMismatchError");
    } finally {
      await host.stop();
    }
  });

  it("refuses to rewind an instance of another version, saying why (it stays Failed)", async () => {
    const hub = memoryTaskHub();
    const first = new DurableApp();
    let broken = true;
    first.activity("Flaky", async () => {
      if (broken) throw new Error("down");
      return "up";
    });
    first.orchestration("Flaky", async (ctx) => ctx.callActivity("Flaky"));
    const a = await start(first, hub, {});
    const id = await a.client.startNew("Flaky", { version: "1.0" });
    assert.equal((await a.client.waitForCompletion(id)).runtimeStatus, "Failed");
    await a.worker.stop();
    broken = false;
    const b = await start(first, hub, {
      versioning: { version: "2.0", matchStrategy: "Strict", failureStrategy: "Fail" },
    });
    try {
      await b.client.rewind(id);
      const status = await eventually(async () => {
        const s = await b.client.getStatus(id);
        return s?.failureDetails?.errorType === "VersionMismatchError" ? s : undefined;
      });
      assert.equal(status.runtimeStatus, "Failed");
      assert.match(status.failureDetails!.message, /version '1\.0', not this worker's version '2\.0'/);
    } finally {
      await b.stop();
    }
  });
});

describe("versioning: entities", () => {
  it("are not versioned: a Strict worker runs every entity's operations", async () => {
    const { app, counter } = taggedApp("a");
    const host = await start(app, memoryTaskHub(), {
      versioning: { version: "5.0", matchStrategy: "Strict", failureStrategy: "Fail" },
    });
    try {
      await host.client.signalEntity(counter, "e", "add", 2);
      await host.client.signalEntity(counter, "e", "add", 3);
      await eventually(async () => (await host.client.readEntityState(counter, "e")).entityState === 5);
    } finally {
      await host.stop();
    }
  });
});
