/**
 * Entities over the Durable Task protocol: a Taskhub host (SQLite file hub; one scenario also on PostgreSQL) with
 * the sidecar, the real durabletask-js `TaskHubGrpcWorker` running an entity (`addNamedEntity`) and orchestrations
 * that call, signal and lock it, and the real `TaskHubGrpcClient` using the entity RPCs. Taskhub schedules (queue,
 * locks, responses, the state's commit); the SDK worker runs the operations.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials, status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  EntityInstanceId,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ITaskEntity,
  type OrchestrationContext,
  type TaskEntityOperation,
} from "@microsoft/durabletask-js";
import { DurableApp, type DurableHost } from "../../src/app/durable-app.js";
import type { TaskHub } from "../../src/task-hub/task-hub.js";
import { sqliteTaskHub } from "../../src/sql/sqlite/sqlite-task-hub.js";
import { SidecarRemoteWork } from "../../src/sidecar/remote-executor.js";
import { startSidecar, type RunningSidecar } from "../../src/sidecar/sidecar-server.js";
import { sidecarClientHandlers } from "../../src/sidecar/client-service.js";
import { sidecarEntityHandlers } from "../../src/sidecar/entity-service.js";
import { sidecarProtocol } from "../../src/sidecar/protocol.js";
import { clockFor } from "../../src/task-hub/clock.js";
import { dropCreatedSchemas, requirePostgres, testHub } from "../task-hub/postgres-support.js";
import { useInMemoryTracing } from "../support/in-memory-tracing.js";

const quiet = { info() {}, debug() {}, warn() {}, error() {} };
const TIMEOUT = 60_000;

/** Waits until `check` returns a value other than `undefined` (or gives up after `timeoutMs`). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The SDK's entity: a counter that can fail after changing its state, and forward increments to other counters. */
function counter(): ITaskEntity {
  return {
    run(op: TaskEntityOperation): unknown {
      const value = op.state.getState<number>(0) ?? 0;
      switch (op.name) {
        case "add": {
          const next = value + (op.getInput<number>() ?? 0);
          op.state.setState(next);
          return next;
        }
        case "set":
          op.state.setState(op.getInput<number>());
          return undefined;
        case "get":
          return value;
        case "grow":
          op.state.setState("x".repeat(op.getInput<number>() ?? 0));
          return undefined;
        case "addThenFail":
          op.state.setState(value + 1000);
          op.context.signalEntity(new EntityInstanceId("counter", "never"), "add", 1);
          throw new Error(`boom at ${value}`);
        case "forward": {
          const { key, amount } = op.getInput<{ key: string; amount: number }>()!;
          op.context.signalEntity(new EntityInstanceId("counter", key), "add", amount);
          op.state.setState(value + 1);
          return undefined;
        }
        case "delete":
          op.state.setState(null);
          return undefined;
        default:
          throw new Error(`no operation '${op.name}'`);
      }
    },
  };
}

const id = (key: string): EntityInstanceId => new EntityInstanceId("Counter", key);

/** Calls, then a failing call (caught), then a read: the failure was rolled back. */
async function* callCounter(ctx: OrchestrationContext, key: string): AsyncGenerator<unknown, unknown> {
  const afterAdd = (yield ctx.entities.callEntity(id(key), "add", 5)) as number;
  let failure = "";
  try {
    yield ctx.entities.callEntity(id(key), "addThenFail");
  } catch (error) {
    failure = (error as Error).message;
  }
  const read = (yield ctx.entities.callEntity(id(key), "get")) as number;
  ctx.entities.signalEntity(id(key), "add", 1);
  return { afterAdd, failure, read };
}

/** `rounds` read-modify-write increments of the counter, each inside a critical section. */
async function* lockedIncrements(
  ctx: OrchestrationContext,
  input: { key: string; rounds: number },
): AsyncGenerator<unknown, unknown> {
  for (let round = 0; round < input.rounds; round++) {
    const lock = (yield ctx.entities.lockEntities(id(input.key))) as { release(): void };
    const value = (yield ctx.entities.callEntity(id(input.key), "get")) as number;
    yield ctx.entities.callEntity(id(input.key), "set", value + 1);
    lock.release();
  }
  return "done";
}

