/**
 * The client RPCs of the sidecar, driven by the real durabletask-js `TaskHubGrpcClient` (and, for what the SDK does
 * not send, a raw client of the same protocol) against a real host serving gRPC (`--grpc-port 0`) on the hub the
 * test-host backend gives (a SQLite file, or a PostgreSQL schema). The orchestrations are the app's own, run by the
 * host's worker. No fixed sleeps: waits are on conditions, with generous limits.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, status as grpcStatus, type Client, type ServiceError } from "@grpc/grpc-js";
import {
  HistoryEventType,
  OrchestrationStatus,
  PurgeInstanceCriteria,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  terminateOptions,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";
import { DurableApp, NonRetryableError } from "../../src/index.js";
import { sidecarProtocol } from "../../src/sidecar/protocol.js";
import { startTestHost, type TestHost } from "../http/http-test-host.js";

const quiet = { info() {}, debug() {}, warn() {}, error() {} };

/** A raw unary call: its error (undefined on success) and its response. */
type RawCall = (
  method: string,
  request: object,
  options?: { deadline?: number },
) => Promise<{ error?: ServiceError | undefined; response?: Record<string, unknown> | undefined }>;

/** The gRPC status code behind an SDK error (the SDK wraps some of them in an `Error` whose `cause` is the status). */
function codeOf(error: unknown): number | undefined {
  const e = error as { code?: number; cause?: { code?: number } };
  return e.code ?? e.cause?.code;
}

/** Resolves once `check` gives a value (re-checked every 20 ms), or fails after `timeoutMs`. */
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("Condition not met in time.");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The app the host runs: quick, waiting, nested, failing-then-healing orchestrations. */
function makeApp(): { app: DurableApp; healing: { broken: boolean } } {
  const app = new DurableApp();
  const healing = { broken: true };
  const greet = app.activity("Greet", async (name: string) => `Hello ${name}!`);
  const flaky = app.activity("Flaky", async (n: number) => {
    if (healing.broken) throw new NonRetryableError(`still broken (${n})`);
    return n * 2;
  });
  app.orchestration("Echo", async (ctx, input: unknown) => ({
    input: input ?? null,
    greeting: await ctx.callActivity(greet, "sidecar"),
  }));
  app.orchestration("WaitForGo", async (ctx) => {
    ctx.setCustomStatus({ waiting: "go" });
    return ctx.waitForExternalEvent<unknown>("go");
  });
  app.orchestration("Parent", async (ctx) =>
    ctx.callSubOrchestrator("WaitForGo", undefined, { instanceId: `${ctx.instanceId}-child` }),
  );
  app.orchestration("FailOnce", async (ctx) => ({ value: await ctx.callActivity(flaky, 21) }));
  app.orchestration("Boom", async () => {
    const error = new RangeError("boom");
    throw error;
  });
  return { app, healing };
}

