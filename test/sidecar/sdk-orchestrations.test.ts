/**
 * The real Durable Task SDK (`@microsoft/durabletask-js`: `TaskHubGrpcClient` and `TaskHubGrpcWorker`, in this
 * process) against `taskhub sidecar` as a child process, on a SQLite hub file and on a PostgreSQL schema (one
 * `describe` per backend, the same cases): activity chains, fan-out/fan-in, durable timers and the orchestration
 * clock, external events (also raised before the wait), terminate, suspend/resume with an event held while suspended,
 * sub-orchestrations (explicit and generated IDs), continue-as-new with carried-over events, activity failures caught
 * and uncaught, orchestrator exceptions, custom status, `sendEvent` delivered exactly once, purge, queries with
 * paging, and the same instances seen through Taskhub's management HTTP API on the sidecar's `--http-port`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  OrchestrationStatus,
  TaskFailedError,
  whenAll,
  type ActivityContext,
  type OrchestrationContext,
  type TaskHubGrpcClient,
  type TaskHubGrpcWorker,
} from "@microsoft/durabletask-js";
import { dropCreatedSchemas, requirePostgres } from "../task-hub/postgres-support.js";
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
  startSidecarProcess,
  stopAllSidecars,
  waitFor,
  type SidecarBackend,
  type SidecarProcess,
} from "../support/sidecar-process.js";

after(async () => {
  await stopAllSidecars();
  removeBackendDirs();
  await dropCreatedSchemas();
});

const TEST = { timeout: 120_000 };

/** An activity's error with its own name (the SDK sends `err.name` as the failure's `errorType`). */
class InventoryError extends Error {
  override name = "InventoryError";
}

/** The orchestrators and activities of these tests, added to an SDK worker. */
function register(worker: TaskHubGrpcWorker): void {
  worker.addNamedActivity("Inc", (_ctx: ActivityContext, n: number) => n + 1);
  worker.addNamedActivity("Fail", (_ctx: ActivityContext, message: string) => {
    throw new InventoryError(message);
  });
  worker.addNamedActivity("Echo", (_ctx: ActivityContext, value: unknown) => value);

  worker.addNamedOrchestrator("Chain", async function* (ctx: OrchestrationContext, n: number) {
    let value = n;
    for (let i = 0; i < 5; i++) value = yield ctx.callActivity("Inc", value);
    return value;
  });
  worker.addNamedOrchestrator("FanOut", async function* (ctx: OrchestrationContext, n: number) {
    const results: number[] = yield whenAll(Array.from({ length: n }, (_, i) => ctx.callActivity("Inc", i)));
    return results.reduce((a, b) => a + b, 0);
  });
  worker.addNamedOrchestrator("Timers", async function* (ctx: OrchestrationContext) {
    const before = ctx.currentUtcDateTime.getTime();
    yield ctx.createTimer(1); // seconds from the orchestration clock
    const middle = ctx.currentUtcDateTime.getTime();
    yield ctx.createTimer(new Date(middle + 500));
    const after = ctx.currentUtcDateTime.getTime();
    return { before, middle, after };
  });
  worker.addNamedOrchestrator("TwoEvents", async function* (ctx: OrchestrationContext) {
    ctx.setCustomStatus("waiting for First");
    const first: unknown = yield ctx.waitForExternalEvent("First");
    const second: unknown = yield ctx.waitForExternalEvent("Second");
    return [first, second];
  });
  worker.addNamedOrchestrator("WaitFor", async function* (ctx: OrchestrationContext, name: string) {
    const value: unknown = yield ctx.waitForExternalEvent(name);
    return value;
  });
  worker.addNamedOrchestrator("Child", async function* (ctx: OrchestrationContext, n: number) {
    const plus: number = yield ctx.callActivity("Inc", n);
    return { id: ctx.instanceId, parent: ctx.parent?.instanceId, plus };
  });
  worker.addNamedOrchestrator("Parent", async function* (ctx: OrchestrationContext) {
    const explicit: unknown = yield ctx.callSubOrchestrator("Child", 10, {
      instanceId: `${ctx.instanceId}-child`,
    });
    const generated: unknown = yield ctx.callSubOrchestrator("Child", 20);
    return { explicit, generated };
  });
  worker.addNamedOrchestrator(
    "Counter",
    async function* (ctx: OrchestrationContext, state: { generation: number; sum: number }) {
      // The first generation waits for Go: the Add events, raised before it, are buffered by then.
      if (state.generation === 0) yield ctx.waitForExternalEvent("Go");
      const add: number = yield ctx.waitForExternalEvent("Add");
      const next = { generation: state.generation + 1, sum: state.sum + add };
      if (next.generation < 3) {
        ctx.continueAsNew(next, true); // the Add events not taken yet carry over
        return;
      }
      return next;
    },
  );
  worker.addNamedOrchestrator("CatchFailure", async function* (ctx: OrchestrationContext) {
    try {
      yield ctx.callActivity("Fail", "out of stock");
      return "not failed";
    } catch (error) {
      assert.ok(error instanceof TaskFailedError);
      return { errorType: error.details.errorType, message: error.details.message };
    }
  });
  worker.addNamedOrchestrator("UncaughtFailure", async function* (ctx: OrchestrationContext) {
    yield ctx.callActivity("Fail", "out of stock");
    return "not failed";
  });
  worker.addNamedOrchestrator("Throws", async function* (ctx: OrchestrationContext, n: number) {
    yield ctx.callActivity("Inc", n);
    throw new RangeError(`bad input ${n}`);
  });
  worker.addNamedOrchestrator("Status", async function* (ctx: OrchestrationContext) {
    ctx.setCustomStatus({ stage: "waiting" });
    const value: number = yield ctx.waitForExternalEvent("Go");
    ctx.setCustomStatus({ stage: "done", value });
    return value * 2;
  });
  worker.addNamedOrchestrator("Sender", async function* (ctx: OrchestrationContext, target: string) {
    ctx.sendEvent(target, "Ping", { from: ctx.instanceId });
    // More episodes after the send: each replays it, none may send it again.
    let value = 0;
    for (let i = 0; i < 3; i++) value = yield ctx.callActivity("Inc", value);
    return value;
  });
  worker.addNamedOrchestrator("Receiver", async function* (ctx: OrchestrationContext) {
    const ping: unknown = yield ctx.waitForExternalEvent("Ping");
    yield ctx.waitForExternalEvent("Finish");
    return ping;
  });
  worker.addNamedOrchestrator("Quick", async function* (ctx: OrchestrationContext, value: unknown) {
    const echoed: unknown = yield ctx.callActivity("Echo", value);
    return echoed;
  });
}