/** Locks the counter, changes it and ends without releasing: the engine releases the lock. */
async function* lockAndForget(ctx: OrchestrationContext, key: string): AsyncGenerator<unknown, unknown> {
  yield ctx.entities.lockEntities(id(key));
  return yield ctx.entities.callEntity(id(key), "add", 1);
}

interface Rig {
  durable: DurableHost;
  sidecar: RunningSidecar;
  worker: TaskHubGrpcWorker;
  client: TaskHubGrpcClient;
  stop(): Promise<void>;
}

async function startRig(taskHub: TaskHub, options: { maxPayloadBytes?: number } = {}): Promise<Rig> {
  const remote = new SidecarRemoteWork(clockFor(taskHub));
  const durable = await new DurableApp().start({ taskHub, remote, logger: quiet, ...options });
  const sidecar = await startSidecar({
    remote,
    port: 0,
    logger: quiet,
    handlers: {
      ...sidecarClientHandlers(durable.client, quiet),
      ...sidecarEntityHandlers(durable.client, quiet),
    },
  });
  const address = `127.0.0.1:${sidecar.port}`;
  // With the filters the SDK derives from its registry: the stream takes only these names.
  const worker = new TaskHubGrpcWorker({ hostAddress: address, logger: quiet, workItemFilters: "auto" });
  worker.addNamedEntity("Counter", counter);
  worker.addOrchestrator(callCounter);
  worker.addOrchestrator(lockedIncrements);
  worker.addOrchestrator(lockAndForget);
  await worker.start();
  await until("the SDK worker's stream", async () => (remote.streams.size > 0 ? true : undefined));
  const client = new TaskHubGrpcClient({ hostAddress: address, logger: quiet });
  return {
    durable,
    sidecar,
    worker,
    client,
    async stop() {
      await client.stop();
      await worker.stop();
      await sidecar.stop();
      await durable.stop();
    },
  };
}

