/**
 * OpenTelemetry traces in one process, on real SQLite files, exported to an in-memory exporter: one orchestration span
 * per execution however many episodes and replays (a worker restart included), with the span ID its activities named
 * from the first episode on; timers from creation to firing; sub-orchestrations under their parent's span; entity
 * operations; failures recorded; and nothing at all when no tracer provider is registered.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { DurableApp, RetryPolicy, sqliteTaskHub, type HistoryEvent } from "../../src/index.js";
import { tracingEnabled } from "../../src/tracing/tracer.js";
import { useInMemoryTracing } from "../support/in-memory-tracing.js";
import { MemoryLog, eventually } from "../support/test-host.js";
import { MGMT, startTestHost } from "../http/http-test-host.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-traces-"));
let n = 0;
const hubFile = () => join(dir, `hub-${n++}.db`);
const exporter = new InMemorySpanExporter();

function traceApp() {
  const app = new DurableApp();
  app.activity("Step", async (i: number) => {
    // A span of the activity's own code: a child of the activity's span.
    trace.getTracer("user-code").startSpan("user:step").end();
    return i * 2;
  });
  let failures = 0;
  app.activity("Flaky", async () => {
    failures++;
    throw new Error(`flaky failure ${failures}`);
  });
  app.orchestration("Chain", async (ctx) => {
    const results: number[] = [];
    for (let i = 0; i < 3; i++) {
      results.push(await ctx.callActivity<number>("Step", i));
      await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 30));
    }
    ctx.setCustomStatus("waiting");
    const go = await ctx.waitForExternalEvent<string>("Go");
    results.push(await ctx.callActivity<number>("Step", 10));
    return { results, go };
  });
  app.orchestration("Child", async (ctx, x: number) => ctx.callActivity<number>("Step", x));
  app.orchestration("Parent", async (ctx) => {
    const a = await ctx.callSubOrchestrator<number>("Child", 1);
    ctx.sendEvent("nobody-listens", "Ping", a);
    return a;
  });
  app.orchestration("Fails", async (ctx) => {
    const retry = new RetryPolicy({ firstRetryIntervalMs: 10, maxNumberOfAttempts: 2 });
    await ctx.callActivity("Flaky", undefined, { retry });
  });
  app.orchestration("Eternal", async (ctx, generation: number) => {
    await ctx.callActivity("Step", generation);
    if (generation < 2) ctx.continueAsNew(generation + 1);
    return generation;
  });
  app.entity("Counter", {
    initialState: () => 0,
    operations: { add: (state, by: number) => state + by, get: (state) => state },
  });
  app.orchestration("UsesEntity", async (ctx) => {
    await ctx.callEntity("Counter", "c1", "add", 2);
    return ctx.callEntity<number>("Counter", "c1", "get");
  });
  return app;
}

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = named(name);
  assert.equal(
    found.length,
    1,
    `one span '${name}' (got ${found.length}: ${spans()
      .map((s) => s.name)
      .join(", ")})`,
  );
  return found[0]!;
};
/** The span `name`, once emitted (an orchestration span follows its step's commit, which a waiting client sees). */
const emitted = async (name: string): Promise<ReadableSpan> => {
  await eventually(async () => named(name).length > 0, 10_000);
  return one(name);
};
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

after(() => rmSync(dir, { recursive: true, force: true }));

describe("no tracer provider", () => {
  it("records no trace context and makes no spans", async () => {
    assert.equal(tracingEnabled(), false);
    const host = await traceApp().start({ taskHub: sqliteTaskHub(hubFile()), logger: new MemoryLog() });
    try {
      const id = await host.client.startNew("Parent");
      const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
      assert.equal(status.runtimeStatus, "Completed");
      const history = await host.client.getStatus(id, { showHistory: true });
      assert.doesNotMatch(JSON.stringify(history), /parentTraceContext|traceParent/);
    } finally {
      await host.stop();
    }
  });
});

