/**
 * `taskhub start` exports traces over OTLP with the standard OTEL_* variables, to a real OTLP/HTTP receiver this test
 * runs on 127.0.0.1. Two `taskhub start` processes share one SQLite hub file; the first serves the HTTP starter and
 * has its only activity slot held, so the second runs every activity of the order. One HTTP start with a
 * `traceparent` header gives one trace: the request, the create span, the orchestration span and each activity, each
 * the child of the one before (activities → orchestration across processes), flushed when both stop on SIGTERM.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { tracesRequested } from "../../src/host/telemetry.js";
import { removeTempDirs, startServing, tempDir, type CliChild } from "../support/cli-process.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { eventually } from "../support/test-host.js";

const APP = fileURLToPath(new URL("../support/traced-app.ts", import.meta.url));
const SERVER = 2;
const PRODUCER = 4;

after(() => removeTempDirs());

function otelEnv(receiver: OtlpReceiver, protocol: string, service: string): NodeJS.ProcessEnv {
  return {
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_SERVICE_NAME: service,
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  };
}

function startCli(args: string[], dir: string, env: NodeJS.ProcessEnv): Promise<CliChild & { url: string }> {
  return startServing([APP, "--port", "0", "--host", "127.0.0.1", "--local-dev", ...args], dir, env);
}

async function stop(child: CliChild): Promise<void> {
  child.process.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
}

/** Starts an order over HTTP with `traceparent` and waits for it to complete; returns its instance ID. */
async function placeOrder(url: string, traceparent: string, orderId: string): Promise<string> {
  const response = await fetch(`${url}/api/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent },
    body: JSON.stringify({ id: orderId }),
  });
  assert.equal(response.status, 202);
  const body = (await response.json()) as { id: string; statusQueryGetUri: string };
  await eventually(async () => {
    const status = (await (await fetch(body.statusQueryGetUri)).json()) as { runtimeStatus: string };
    assert.notEqual(status.runtimeStatus, "Failed");
    return status.runtimeStatus === "Completed";
  }, 30_000);
  return body.id;
}

const randomHex = (bytes: number): string =>
  Array.from({ length: bytes }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, "0"),
  ).join("");

describe("taskhub start exports traces over OTLP", () => {
  it("asks for the SDK only when the OTEL_* variables ask for traces", () => {
    assert.equal(tracesRequested({}), false);
    assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: "none" }), false);
    assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: "otlp" }), true);
    assert.equal(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318" }), true);
    assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: "otlp", OTEL_SDK_DISABLED: "true" }), false);
  });

  it("http/json: one trace from the request's traceparent to activities run by a second process", async () => {
    const receiver = await startOtlpReceiver();
    const dir = tempDir("taskhub-otlp-");
    const hub = join(dir, "hub.db");
    const marker = join(dir, "held");
    const children: CliChild[] = [];
    try {
      const front = await startCli(
        ["--hub", hub, "--max-concurrent-activities", "1"],
        dir,
        otelEnv(receiver, "http/json", "front"),
      );
      children.push(front);
      assert.match(front.output(), /OpenTelemetry: exporting traces: otlp \(http\/json\)/);
      // The front's one activity slot is held from now on (until it stops).
      const held = await fetch(`${front.url}/api/block`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(marker),
      });
      assert.equal(held.status, 202);
      await eventually(async () => existsSync(marker), 30_000);
      const back = await startCli(["--hub", hub], dir, otelEnv(receiver, "http/json", "back"));
      children.push(back);

      const traceId = randomHex(16);
      const callerSpanId = randomHex(8);
      const instanceId = await placeOrder(front.url, `00-${traceId}-${callerSpanId}-01`, "o1");
      await stop(back);
      await stop(front);
      children.length = 0;

      const spans = receiver.spans();
      const inTrace = spans.filter((s) => s.traceId === traceId);
      const only = (name: string): ReceivedSpan => {
        const found = inTrace.filter((s) => s.name === name);
        assert.equal(found.length, 1, `one '${name}' in ${inTrace.map((s) => s.name).join(", ")}`);
        return found[0]!;
      };
      const request = only("POST /api/orders");
      assert.equal(request.parentSpanId, callerSpanId, "the request span continues the caller's trace");
      assert.equal(request.kind, SERVER);
      assert.equal(request.service, "front");
      const create = only("create_orchestration:Order");
      assert.equal(create.parentSpanId, request.spanId);
      assert.equal(create.kind, PRODUCER);
      const orchestration = only("orchestration:Order");
      assert.equal(orchestration.parentSpanId, create.spanId);
      assert.equal(orchestration.attributes["durabletask.task.instance_id"], instanceId);
      assert.equal(orchestration.attributes["durabletask.type"], "orchestration");
      assert.ok(orchestration.startMs <= create.endMs && orchestration.endMs >= orchestration.startMs);
      for (const name of ["Charge", "Reserve", "Email"]) {
        const activity = only(`activity:${name}`);
        assert.equal(activity.parentSpanId, orchestration.spanId, `activity:${name} → orchestration`);
        assert.equal(activity.service, "back", `activity:${name} ran in the second process`);
        assert.equal(activity.kind, SERVER);
        assert.equal(activity.attributes["durabletask.task.attempt"], 1);
        assert.equal(activity.attributes["durabletask.task.outcome"], "Completed");
      }
      assert.equal(spans.filter((s) => s.name === "orchestration:Order").length, 1, "emitted once");
    } finally {
      for (const child of children) child.process.kill("SIGKILL");
      await receiver.close();
    }
  });

  it("http/protobuf: well-formed protobuf requests carrying the trace", async () => {
    const receiver = await startOtlpReceiver();
    const dir = tempDir("taskhub-otlp-");
    const child = await startCli(
      ["--hub", join(dir, "hub.db")],
      dir,
      otelEnv(receiver, "http/protobuf", "proto"),
    );
    try {
      const traceId = randomHex(16);
      await placeOrder(child.url, `00-${traceId}-${randomHex(8)}-01`, "p1");
    } finally {
      await stop(child);
      await receiver.close();
    }
    assert.ok(receiver.requests.length > 0, "the receiver got requests");
    for (const request of receiver.requests) {
      assert.equal(request.contentType, "application/x-protobuf");
      assert.ok(request.body.length > 0);
    }
    const all = Buffer.concat(receiver.requests.map((r) => r.body));
    for (const name of ["orchestration:Order", "activity:Charge", "create_orchestration:Order", "proto"])
      assert.ok(all.includes(Buffer.from(name)), `the requests carry '${name}'`);
  });
});