/** A rig on a fresh SQLite file for the suite it is called in (started before its tests, stopped after them). */
function useSqliteRig(prefix: string, options: { maxPayloadBytes?: number } = {}): Rig {
  let dir: string;
  let rig: Rig | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    rig = await startRig(sqliteTaskHub(join(dir, "hub.db")), options);
  });
  after(async () => {
    await rig?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const started = (): Rig => {
    if (!rig) throw new Error("The rig is not started.");
    return rig;
  };
  return {
    get durable() {
      return started().durable;
    },
    get sidecar() {
      return started().sidecar;
    },
    get worker() {
      return started().worker;
    },
    get client() {
      return started().client;
    },
    stop: () => started().stop(),
  };
}

/** The two orchestrations' critical sections serialize: the read-modify-write counter ends exact. */
async function locksSerialize(rig: Rig, key: string): Promise<void> {
  const { client } = rig.durable;
  const rounds = 3;
  const ids = await Promise.all([
    client.startNew("lockedIncrements", { input: { key, rounds } }),
    client.startNew("lockedIncrements", { input: { key, rounds } }),
  ]);
  for (const instanceId of ids) {
    const status = await client.waitForCompletion(instanceId, { timeoutMs: TIMEOUT });
    assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
  }
  // The last release travels with the last completion: the entity applies it in a later step.
  const entity = await until("the last release", async () => {
    const e = await rig.client.getEntity<number>(id(key));
    return e && e.lockedBy === undefined ? e : undefined;
  });
  assert.equal(entity.state, 2 * rounds);
}

describe("entities over the sidecar (SQLite file hub, durabletask-js worker and client)", () => {
  const rig = useSqliteRig("taskhub-sdk-entities-");

  it("keeps state across batches; a failing operation is rolled back alone and its caller sees the failure", async () => {
    const { client } = rig.durable;
    const instanceId = await client.startNew("callCounter", { input: "a" });
    const status = await client.waitForCompletion(instanceId, { timeoutMs: TIMEOUT });
    assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
    const output = status.output as { afterAdd: number; failure: string; read: number };
    assert.equal(output.afterAdd, 5);
    assert.match(output.failure, /boom at 5/);
    assert.equal(output.read, 5);
    // The signal the orchestration sent last is applied in a later batch, on the state the earlier ones left.
    const entity = await until("the signal's effect", async () => {
      const e = await rig.client.getEntity<number>(id("a"));
      return e?.state === 6 ? e : undefined;
    });
    assert.equal(entity.id.toString(), "@counter@a");
    // The failed operation's signal was rolled back with it.
    assert.equal(await rig.client.getEntity(id("never")), undefined);
    // The history records the entity messages under the SDK's action IDs.
    const history = await rig.durable.taskHub.getHistory(instanceId);
    const called = history.filter((e) => e.type === "EntityOperationCalled");
    assert.equal(called.length, 3);
    assert.deepEqual(
      called.map((e) => e.type === "EntityOperationCalled" && e.targetInstanceId),
      ["@counter@a", "@counter@a", "@counter@a"],
    );
  });

  it("serializes two orchestrations' critical sections (lockEntities)", async () => {
    await locksSerialize(rig, "locked");
  });

  it("releases the locks of an orchestration that ends inside its critical section", async () => {
    const { client } = rig.durable;
    for (let run = 1; run <= 2; run++) {
      const instanceId = await client.startNew("lockAndForget", { input: "forgot" });
      const status = await client.waitForCompletion(instanceId, { timeoutMs: TIMEOUT });
      assert.equal(status.runtimeStatus, "Completed", JSON.stringify(status.failureDetails));
      assert.equal(status.output, run); // the second run got the lock: the first one's was released
    }
    await until("the release", async () => {
      const e = await rig.client.getEntity<number>(id("forgot"));
      return e && e.lockedBy === undefined ? e : undefined;
    });
  });

  it("delivers signals an entity sends to another entity", async () => {
    await rig.client.signalEntity(id("from"), "forward", { key: "to", amount: 7 });
    await rig.client.signalEntity(id("from"), "forward", { key: "to", amount: 3 });
    const target = await until("the forwarded signals", async () => {
      const e = await rig.client.getEntity<number>(id("to"));
      return e?.state === 10 ? e : undefined;
    });
    assert.equal(target.state, 10);
    assert.equal((await rig.client.getEntity<number>(id("from")))?.state, 2);
  });

  it("signals (now and at a scheduled time), reads, queries with paging and cleans entities from the SDK client", async () => {
    const signalTime = new Date(Date.now() + 1500);
    await rig.client.signalEntity(id("later"), "add", 2, { signalTime });
    for (let i = 0; i < 5; i++) await rig.client.signalEntity(id(`page-${i}`), "add", i + 1);
    const later = await until("the scheduled signal", async () => {
      const e = await rig.client.getEntity<number>(id("later"));
      return e?.state === 2 ? e : undefined;
    });
    assert.ok(Date.now() >= signalTime.getTime() - 50, "the scheduled signal was not delivered early");
    assert.ok(later.lastModifiedTime.getTime() >= signalTime.getTime() - 1000);
    await until("the page entities", async () => {
      const last = await rig.client.getEntity<number>(id("page-4"));
      return last?.state === 5 ? true : undefined;
    });
    for (let i = 0; i < 4; i++)
      await until(`page-${i}`, async () =>
        (await rig.client.getEntity(id(`page-${i}`))) ? true : undefined,
      );

    const withoutState = await rig.client.getEntity(id("page-0"), false);
    assert.equal(withoutState?.includesState, false);
    assert.equal(await rig.client.getEntity(id("nobody")), undefined);

    const pages: { ids: string[]; states: unknown[] }[] = [];
    for await (const page of rig.client
      .getEntities<number>({ instanceIdStartsWith: "Counter@page-", pageSize: 2 })
      .asPages())
      pages.push({ ids: page.values.map((e) => e.id.toString()), states: page.values.map((e) => e.state) });
    assert.deepEqual(
      pages.flatMap((p) => p.ids).sort(),
      [0, 1, 2, 3, 4].map((i) => `@counter@page-${i}`),
    );
    assert.ok(pages.length >= 3, `expected pages of 2, got ${JSON.stringify(pages)}`);
    assert.ok(pages.every((p) => p.ids.length <= 2));
    assert.deepEqual(pages.flatMap((p) => p.states).sort(), [1, 2, 3, 4, 5]);
    // By name prefix, and with the last-modified bounds.
    const all: string[] = [];
    for await (const e of rig.client.getEntities({
      instanceIdStartsWith: "coun",
      lastModifiedFrom: new Date(0),
    }))
      all.push(e.id.toString());
    assert.ok(all.includes("@counter@page-3") && all.includes("@counter@later"));
    const none: string[] = [];
    for await (const e of rig.client.getEntities({ lastModifiedTo: new Date(0) })) none.push(e.id.toString());
    assert.deepEqual(none, []);

    // Deleting the state empties the entity (it removes itself); cleaning finds nothing else to do.
    await rig.client.signalEntity(id("page-0"), "delete");
    await until("the deleted entity", async () =>
      (await rig.client.getEntity(id("page-0"))) === undefined ? true : undefined,
    );
    const cleaned = await rig.client.cleanEntityStorage();
    assert.equal(cleaned.orphanedLocksReleased, 0);
    assert.equal((await rig.client.getEntity<number>(id("page-1")))?.state, 2);
  });
});

describe("entities over the sidecar (PostgreSQL)", () => {
  let rig: Rig;
  before(async () => {
    await requirePostgres();
    rig = await startRig(testHub());
  });
  after(async () => {
    await rig?.stop();
    await dropCreatedSchemas();
  });

  it("serializes two orchestrations' critical sections (lockEntities)", async () => {
    await locksSerialize(rig, "pg-locked");
  });
});

describe("entity work items on the wire (SQLite file hub, a raw protocol client as the SDK worker)", () => {
  let dir: string;
  let durable: DurableHost;
  let sidecar: RunningSidecar;
  let raw: InstanceType<ReturnType<typeof sidecarProtocol>["Client"]>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "taskhub-raw-entities-"));
    const taskHub = sqliteTaskHub(join(dir, "hub.db"));
    const remote = new SidecarRemoteWork(clockFor(taskHub));
    durable = await new DurableApp().start({ taskHub, remote, logger: quiet });
    sidecar = await startSidecar({ remote, port: 0, logger: quiet });
    raw = new (sidecarProtocol().Client)(`127.0.0.1:${sidecar.port}`, credentials.createInsecure());
  });
  after(async () => {
    raw.close();
    await sidecar.stop();
    await durable.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, request: object): Promise<ServiceError | undefined> =>
    new Promise((resolve) =>
      (raw as unknown as Record<string, (r: object, cb: (e: ServiceError | null) => void) => void>)[method]!(
        request,
        (error) => resolve(error ?? undefined),
      ),
    );

  it("sends v1 batches, retries a batch the worker failed as a whole, and applies the results and actions", async () => {
    const items: Record<string, unknown>[] = [];
    const stream = (raw as unknown as { GetWorkItems(r: object): NodeJS.ReadableStream }).GetWorkItems({});
    // Only entity work items are answered (the started orchestration's waits for its lease).
    stream.on("data", (item: Record<string, unknown>) => {
      if (item.entityRequest) items.push(item);
    });
    stream.on("error", () => undefined);
    const next = (): Promise<Record<string, unknown>> =>
      until("an entity work item", async () => items.shift());
    try {
      await durable.client.signalEntity("Counter", "x", "add", 1);
      const first = await next();
      const request = first.entityRequest as {
        instanceId: string;
        entityState: unknown;
        operations: { operation: string; input: { value: string } | null; requestId: string }[];
      };
      assert.equal(request.instanceId, "@counter@x");
      assert.equal(request.entityState, null);
      assert.deepEqual(
        request.operations.map((o) => [o.operation, o.input?.value]),
        [["add", "1"]],
      );
      // The worker's framework failed: nothing is kept, the batch comes again.
      assert.equal(
        await call("CompleteEntityTask", {
          completionToken: first.completionToken,
          failureDetails: { errorType: "Error", errorMessage: "framework failure" },
        }),
        undefined,
      );
      const again = await next();
      const retried = again.entityRequest as typeof request;
      assert.deepEqual(
        retried.operations.map((o) => o.requestId),
        request.operations.map((o) => o.requestId),
      );
      assert.equal((await durable.client.readEntityState("Counter", "x")).entityExists, false);
      // Now it succeeds, and its signal to another entity is sent.
      assert.equal(
        await call("CompleteEntityTask", {
          completionToken: again.completionToken,
          results: [{ success: { result: { value: "1" } } }],
          entityState: { value: "1" },
          actions: [
            { id: 0, sendSignal: { instanceId: "@Counter@y", name: "add", input: { value: "5" } } },
            {
              id: 1,
              startNewOrchestration: {
                instanceId: "started-by-x",
                name: "fromEntity",
                input: { value: '"hi"' },
              },
            },
          ],
        }),
        undefined,
      );
      const toY = await next();
      const forY = toY.entityRequest as typeof request;
      assert.equal(forY.instanceId, "@counter@y");
      assert.deepEqual(
        forY.operations.map((o) => [o.operation, o.input?.value]),
        [["add", "5"]],
      );
      await call("CompleteEntityTask", {
        completionToken: toY.completionToken,
        results: [{ success: {} }],
        entityState: { value: "5" },
      });
      assert.deepEqual(await durable.client.readEntityState("Counter", "x"), {
        entityExists: true,
        entityState: 1,
      });
      const y = await until("y's state", async () => {
        const state = await durable.client.readEntityState("Counter", "y");
        return state.entityExists ? state : undefined;
      });
      assert.equal(y.entityState, 5);
      const started = await durable.taskHub.getInstance("started-by-x");
      assert.equal(started?.name, "fromEntity");
      assert.equal(started?.input, '"hi"');
      // A completion whose token is not pending is refused.
      const stale = await call("CompleteEntityTask", { completionToken: again.completionToken, results: [] });
      assert.equal(stale?.code, grpcStatus.NOT_FOUND);
    } finally {
      (stream as unknown as { cancel(): void }).cancel();
    }
  });
});