describe("traces", () => {
  useInMemoryTracing(exporter);

  it("emits one orchestration span over many episodes and a worker restart, parent of every activity", async () => {
    exporter.reset();
    const file = hubFile();
    const root = trace.getTracer("test").startSpan("test-request");
    let host = await traceApp().start({ taskHub: sqliteTaskHub(file), logger: new MemoryLog() });
    let id: string;
    try {
      id = await context.with(trace.setSpan(context.active(), root), () => host.client.startNew("Chain"));
      await eventually(async () => (await host.client.getStatus(id))?.customStatus === "waiting", 20_000);
    } finally {
      await host.stop();
    }
    assert.equal(named("orchestration:Chain").length, 0, "not emitted before the execution ends");
    // Another worker (no session cache: it replays the history) finishes the instance.
    host = await traceApp().start({ taskHub: sqliteTaskHub(file), logger: new MemoryLog() });
    try {
      await host.client.raiseEvent(id, "Go", "now");
      const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
      assert.equal(status.runtimeStatus, "Completed");
      root.end();

      const orchestration = await emitted("orchestration:Chain");
      const create = one("create_orchestration:Chain");
      const traceId = root.spanContext().traceId;
      assert.equal(create.spanContext().traceId, traceId);
      assert.equal(parentOf(create), root.spanContext().spanId);
      assert.equal(create.kind, SpanKind.PRODUCER);
      assert.equal(orchestration.spanContext().traceId, traceId);
      assert.equal(parentOf(orchestration), create.spanContext().spanId);
      assert.equal(orchestration.kind, SpanKind.SERVER);
      assert.equal(orchestration.attributes["durabletask.type"], "orchestration");
      assert.equal(orchestration.attributes["durabletask.task.instance_id"], id);
      assert.equal(orchestration.attributes["durabletask.task.status"], "Completed");

      const history = (await host.client.getStatus(id, { showHistory: true }))!.history as HistoryEvent[];
      const started = history.find((e) => e.type === "ExecutionStarted")!;
      const startMs = Date.parse(started.timestamp);
      assert.equal(hrMs(orchestration.startTime), startMs, "starts at its ExecutionStarted");
      assert.ok(hrMs(orchestration.endTime) >= Date.parse(history.at(-1)!.timestamp) - 1);

      const activities = named("activity:Step");
      assert.equal(activities.length, 4, "one span per activity attempt");
      for (const activity of activities) {
        assert.equal(activity.spanContext().traceId, traceId);
        assert.equal(parentOf(activity), orchestration.spanContext().spanId, "activity → orchestration");
        assert.equal(activity.attributes["durabletask.task.attempt"], 1);
        assert.equal(activity.attributes["durabletask.task.outcome"], "Completed");
      }
      const user = named("user:step");
      assert.equal(user.length, 4);
      assert.ok(user.every((u) => activities.some((a) => a.spanContext().spanId === parentOf(u))));

      const timers = named("timer");
      assert.equal(timers.length, 3);
      const created = history.filter((e) => e.type === "TimerCreated").map((e) => Date.parse(e.timestamp));
      assert.deepEqual(
        timers.map((t) => hrMs(t.startTime)).sort(),
        created.sort(),
        "timers start at TimerCreated",
      );
      for (const timer of timers) assert.equal(parentOf(timer), orchestration.spanContext().spanId);

      // The history stores the trace context: the start's parent, the activities' parent.
      assert.equal(
        started.type === "ExecutionStarted" && started.parentTraceContext?.traceParent.split("-")[2],
        create.spanContext().spanId,
      );
      const scheduled = history.filter((e) => e.type === "TaskScheduled");
      for (const e of scheduled)
        assert.equal(e.parentTraceContext?.traceParent.split("-")[2], orchestration.spanContext().spanId);

      const event = one("orchestration_event:Go");
      assert.equal(event.kind, SpanKind.PRODUCER);
    } finally {
      await host.stop();
    }
  });

  it("puts a sub-orchestration under its parent's span, and shows sent events", async () => {
    exporter.reset();
    const host = await traceApp().start({ taskHub: sqliteTaskHub(hubFile()), logger: new MemoryLog() });
    try {
      const id = await host.client.startNew("Parent");
      assert.equal(
        (await host.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus,
        "Completed",
      );
      const parent = await emitted("orchestration:Parent");
      const child = await emitted("orchestration:Child");
      const step = one("activity:Step");
      assert.equal(parentOf(child), parent.spanContext().spanId);
      assert.equal(parentOf(step), child.spanContext().spanId);
      assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
      const sent = one("orchestration_event:Ping");
      assert.equal(parentOf(sent), parent.spanContext().spanId);
      assert.equal(sent.attributes["durabletask.event.target_instance_id"], "nobody-listens");
    } finally {
      await host.stop();
    }
  });

  it("gives each execution of a continue-as-new chain its own span, under the same create span", async () => {
    exporter.reset();
    const host = await traceApp().start({ taskHub: sqliteTaskHub(hubFile()), logger: new MemoryLog() });
    try {
      const id = await host.client.startNew("Eternal", { input: 0 });
      assert.equal(
        (await host.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus,
        "Completed",
      );
      await eventually(async () => named("orchestration:Eternal").length === 3, 10_000);
      const executions = named("orchestration:Eternal");
      const create = one("create_orchestration:Eternal");
      assert.equal(new Set(executions.map((e) => e.spanContext().spanId)).size, 3);
      assert.equal(new Set(executions.map((e) => e.attributes["durabletask.task.execution_id"])).size, 3);
      for (const execution of executions) assert.equal(parentOf(execution), create.spanContext().spanId);
      assert.deepEqual(executions.map((e) => e.attributes["durabletask.task.status"]).sort(), [
        "Completed",
        "ContinuedAsNew",
        "ContinuedAsNew",
      ]);
      const steps = named("activity:Step");
      assert.equal(steps.length, 3);
      for (const step of steps)
        assert.ok(
          executions.some((e) => e.spanContext().spanId === parentOf(step)),
          "each step under its execution",
        );
    } finally {
      await host.stop();
    }
  });

  it("honours a traceparent on the management API's start route", async () => {
    exporter.reset();
    const host = await startTestHost(traceApp());
    try {
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const response = await host.fetch(`${MGMT}/orchestrators/Parent`, {
        method: "POST",
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "vendor=1" },
      });
      assert.equal(response.status, 202);
      const { id } = (await response.json()) as { id: string };
      assert.equal(
        (await host.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus,
        "Completed",
      );
      const orchestration = await emitted("orchestration:Parent");
      const request = one(`POST ${MGMT}/orchestrators/Parent`);
      assert.equal(request.kind, SpanKind.SERVER);
      assert.equal(parentOf(request), "00f067aa0ba902b7");
      assert.equal(request.spanContext().traceId, traceId);
      assert.equal(request.attributes["http.response.status_code"], 202);
      const create = one("create_orchestration:Parent");
      assert.equal(parentOf(create), request.spanContext().spanId);
      assert.equal(parentOf(orchestration), create.spanContext().spanId);
      assert.equal(orchestration.spanContext().traceId, traceId);
      assert.equal(orchestration.spanContext().traceState?.get("vendor"), "1");
      // A malformed traceparent is ignored: a trace of its own.
      exporter.reset();
      const other = await host.fetch(`${MGMT}/orchestrators/Child`, {
        method: "POST",
        headers: { traceparent: "00-not-a-trace-01", "content-type": "application/json" },
        body: "3",
      });
      assert.equal(other.status, 202);
      await emitted("orchestration:Child");
      assert.equal(parentOf(one(`POST ${MGMT}/orchestrators/Child`)), undefined);
    } finally {
      await host.close();
    }
  });

  it("records failures on the activity attempts and the orchestration", async () => {
    exporter.reset();
    const host = await traceApp().start({ taskHub: sqliteTaskHub(hubFile()), logger: new MemoryLog() });
    try {
      const id = await host.client.startNew("Fails");
      assert.equal((await host.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus, "Failed");
      const attempts = named("activity:Flaky").sort(
        (a, b) =>
          Number(a.attributes["durabletask.task.attempt"]) - Number(b.attributes["durabletask.task.attempt"]),
      );
      assert.deepEqual(
        attempts.map((a) => a.attributes["durabletask.task.attempt"]),
        [1, 2],
      );
      for (const attempt of attempts) {
        assert.equal(attempt.status.code, SpanStatusCode.ERROR);
        assert.equal(attempt.attributes["durabletask.task.outcome"], "Failed");
        assert.equal(attempt.attributes["error.type"], "Error");
        const exception = attempt.events.find((e) => e.name === "exception");
        assert.match(String(exception?.attributes?.["exception.message"]), /flaky failure/);
        assert.ok(exception?.attributes?.["exception.stacktrace"]);
      }
      const orchestration = await emitted("orchestration:Fails");
      assert.equal(orchestration.status.code, SpanStatusCode.ERROR);
      assert.equal(orchestration.attributes["error.type"], "TaskFailedError");
      assert.equal(orchestration.attributes["durabletask.task.status"], "Failed");
      for (const attempt of attempts) assert.equal(parentOf(attempt), orchestration.spanContext().spanId);
    } finally {
      await host.stop();
    }
  });

  it("traces entity operations under their caller: an orchestration, a client's signal", async () => {
    exporter.reset();
    const host = await traceApp().start({ taskHub: sqliteTaskHub(hubFile()), logger: new MemoryLog() });
    try {
      const id = await host.client.startNew("UsesEntity");
      const status = await host.client.waitForCompletion(id, { timeoutMs: 20_000 });
      assert.equal(status.runtimeStatus, "Completed");
      const orchestration = await emitted("orchestration:UsesEntity");
      const add = named("entity:counter:add");
      assert.equal(
        add.length,
        1,
        spans()
          .map((s) => s.name)
          .join(", "),
      );
      assert.equal(parentOf(add[0]!), orchestration.spanContext().spanId);
      assert.equal(parentOf(one("entity:counter:get")), orchestration.spanContext().spanId);
      assert.equal(add[0]!.attributes["durabletask.entity.operation"], "add");

      await host.client.signalEntity("Counter", "c1", "add", 5);
      await eventually(async () => named("entity:counter:add").length === 2, 20_000);
      const signal = one("signal_entity:counter:add");
      const signalled = named("entity:counter:add").find((s) => s !== add[0])!;
      assert.equal(parentOf(signalled), signal.spanContext().spanId);
    } finally {
      await host.stop();
    }
  });
});

function hrMs(time: [number, number]): number {
  return Math.round(time[0] * 1000 + time[1] / 1e6);
}