/** Registers the suite; `label` names the hub it runs on. */
export function clientRpcSuite(label: string): void {
  describe(`sidecar client RPCs through the durabletask-js client (${label})`, () => {
    let host: TestHost;
    let client: TaskHubGrpcClient;
    let raw: Client;
    let call: RawCall;
    const { app, healing } = makeApp();
    const run = `r${Date.now().toString(36)}`;
    const id = (name: string): string => `${run}-${name}`;

    before(async () => {
      host = await startTestHost(app, { flags: { "grpc-port": "0" } });
      assert.ok(host.grpcPort, "the host serves gRPC");
      const address = `127.0.0.1:${host.grpcPort}`;
      client = new TaskHubGrpcClient({ hostAddress: address, logger: quiet });
      const { Client: RawClient } = sidecarProtocol();
      raw = new RawClient(address, credentials.createInsecure());
      call = (method, request, options = {}) =>
        new Promise((resolve) =>
          (
            raw as unknown as Record<
              string,
              (
                r: object,
                o: object,
                cb: (e: ServiceError | null, res?: Record<string, unknown>) => void,
              ) => void
            >
          )[method]!(request, options, (error, response) => resolve({ error: error ?? undefined, response })),
        );
    });
    after(async () => {
      raw?.close();
      await client?.stop();
      await host?.close();
    });

    it("starts instances with an ID, version and tags, and reads them with and without payloads", async () => {
      const instanceId = await client.scheduleNewOrchestration(
        "Echo",
        { n: 1 },
        { instanceId: id("echo"), version: "2.1", tags: { team: "blue", tier: "gold" } },
      );
      assert.equal(instanceId, id("echo"));
      const done = await client.waitForOrchestrationCompletion(instanceId, true, 60);
      assert.equal(done?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.deepEqual(JSON.parse(done?.serializedOutput ?? "null"), {
        input: { n: 1 },
        greeting: "Hello sidecar!",
      });
      assert.equal(done?.serializedInput, '{"n":1}');
      assert.deepEqual(done?.tags, { team: "blue", tier: "gold" });
      assert.ok(done && done.createdAt.getTime() > 0 && done.lastUpdatedAt >= done.createdAt);

      const lean = await client.getOrchestrationState(instanceId, false);
      assert.equal(lean?.name, "Echo");
      assert.equal(lean?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(lean?.serializedInput, undefined);
      assert.equal(lean?.serializedOutput, undefined);

      // The fields the SDK's state object leaves out, read raw.
      const { response } = await call("GetInstance", { instanceId, getInputsAndOutputs: true });
      const state = response?.orchestrationState as Record<string, unknown>;
      assert.equal(response?.exists, true);
      assert.deepEqual(state.version, { value: "2.1" });
      assert.ok((state.completedTimestamp as { seconds: number }).seconds > 0);
      assert.ok((state.executionId as { value: string }).value.length > 0);
      assert.equal(state.parentInstanceId, null);

      // An `undefined` input travels as "": the instance has none.
      const noInput = await client.scheduleNewOrchestration("Echo", undefined, id("no-input"));
      const finished = await client.waitForOrchestrationCompletion(noInput, true, 60);
      assert.equal(finished?.serializedInput, undefined);
      assert.deepEqual(JSON.parse(finished?.serializedOutput ?? "{}").input, null);

      assert.equal(await client.getOrchestrationState(id("nobody")), undefined);
    });

    it("refuses a second start of an active ID (ALREADY_EXISTS) and honours the ID-reuse policy", async () => {
      const instanceId = await client.scheduleNewOrchestration("WaitForGo", undefined, id("dup"));
      await assert.rejects(
        () => client.scheduleNewOrchestration("WaitForGo", undefined, instanceId),
        (error) => codeOf(error) === grpcStatus.ALREADY_EXISTS,
      );
      await client.raiseOrchestrationEvent(instanceId, "go", 1);
      await client.waitForOrchestrationCompletion(instanceId, false, 60);
      // Finished, no policy: Taskhub reuses the ID.
      await client.scheduleNewOrchestration("Echo", "again", instanceId);
      await client.waitForOrchestrationCompletion(instanceId, false, 60);
      // A policy that lists no status: nothing is replaceable.
      const start = (replaceableStatus: string[]) =>
        call("StartInstance", {
          instanceId,
          name: "Echo",
          input: { value: '"third"' },
          orchestrationIdReusePolicy: { replaceableStatus },
        });
      assert.equal((await start([])).error?.code, grpcStatus.ALREADY_EXISTS);
      assert.equal((await start(["ORCHESTRATION_STATUS_FAILED"])).error?.code, grpcStatus.ALREADY_EXISTS);
      const replaced = await start(["ORCHESTRATION_STATUS_COMPLETED"]);
      assert.equal(replaced.error, undefined);
      assert.equal(replaced.response?.instanceId, instanceId);
      const third = await client.waitForOrchestrationCompletion(instanceId, true, 60);
      assert.equal(JSON.parse(third?.serializedOutput ?? "{}").input, "third");
      // An active instance is never replaced, even when its status is listed.
      const active = await client.scheduleNewOrchestration("WaitForGo", undefined, id("dup-active"));
      await client.waitForOrchestrationStart(active, false, 60);
      const refused = await call("StartInstance", {
        instanceId: active,
        name: "Echo",
        orchestrationIdReusePolicy: { replaceableStatus: ["ORCHESTRATION_STATUS_RUNNING"] },
      });
      assert.equal(refused.error?.code, grpcStatus.ALREADY_EXISTS);
      await client.terminateOrchestration(active);
    });

    it("waits for start and for completion on notices, answering as soon as the instance finishes", async () => {
      const instanceId = await client.scheduleNewOrchestration("WaitForGo", undefined, id("wait"));
      const startedState = await client.waitForOrchestrationStart(instanceId, true, 60);
      assert.equal(startedState?.runtimeStatus, OrchestrationStatus.RUNNING);
      assert.deepEqual(JSON.parse(startedState?.serializedCustomStatus ?? "null"), { waiting: "go" });
      let settled = false;
      const completion = client.waitForOrchestrationCompletion(instanceId, true, 120).finally(() => {
        settled = true;
      });
      // A full round trip later the wait is still open: it waits for the event, not for a poll.
      assert.equal(
        (await client.getOrchestrationState(instanceId))?.runtimeStatus,
        OrchestrationStatus.RUNNING,
      );
      assert.equal(settled, false);
      await client.raiseOrchestrationEvent(instanceId, "go", { ok: true });
      const state = await completion;
      assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(state?.serializedOutput, '{"ok":true}');
      // Unknown instances: no state, at once.
      assert.equal(await client.waitForOrchestrationCompletion(id("ghost"), false, 60), undefined);
      assert.equal(await client.waitForOrchestrationStart(id("ghost"), false, 60), undefined);
    });

    it("ends a wait at the caller's gRPC deadline", async () => {
      const instanceId = await client.scheduleNewOrchestration("WaitForGo", undefined, id("deadline"));
      const { error } = await call(
        "WaitForInstanceCompletion",
        { instanceId, getInputsAndOutputs: false },
        { deadline: Date.now() + 300 },
      );
      assert.equal(error?.code, grpcStatus.DEADLINE_EXCEEDED);
      await client.terminateOrchestration(instanceId);
      const state = await client.waitForOrchestrationCompletion(instanceId, false, 60);
      assert.equal(state?.runtimeStatus, OrchestrationStatus.TERMINATED);
    });

    it("holds a scheduled start until its time, then waits for it to start", async () => {
      const startAt = new Date(Date.now() + 1500);
      const instanceId = await client.scheduleNewOrchestration("Echo", "later", {
        instanceId: id("scheduled"),
        startAt,
      });
      const { response } = await call("GetInstance", { instanceId, getInputsAndOutputs: false });
      const state = response?.orchestrationState as Record<string, unknown>;
      assert.equal(state.orchestrationStatus, "ORCHESTRATION_STATUS_PENDING");
      assert.equal(
        (state.scheduledStartTimestamp as { seconds: number }).seconds,
        Math.floor(startAt.getTime() / 1000),
      );
      const started = await client.waitForOrchestrationStart(instanceId, false, 60);
      assert.ok(Date.now() >= startAt.getTime() - 5, "started no earlier than scheduled");
      assert.notEqual(started?.runtimeStatus, OrchestrationStatus.PENDING);
      const done = await client.waitForOrchestrationCompletion(instanceId, true, 60);
      assert.equal(JSON.parse(done?.serializedOutput ?? "{}").input, "later");
    });

    it("raises events (NOT_FOUND for an unknown instance, FAILED_PRECONDITION for a finished one)", async () => {
      await assert.rejects(
        () => client.raiseOrchestrationEvent(id("nobody"), "go", 1),
        (error) => codeOf(error) === grpcStatus.NOT_FOUND,
      );
      const instanceId = await client.scheduleNewOrchestration("Echo", 1, id("raise-done"));
      await client.waitForOrchestrationCompletion(instanceId, false, 60);
      await assert.rejects(
        () => client.raiseOrchestrationEvent(instanceId, "go", 1),
        (error) => codeOf(error) === grpcStatus.FAILED_PRECONDITION,
      );
    });

    it("terminates an instance with its output, recursively or not", async () => {
      const parent = await client.scheduleNewOrchestration("Parent", undefined, id("tree"));
      const child = `${parent}-child`;
      await until(
        async () =>
          (await client.getOrchestrationState(child))?.runtimeStatus === OrchestrationStatus.RUNNING,
      );
      await client.terminateOrchestration(parent, terminateOptions({ output: "stop", recursive: true }));
      const stopped = await client.waitForOrchestrationCompletion(parent, true, 60);
      assert.equal(stopped?.runtimeStatus, OrchestrationStatus.TERMINATED);
      assert.equal(stopped?.serializedOutput, '"stop"');
      const childState = await client.waitForOrchestrationCompletion(child, true, 60);
      assert.equal(childState?.runtimeStatus, OrchestrationStatus.TERMINATED);
      const { response } = await call("GetInstance", { instanceId: child, getInputsAndOutputs: false });
      assert.deepEqual((response?.orchestrationState as Record<string, unknown>).parentInstanceId, {
        value: parent,
      });

      // Not recursive (the SDK's default): the child keeps running.
      const lone = await client.scheduleNewOrchestration("Parent", undefined, id("lone"));
      await until(
        async () =>
          (await client.getOrchestrationState(`${lone}-child`))?.runtimeStatus ===
          OrchestrationStatus.RUNNING,
      );
      await client.terminateOrchestration(lone, { why: "tests" });
      const loneState = await client.waitForOrchestrationCompletion(lone, true, 60);
      assert.equal(loneState?.runtimeStatus, OrchestrationStatus.TERMINATED);
      assert.equal(JSON.parse(loneState?.serializedOutput ?? "null"), '{"why":"tests"}');
      assert.equal(
        (await client.getOrchestrationState(`${lone}-child`))?.runtimeStatus,
        OrchestrationStatus.RUNNING,
      );
      await client.terminateOrchestration(`${lone}-child`);
      await assert.rejects(
        () => client.terminateOrchestration(id("nobody")),
        (error) => codeOf(error) === grpcStatus.NOT_FOUND,
      );
    });

    it("suspends and resumes an instance, holding an event raised while suspended", async () => {
      const instanceId = await client.scheduleNewOrchestration("WaitForGo", undefined, id("suspend"));
      await client.waitForOrchestrationStart(instanceId, false, 60);
      await client.suspendOrchestration(instanceId);
      await until(
        async () =>
          (await client.getOrchestrationState(instanceId))?.runtimeStatus === OrchestrationStatus.SUSPENDED,
      );
      await client.raiseOrchestrationEvent(instanceId, "go", "held");
      // The event is held: a resume is what lets the instance finish.
      const stillSuspended = await client.getOrchestrationState(instanceId);
      assert.equal(stillSuspended?.runtimeStatus, OrchestrationStatus.SUSPENDED);
      await client.resumeOrchestration(instanceId);
      const done = await client.waitForOrchestrationCompletion(instanceId, true, 60);
      assert.equal(done?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(done?.serializedOutput, '"held"');
      await assert.rejects(
        () => client.suspendOrchestration(instanceId),
        (error) => codeOf(error) === grpcStatus.FAILED_PRECONDITION,
      );
    });

    it("reports failures, and rewinds only failed instances (FAILED_PRECONDITION, NOT_FOUND otherwise)", async () => {
      const boom = await client.scheduleNewOrchestration("Boom", undefined, id("boom"));
      const failed = await client.waitForOrchestrationCompletion(boom, true, 60);
      assert.equal(failed?.runtimeStatus, OrchestrationStatus.FAILED);
      assert.equal(failed?.failureDetails?.errorType, "RangeError");
      assert.equal(failed?.failureDetails?.message, "boom");
      assert.match(failed?.failureDetails?.stackTrace ?? "", /RangeError: boom/);

      healing.broken = true;
      const flaky = await client.scheduleNewOrchestration("FailOnce", undefined, id("rewind"));
      const first = await client.waitForOrchestrationCompletion(flaky, true, 60);
      assert.equal(first?.runtimeStatus, OrchestrationStatus.FAILED);
      assert.match(first?.failureDetails?.message ?? "", /still broken/);
      healing.broken = false;
      await client.rewindInstance(flaky, "fixed");
      const rewound = await client.waitForOrchestrationCompletion(flaky, true, 60);
      assert.equal(rewound?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.equal(rewound?.serializedOutput, '{"value":42}');
      await assert.rejects(
        () => client.rewindInstance(flaky, "again"),
        (error) => codeOf(error) === grpcStatus.FAILED_PRECONDITION,
      );
      await assert.rejects(
        () => client.rewindInstance(id("nobody"), "why"),
        (error) => codeOf(error) === grpcStatus.NOT_FOUND,
      );
    });

    it("restarts an instance under a new ID or its own (FAILED_PRECONDITION while it runs)", async () => {
      const original = await client.scheduleNewOrchestration("Echo", { round: 1 }, id("restart"));
      await client.waitForOrchestrationCompletion(original, false, 60);
      const fresh = await client.restartOrchestration(original, true);
      assert.notEqual(fresh, original);
      const freshState = await client.waitForOrchestrationCompletion(fresh, true, 60);
      assert.deepEqual(JSON.parse(freshState?.serializedOutput ?? "{}").input, { round: 1 });
      assert.equal(await client.restartOrchestration(original, false), original);
      await client.waitForOrchestrationCompletion(original, false, 60);

      const running = await client.scheduleNewOrchestration("WaitForGo", undefined, id("restart-running"));
      await assert.rejects(
        () => client.restartOrchestration(running, false),
        (error) => codeOf(error) === grpcStatus.FAILED_PRECONDITION,
      );
      await assert.rejects(
        () => client.restartOrchestration(id("nobody"), true),
        (error) => codeOf(error) === grpcStatus.NOT_FOUND,
      );
      await client.terminateOrchestration(running);
    });

    it("purges by ID (0 for an active or unknown instance) and by filter", async () => {
      const done = await client.scheduleNewOrchestration("Echo", 1, id("purge-one"));
      await client.waitForOrchestrationCompletion(done, false, 60);
      const active = await client.scheduleNewOrchestration("WaitForGo", undefined, id("purge-active"));
      assert.equal((await client.purgeOrchestration(active))?.deletedInstanceCount, 0);
      assert.equal((await client.purgeOrchestration(id("nobody")))?.deletedInstanceCount, 0);
      assert.equal((await client.purgeOrchestration(done))?.deletedInstanceCount, 1);
      assert.equal(await client.getOrchestrationState(done), undefined);

      const from = new Date(Date.now() - 1000);
      const ids = await Promise.all(
        [1, 2, 3].map((n) => client.scheduleNewOrchestration("Echo", n, id(`purge-f${n}`))),
      );
      await Promise.all(ids.map((i) => client.waitForOrchestrationCompletion(i, false, 60)));
      const criteria = new PurgeInstanceCriteria();
      criteria.setCreatedTimeFrom(from);
      criteria.setCreatedTimeTo(new Date(Date.now() + 1000));
      criteria.setRuntimeStatusList([OrchestrationStatus.COMPLETED]);
      const purged = await client.purgeOrchestration(criteria);
      assert.ok((purged?.deletedInstanceCount ?? 0) >= 3);
      for (const i of ids) assert.equal(await client.getOrchestrationState(i), undefined);
      assert.equal(
        (await client.getOrchestrationState(active))?.runtimeStatus !== undefined,
        true,
        "active kept",
      );
      await client.terminateOrchestration(active);

      const bare = await call("PurgeInstances", { recursive: false });
      assert.equal(bare.error?.code, grpcStatus.INVALID_ARGUMENT);
    });

    it("pages through QueryInstances and ListInstanceIds", async () => {
      const prefix = id("page-");
      const ids = await Promise.all(
        [0, 1, 2, 3, 4, 5, 6].map((n) => client.scheduleNewOrchestration("Echo", n, `${prefix}${n}`)),
      );
      await Promise.all(ids.map((i) => client.waitForOrchestrationCompletion(i, false, 60)));
      const pages: string[][] = [];
      for await (const page of client.getAllInstances({ instanceIdPrefix: prefix, pageSize: 3 }).asPages())
        pages.push(page.values.map((s) => s.instanceId));
      assert.deepEqual(
        pages.map((p) => p.length),
        [3, 3, 1],
      );
      assert.deepEqual(pages.flat().sort(), [...ids].sort());

      const withPayloads: string[] = [];
      for await (const state of client.getAllInstances({
        instanceIdPrefix: prefix,
        statuses: [OrchestrationStatus.COMPLETED],
        fetchInputsAndOutputs: true,
        pageSize: 4,
      }))
        withPayloads.push(state.serializedInput ?? "missing");
      assert.deepEqual(withPayloads.sort(), ["0", "1", "2", "3", "4", "5", "6"]);
      let running = 0;
      for await (const _ of client.getAllInstances({
        instanceIdPrefix: prefix,
        statuses: [OrchestrationStatus.RUNNING],
      }))
        running++;
      assert.equal(running, 0);

      // ListInstanceIds: completed ones, two per page, from a completion time that excludes nothing here.
      const seen: string[] = [];
      let key: string | undefined;
      let pagesRead = 0;
      do {
        const page = await client.listInstanceIds({
          runtimeStatus: [OrchestrationStatus.COMPLETED],
          completedTimeFrom: new Date(Date.now() - 3_600_000),
          pageSize: 2,
          lastInstanceKey: key,
        });
        assert.ok(page.values.length <= 2);
        seen.push(...page.values);
        key = page.continuationToken;
        pagesRead++;
      } while (key && pagesRead < 1000);
      for (const i of ids) assert.ok(seen.includes(i), `${i} listed`);
      assert.equal(new Set(seen).size, seen.length, "no ID listed twice");
      const future = await client.listInstanceIds({ completedTimeFrom: new Date(Date.now() + 3_600_000) });
      assert.deepEqual(future.values, []);
    });

    it("streams an instance's history (NOT_FOUND for an unknown one)", async () => {
      const instanceId = await client.scheduleNewOrchestration("Echo", "h", id("history"));
      await client.waitForOrchestrationCompletion(instanceId, false, 60);
      const history = await client.getOrchestrationHistory(instanceId);
      const types = history.map((e) => e.type);
      assert.equal(types[0], HistoryEventType.OrchestratorStarted);
      for (const type of [
        HistoryEventType.ExecutionStarted,
        HistoryEventType.TaskScheduled,
        HistoryEventType.TaskCompleted,
        HistoryEventType.ExecutionCompleted,
      ])
        assert.ok(types.includes(type), `${type} in ${types.join(", ")}`);
      assert.deepEqual(await client.getOrchestrationHistory(id("nobody")), []);
      const code = await new Promise<number | undefined>((resolve) => {
        const stream = (raw as unknown as Record<string, (r: object) => NodeJS.EventEmitter>)
          .StreamInstanceHistory!({ instanceId: id("nobody") });
        stream.on("data", () => undefined);
        stream.on("error", (error: ServiceError) => resolve(error.code));
        stream.on("end", () => resolve(undefined));
      });
      assert.equal(code, grpcStatus.NOT_FOUND);
    });

    it("manages orchestrations that run on an SDK worker the same way", async () => {
      const sdkShout = async (_ctx: ActivityContext, text: string): Promise<string> => text.toUpperCase();
      const sdkWaiter = async function* (ctx: OrchestrationContext): AsyncGenerator<unknown, string> {
        ctx.setCustomStatus("waiting for go");
        const go = (yield ctx.waitForExternalEvent("go")) as string;
        return (yield ctx.callActivity(sdkShout, go)) as string;
      };
      const worker = new TaskHubGrpcWorker({ hostAddress: `127.0.0.1:${host.grpcPort}`, logger: quiet });
      worker.addActivity(sdkShout);
      worker.addOrchestrator(sdkWaiter);
      await worker.start();
      try {
        const instanceId = await client.scheduleNewOrchestration(sdkWaiter, undefined, id("sdk"));
        const running = await client.waitForOrchestrationStart(instanceId, true, 60);
        assert.equal(running?.runtimeStatus, OrchestrationStatus.RUNNING);
        assert.equal(running?.serializedCustomStatus, '"waiting for go"');
        await client.raiseOrchestrationEvent(instanceId, "go", "now");
        const done = await client.waitForOrchestrationCompletion(instanceId, true, 60);
        assert.equal(done?.runtimeStatus, OrchestrationStatus.COMPLETED);
        assert.equal(done?.serializedOutput, '"NOW"');
        const history = await client.getOrchestrationHistory(instanceId);
        assert.ok(history.some((e) => e.type === HistoryEventType.TaskScheduled));

        const stopped = await client.scheduleNewOrchestration(sdkWaiter, undefined, id("sdk-stop"));
        await client.waitForOrchestrationStart(stopped, false, 60);
        await client.terminateOrchestration(stopped, "enough");
        const terminated = await client.waitForOrchestrationCompletion(stopped, true, 60);
        assert.equal(terminated?.runtimeStatus, OrchestrationStatus.TERMINATED);
        assert.equal(terminated?.serializedOutput, '"enough"');
      } finally {
        await worker.stop();
      }
    });

    it("answers bad arguments with INVALID_ARGUMENT and keeps serving", async () => {
      const bad: [string, object][] = [
        ["StartInstance", { instanceId: id("json"), name: "Echo", input: { value: "{not json" } }],
        ["StartInstance", { instanceId: "a/b", name: "Echo" }],
        ["StartInstance", { instanceId: id("nameless"), name: "" }],
        ["StartInstance", { instanceId: id("tags"), name: "Echo", tags: { "": "empty key" } }],
        ["GetInstance", { instanceId: "" }],
        ["RaiseEvent", { instanceId: id("x"), name: "" }],
        ["QueryInstances", { query: { maxInstanceCount: -1 } }],
        ["QueryInstances", { query: { continuationToken: { value: "not a token" } } }],
        ["ListInstanceIds", { pageSize: 2, lastInstanceKey: { value: "###" } }],
      ];
      for (const [method, request] of bad) {
        const { error } = await call(method, request);
        assert.equal(error?.code, grpcStatus.INVALID_ARGUMENT, `${method} ${JSON.stringify(request)}`);
        assert.ok(error?.details && !/\n\s+at /.test(error.details), "a message, no stack trace");
      }
      const { error, response } = await call("GetInstance", { instanceId: id("nobody") });
      assert.equal(error, undefined);
      assert.equal(response?.exists, false);
    });
  });
}