describe("entity operation spans over the sidecar (SQLite file hub)", () => {
  const exporter = new InMemorySpanExporter();
  useInMemoryTracing(exporter);
  const rig = useSqliteRig("taskhub-sdk-entity-spans-");

  it("gives each operation an SDK worker runs its span, under the signal's span", async () => {
    await rig.client.signalEntity(id("traced"), "add", 4);
    await rig.client.signalEntity(id("traced"), "addThenFail");
    const spans = await until("the operations' spans", async () => {
      const finished = exporter.getFinishedSpans();
      const add = finished.find((s) => s.name === "entity:counter:add");
      const failed = finished.find((s) => s.name === "entity:counter:addThenFail");
      return add && failed ? { add, failed, finished } : undefined;
    });
    const signal = spans.finished.find(
      (s) =>
        s.name === "signal_entity:counter:add" && s.spanContext().traceId === spans.add.spanContext().traceId,
    );
    assert.ok(signal, "the client's signal span");
    assert.equal(spans.add.parentSpanContext?.spanId, signal.spanContext().spanId);
    assert.equal(spans.add.status.code, 0);
    assert.equal(spans.failed.status.code, 2); // ERROR: the operation failed
  });
});

describe("the payload limit on entity operations an SDK worker runs (SQLite file hub)", () => {
  const rig = useSqliteRig("taskhub-sdk-entity-limit-", { maxPayloadBytes: 1000 });

  it("fails the operation whose state is over the limit, and only it", async () => {
    await rig.client.signalEntity(id("big"), "add", 1);
    await rig.client.signalEntity(id("big"), "grow", 2000);
    await rig.client.signalEntity(id("big"), "add", 2);
    await rig.client.signalEntity(id("big"), "add", 10);
    const entity = await until("the last signal", async () => {
      const e = await rig.client.getEntity<number>(id("big"));
      return e?.state === 13 ? e : undefined;
    });
    assert.equal(entity.state, 13);
  });
});
