/**
 * `taskhub start` pushes its metrics over OTLP when `OTEL_METRICS_EXPORTER=otlp`, to a real OTLP/HTTP receiver this
 * test runs on 127.0.0.1 (`http/json`, decoded here; `http/protobuf` checked for well-formed requests), next to the
 * Prometheus text it serves on `/metrics`; and only then.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { otlpMetricReaders, otlpMetricsRequested } from "../../src/host/otlp-metrics.js";
import { removeTempDirs, startServing, tempDir, type CliChild } from "../support/cli-process.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { eventually } from "../support/test-host.js";

const APP = fileURLToPath(new URL("../support/traced-app.ts", import.meta.url));

after(() => removeTempDirs());

interface JsonDataPoint {
  readonly asInt?: string | number;
  readonly asDouble?: number;
  readonly attributes?: readonly { key: string; value: { stringValue?: string } }[];
}
interface JsonMetric {
  readonly name: string;
  readonly sum?: { dataPoints: readonly JsonDataPoint[] };
}
interface JsonExport {
  resourceMetrics: { scopeMetrics: { metrics: JsonMetric[] }[] }[];
}

/** The value of counter `name` for orchestration `orchestration` in the latest JSON export that has it. */
function latestCount(receiver: OtlpReceiver, name: string, orchestration: string): number | undefined {
  let value: number | undefined;
  for (const request of receiver.requests) {
    if (request.path !== "/v1/metrics" || !request.contentType.includes("json")) continue;
    const body = JSON.parse(request.body.toString()) as JsonExport;
    for (const metric of body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)))
      if (metric.name === name)
        for (const point of metric.sum?.dataPoints ?? [])
          if (
            point.attributes?.some(
              (a) => a.key === "taskhub.orchestration.name" && a.value.stringValue === orchestration,
            )
          )
            value = Number(point.asInt ?? point.asDouble);
  }
  return value;
}

function startHost(dir: string, env: NodeJS.ProcessEnv): Promise<CliChild & { url: string }> {
  const flags = ["--hub", join(dir, "hub.db"), "--port", "0", "--host", "127.0.0.1", "--local-dev"];
  return startServing([APP, ...flags], dir, env);
}

async function completeOrders(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/api/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: `o${i}` }),
    });
    assert.equal(response.status, 202);
    const { statusQueryGetUri } = (await response.json()) as { statusQueryGetUri: string };
    await eventually(async () => {
      const status = (await (await fetch(statusQueryGetUri)).json()) as { runtimeStatus: string };
      assert.notEqual(status.runtimeStatus, "Failed");
      return status.runtimeStatus === "Completed";
    }, 30_000);
  }
}

const otlpEnv = (receiver: OtlpReceiver, protocol: string): NodeJS.ProcessEnv => ({
  OTEL_METRICS_EXPORTER: "otlp",
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_METRIC_EXPORT_INTERVAL: "200",
  OTEL_TRACES_EXPORTER: "none",
  OTEL_LOGS_EXPORTER: "none",
});

describe("taskhub start exports metrics over OTLP", () => {
  it("asks for OTLP metrics only when OTEL_METRICS_EXPORTER says otlp", async () => {
    assert.equal(otlpMetricsRequested({}), false);
    assert.equal(otlpMetricsRequested({ OTEL_METRICS_EXPORTER: "prometheus" }), false);
    assert.equal(otlpMetricsRequested({ OTEL_METRICS_EXPORTER: "prometheus, otlp" }), true);
    assert.equal(otlpMetricsRequested({ OTEL_METRICS_EXPORTER: "otlp", OTEL_SDK_DISABLED: "true" }), false);
    assert.deepEqual(await otlpMetricReaders({}), []);
    await assert.rejects(
      otlpMetricReaders({ OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "carrier-pigeon" }),
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf, http\/json or grpc, not 'carrier-pigeon'/,
    );
    await assert.rejects(
      otlpMetricReaders({ OTEL_METRICS_EXPORTER: "otlp", OTEL_METRIC_EXPORT_INTERVAL: "soon" }),
      /OTEL_METRIC_EXPORT_INTERVAL must be a positive number of milliseconds, not 'soon'/,
    );
  });

  it("http/json: the counters reach the receiver with the values /metrics serves", async () => {
    const receiver = await startOtlpReceiver();
    const host = await startHost(tempDir("taskhub-otlp-metrics-"), otlpEnv(receiver, "http/json"));
    try {
      await completeOrders(host.url, 3);
      // Periodic exports every 200 ms: the latest one catches up with the three completions.
      await eventually(
        async () => latestCount(receiver, "taskhub.orchestrations.completed", "Order") === 3,
        30_000,
      );
      const prometheus = await (await fetch(`${host.url}/metrics`)).text();
      assert.match(prometheus, /taskhub_orchestrations_completed(_total)?\{[^}]*"Order"[^}]*\} 3/);
    } finally {
      host.process.kill("SIGTERM");
      assert.equal(await host.exited, 0, host.output());
      await receiver.close();
    }
  });

  it("http/protobuf: well-formed protobuf requests naming the instruments", async () => {
    const receiver = await startOtlpReceiver();
    const host = await startHost(tempDir("taskhub-otlp-metrics-"), otlpEnv(receiver, "http/protobuf"));
    try {
      await completeOrders(host.url, 1);
      await eventually(
        async () =>
          receiver.requests.some(
            (r) =>
              r.path === "/v1/metrics" &&
              r.contentType === "application/x-protobuf" &&
              r.body.includes("taskhub.orchestrations.completed"),
          ),
        30_000,
      );
    } finally {
      host.process.kill("SIGTERM");
      assert.equal(await host.exited, 0, host.output());
      await receiver.close();
    }
  });

  it("pushes nothing without OTEL_METRICS_EXPORTER", async () => {
    const receiver = await startOtlpReceiver();
    const host = await startHost(tempDir("taskhub-otlp-metrics-"), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_EXPORTER: "none",
    });
    try {
      await completeOrders(host.url, 1);
    } finally {
      host.process.kill("SIGTERM");
      assert.equal(await host.exited, 0, host.output());
    }
    // Stopped: a periodic reader would have flushed on shutdown.
    assert.deepEqual(
      receiver.requests.filter((r) => r.path === "/v1/metrics"),
      [],
    );
    await receiver.close();
  });
});