function suite(title: string, makeBackend: () => SidecarBackend, prepare?: () => Promise<void>): void {
  describe(title, () => {
    let sidecar: SidecarProcess;
    let worker: TaskHubGrpcWorker;
    let client: TaskHubGrpcClient;
    /** A fresh instance ID for this suite. */
    let counter = 0;
    const newId = (label: string) => `${label}-${process.pid}-${counter++}`;

    before(async () => {
      await prepare?.();
      sidecar = await startSidecarProcess(makeBackend());
      worker = await startSdkWorker(sidecar, register);
      client = sdkClient(sidecar.address);
    });
    after(async () => {
      await worker?.stop();
      await client?.stop();
      const code = await sidecar?.stop();
      assert.equal(code, 0, `the sidecar exits cleanly on SIGTERM:\n${sidecar?.output()}`);
    });

    const start = (name: string, input?: unknown, label = name) =>
      client.scheduleNewOrchestration(name, input, { instanceId: newId(label) });

    it(
      "runs an activity chain; the management HTTP API shows the instance and its history",
      TEST,
      async () => {
        const id = await start("Chain", 0);
        const state = await completion(client, id);
        assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
        assert.equal(state.name, "Chain");
        assert.equal(parsed(state.serializedInput), 0);
        assert.equal(parsed(state.serializedOutput), 5);
        assert.ok(state.createdAt.getTime() <= state.lastUpdatedAt.getTime());

        const status = await httpStatus(sidecar, id);
        assert.equal(status?.runtimeStatus, "Completed");
        assert.equal(status?.name, "Chain");
        assert.equal(status?.output, 5);
        assert.deepEqual(
          historyOf(status, "ExecutionStarted").map((e) => e.FunctionName),
          ["Chain"],
        );
        const tasks = historyOf(status, "TaskCompleted");
        assert.deepEqual(
          tasks.map((e) => [e.FunctionName, e.Result]),
          [1, 2, 3, 4, 5].map((n) => ["Inc", n]),
        );
        assert.deepEqual(
          historyOf(status, "ExecutionCompleted").map((e) => [e.OrchestrationStatus, e.Result]),
          [["Completed", 5]],
        );
      },
    );

    it("fans out to 20 activities and in", TEST, async () => {
      const id = await start("FanOut", 20);
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(parsed(state.serializedOutput), 210); // 1 + 2 + ... + 20
      assert.equal(historyOf(await httpStatus(sidecar, id), "TaskCompleted").length, 20);
    });

    it("fires durable timers; the orchestration clock advances by at least each timer", TEST, async () => {
      const startedAt = Date.now();
      const id = await start("Timers");
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      const { before, middle, after } = parsed(state.serializedOutput) as Record<string, number>;
      // The clock is the hub's time of each episode (not the SDK's default, 1 January 1000).
      assert.ok(Math.abs(before! - startedAt) < 60_000, `clock at start ${new Date(before!).toISOString()}`);
      assert.ok(middle! - before! >= 1000, `after a 1 s timer the clock moved ${middle! - before!} ms`);
      assert.ok(after! - middle! >= 500, `after a 500 ms timer the clock moved ${after! - middle!} ms`);
      const timers = historyOf(await httpStatus(sidecar, id), "TimerFired");
      assert.equal(timers.length, 2);
    });

    it("delivers external events, also one raised before the orchestration waits for it", TEST, async () => {
      const id = await start("TwoEvents");
      // Raised at once (the instance may not even have started): the orchestration waits for First first.
      await client.raiseOrchestrationEvent(id, "Second", { n: 2 });
      await waitFor(async () => parsed((await client.getOrchestrationState(id))?.serializedCustomStatus), {
        what: "the orchestration to wait for First",
      });
      await client.raiseOrchestrationEvent(id, "First", { n: 1 });
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.deepEqual(parsed(state.serializedOutput), [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(
        historyOf(await httpStatus(sidecar, id), "EventRaised").map((e) => e.Name),
        ["Second", "First"],
      );
    });

    it("terminates a running orchestration with its reason as output", TEST, async () => {
      const id = await start("WaitFor", "Never");
      const started = await client.waitForOrchestrationStart(id, false, 60);
      assert.equal(started?.runtimeStatus, OrchestrationStatus.RUNNING);
      assert.equal((await httpStatus(sidecar, id))?.runtimeStatus, "Running");
      await client.terminateOrchestration(id, "stopped by the test");
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.TERMINATED);
      assert.equal(parsed(state.serializedOutput), "stopped by the test");
      const status = await httpStatus(sidecar, id);
      assert.equal(status?.runtimeStatus, "Terminated");
      assert.equal(status?.output, "stopped by the test");
    });

    it("keeps an instance with a scheduled start Pending until it is due, then runs it", TEST, async () => {
      const startAt = new Date(Date.now() + 4000); // far enough for the two reads below on a busy machine
      const id = await client.scheduleNewOrchestration("Quick", "later", {
        instanceId: newId("later"),
        startAt,
      });
      assert.equal((await client.getOrchestrationState(id))?.runtimeStatus, OrchestrationStatus.PENDING);
      assert.equal((await httpStatus(sidecar, id))?.runtimeStatus, "Pending");
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(parsed(state.serializedOutput), "later");
      // It ran (and completed) once due, not before.
      assert.ok(
        state.lastUpdatedAt.getTime() >= startAt.getTime() - 100,
        `completed ${state.lastUpdatedAt.toISOString()}`,
      );
    });

    it("suspends and resumes; an event raised while suspended is held until the resume", TEST, async () => {
      const id = await start("WaitFor", "E");
      await client.waitForOrchestrationStart(id, false, 60);
      await client.suspendOrchestration(id);
      await waitFor(
        async () => (await client.getOrchestrationState(id))?.runtimeStatus === OrchestrationStatus.SUSPENDED,
        { what: "the instance to be suspended" },
      );
      assert.equal((await httpStatus(sidecar, id))?.runtimeStatus, "Suspended");
      await client.raiseOrchestrationEvent(id, "E", "held");
      // The event is recorded (an episode took it in) while the instance stays suspended.
      const seen = await waitFor(
        async () => {
          const status = await httpStatus(sidecar, id);
          return historyOf(status, "EventRaised").length > 0 && status;
        },
        { what: "the held event in the history" },
      );
      assert.equal(seen.runtimeStatus, "Suspended");
      const held = await client.getOrchestrationState(id);
      assert.equal(held?.runtimeStatus, OrchestrationStatus.SUSPENDED);
      await client.resumeOrchestration(id);
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(parsed(state.serializedOutput), "held");
      const types = (await httpStatus(sidecar, id))?.historyEvents?.map((e) => e.EventType) ?? [];
      assert.ok(
        types.indexOf("ExecutionSuspended") < types.indexOf("EventRaised") &&
          types.indexOf("EventRaised") < types.indexOf("ExecutionResumed"),
        `history order: ${types.join(", ")}`,
      );
    });

    it("runs sub-orchestrations with an explicit and with a generated instance ID", TEST, async () => {
      const id = await start("Parent");
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
      const { explicit, generated } = parsed(state.serializedOutput) as Record<
        string,
        { id: string; parent: string; plus: number }
      >;
      assert.deepEqual(explicit, { id: `${id}-child`, parent: id, plus: 11 });
      assert.equal(generated!.parent, id);
      assert.equal(generated!.plus, 21);
      // The SDK derives it from the execution ID the sidecar sends: `<execution ID>:<4 hex digits>`.
      assert.match(generated!.id, /^.+:[0-9a-f]{4}$/);
      assert.ok(
        !generated!.id.startsWith(`${id}:`),
        `generated ID ${generated!.id} is not from an execution ID`,
      );
      for (const child of [explicit!.id, generated!.id]) {
        const childState = await client.getOrchestrationState(child);
        assert.equal(childState?.runtimeStatus, OrchestrationStatus.COMPLETED, child);
        assert.equal(childState?.name, "Child");
        assert.equal((await httpStatus(sidecar, child))?.runtimeStatus, "Completed");
      }
      const subs = historyOf(await httpStatus(sidecar, id), "SubOrchestrationInstanceCompleted");
      assert.deepEqual(
        subs.map((e) => e.FunctionName),
        ["Child", "Child"],
      );
    });

    it("continues as new, carrying over the events not yet taken", TEST, async () => {
      const id = await start("Counter", { generation: 0, sum: 0 });
      for (const n of [1, 2, 3]) await client.raiseOrchestrationEvent(id, "Add", n);
      await client.raiseOrchestrationEvent(id, "Go", null);
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
      assert.deepEqual(parsed(state.serializedOutput), { generation: 3, sum: 6 });
      // The last execution's history: its events are the one carried Add (which the SDK carries over under its
      // lower-cased name: it keys buffered events by name in lower case).
      const status = await httpStatus(sidecar, id);
      assert.equal(status?.runtimeStatus, "Completed");
      assert.deepEqual(
        historyOf(status, "EventRaised").map((e) => String(e.Name).toLowerCase()),
        ["add"],
      );
    });

    it("lets an orchestration catch an activity's failure, with its type and message", TEST, async () => {
      const id = await start("CatchFailure");
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
      assert.deepEqual(parsed(state.serializedOutput), {
        errorType: "InventoryError",
        message: "out of stock",
      });
      const failed = historyOf(await httpStatus(sidecar, id), "TaskFailed");
      assert.equal(failed.length, 1);
      assert.deepEqual(
        [failed[0]!.FunctionName, (failed[0]!.FailureDetails as Record<string, unknown>).ErrorType],
        ["Fail", "InventoryError"],
      );
    });

    it("fails an orchestration on an activity failure it does not catch", TEST, async () => {
      const id = await start("UncaughtFailure");
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.FAILED);
      assert.equal(state.failureDetails?.errorType, "TaskFailedError");
      assert.match(state.failureDetails?.message ?? "", /out of stock/);
      assert.throws(() => state.raiseIfFailed(), /out of stock/);
      const status = await httpStatus(sidecar, id);
      assert.equal(status?.runtimeStatus, "Failed");
      assert.match(String(status?.output), /out of stock/);
    });

    it("fails an orchestration that throws, with the exception's type, message and stack", TEST, async () => {
      const id = await start("Throws", 7);
      const state = await completion(client, id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.FAILED);
      assert.equal(state.failureDetails?.errorType, "RangeError");
      assert.equal(state.failureDetails?.message, "bad input 7");
      assert.match(state.failureDetails?.stackTrace ?? "", /RangeError: bad input 7/);
      const status = await httpStatus(sidecar, id);
      assert.equal(status?.runtimeStatus, "Failed");
      assert.match(String(status?.output), /RangeError: bad input 7/);
    });

    it("reports the custom status while running and at the end", TEST, async () => {
      const id = await start("Status");
      const waiting = await waitFor(
        async () => parsed((await client.getOrchestrationState(id))?.serializedCustomStatus),
        { what: "the first custom status" },
      );
      assert.deepEqual(waiting, { stage: "waiting" });
      assert.deepEqual((await httpStatus(sidecar, id))?.customStatus, { stage: "waiting" });
      await client.raiseOrchestrationEvent(id, "Go", 21);
      const state = await completion(client, id);
      assert.equal(parsed(state.serializedOutput), 42);
      assert.deepEqual(parsed(state.serializedCustomStatus), { stage: "done", value: 21 });
      assert.deepEqual((await httpStatus(sidecar, id))?.customStatus, { stage: "done", value: 21 });
    });

    it("delivers sendEvent to the other orchestration exactly once, as an EventRaised", TEST, async () => {
      const receiver = await start("Receiver");
      await client.waitForOrchestrationStart(receiver, false, 60);
      const sender = await start("Sender", receiver);
      const sent = await completion(client, sender);
      assert.equal(sent.runtimeStatus, OrchestrationStatus.COMPLETED, sent.failureDetails?.message);
      assert.equal(parsed(sent.serializedOutput), 3);
      const senderHistory = await httpStatus(sidecar, sender);
      assert.deepEqual(
        historyOf(senderHistory, "EventSent").map((e) => [e.InstanceId, e.Name]),
        [[receiver, "Ping"]],
      );
      await waitFor(async () => historyOf(await httpStatus(sidecar, receiver), "EventRaised").length > 0, {
        what: "the Ping at the receiver",
      });
      await client.raiseOrchestrationEvent(receiver, "Finish", null);
      const received = await completion(client, receiver);
      assert.equal(received.runtimeStatus, OrchestrationStatus.COMPLETED, received.failureDetails?.message);
      assert.deepEqual(parsed(received.serializedOutput), { from: sender });
      assert.deepEqual(
        historyOf(await httpStatus(sidecar, receiver), "EventRaised").map((e) => e.Name),
        ["Ping", "Finish"],
      );
    });

    it(
      "purges a finished instance (then gone, also over HTTP); an unknown ID purges nothing",
      TEST,
      async () => {
        const id = await start("Quick", "x");
        assert.equal((await completion(client, id)).runtimeStatus, OrchestrationStatus.COMPLETED);
        const purged = await client.purgeOrchestration(id);
        assert.equal(purged?.deletedInstanceCount, 1);
        assert.equal(await client.getOrchestrationState(id), undefined);
        assert.equal(await httpStatus(sidecar, id), undefined);
        const none = await client.purgeOrchestration(newId("unknown"));
        assert.equal(none?.deletedInstanceCount ?? 0, 0);
      },
    );

    it("queries instances page by page (getAllInstances, listInstanceIds)", TEST, async () => {
      const prefix = newId("query");
      const ids = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);
      for (const id of ids) await client.scheduleNewOrchestration("Quick", id, { instanceId: id });
      for (const id of ids) await completion(client, id);

      const pageSizes: number[] = [];
      const seen: string[] = [];
      for await (const page of client
        .getAllInstances({ instanceIdPrefix: prefix, pageSize: 3, fetchInputsAndOutputs: true })
        .asPages()) {
        pageSizes.push(page.values.length);
        for (const state of page.values) {
          assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
          assert.equal(parsed(state.serializedOutput), state.instanceId);
          seen.push(state.instanceId);
        }
        assert.ok(pageSizes.length <= 10, "paging ends");
      }
      assert.deepEqual([...seen].sort(), [...ids].sort());
      assert.ok(
        pageSizes.every((n) => n <= 3),
        `page sizes ${pageSizes.join(",")}`,
      );
      assert.ok(pageSizes.length >= 3, `page sizes ${pageSizes.join(",")}`);

      const listed: string[] = [];
      let key: string | undefined;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 1000, "listInstanceIds paging ends");
        const page = await client.listInstanceIds({
          runtimeStatus: [OrchestrationStatus.COMPLETED],
          pageSize: 3,
          lastInstanceKey: key,
        });
        assert.ok(page.values.length <= 3);
        listed.push(...page.values);
        if (!page.hasMoreResults) break;
        key = page.continuationToken;
      }
      assert.equal(new Set(listed).size, listed.length, "no ID twice");
      for (const id of ids) assert.ok(listed.includes(id), `${id} listed`);
    });
  });
}

suite("the Durable Task SDK on taskhub sidecar (SQLite hub file)", sqliteBackend);
suite("the Durable Task SDK on taskhub sidecar (PostgreSQL schema)", postgresBackend, requirePostgres);
