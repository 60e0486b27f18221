/**
 * The benchmark's telemetry mode (`--telemetry`): traces and metrics on, exported over OTLP (`http/protobuf`) to a
 * local receiver in a child process (`otlp-sink.ts`), set up by the same code as `taskhub start` with the same
 * `OTEL_*` variables: the host's `startTelemetry` (the OpenTelemetry Node SDK for traces, with Taskhub's
 * `DurableIdGenerator`; batched as the SDK defaults) and its metrics (`createHostMetrics` with the OTLP reader of
 * `otlpMetricReaders`, exporting every second so that the export cost shows within a workload). Every worker made
 * after {@link startBenchTelemetry} records spans and metrics through the global providers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createHostMetrics } from "../src/host/metrics-setup.js";
import { otlpMetricReaders } from "../src/host/otlp-metrics.js";
import { startTelemetry } from "../src/host/telemetry.js";

/** What the receiver got, per path (`/v1/traces`, `/v1/metrics`). */
export type ReceivedTelemetry = Record<string, { requests: number; bytes: number }>;

/** A running telemetry mode. */
export interface BenchTelemetry {
  /** Flushes the SDK, stops it and the receiver; resolves with what the receiver got. */
  stop(): Promise<ReceivedTelemetry>;
}

const sinkScript = fileURLToPath(new URL("./otlp-sink.ts", import.meta.url));

async function startSink(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", sinkScript], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`The OTLP sink did not start: ${line.toString()}`);
  return { child, port };
}

/** Which signals the telemetry mode turns on (`--telemetry` is both). */
export type TelemetrySignals = "both" | "traces" | "metrics";

/** Starts the receiver and the SDK (traces and/or metrics exported to it). */
export async function startBenchTelemetry(signals: TelemetrySignals = "both"): Promise<BenchTelemetry> {
  const { child, port } = await startSink();
  const endpoint = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    OTEL_TRACES_EXPORTER: signals === "metrics" ? "none" : "otlp",
    OTEL_METRICS_EXPORTER: signals === "traces" ? "none" : "otlp",
    OTEL_LOGS_EXPORTER: "none",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_METRIC_EXPORT_INTERVAL: "1000",
    OTEL_SERVICE_NAME: "taskhub-bench",
  });
  // As `taskhub start`: the SDK for traces (main.ts), then the host's metrics (host.ts), registered globally.
  const traces = await startTelemetry(process.env);
  const metrics = signals === "traces" ? undefined : createHostMetrics(await otlpMetricReaders(process.env));
  return {
    async stop() {
      await metrics?.shutdown();
      await traces?.shutdown();
      const response = await fetch(`${endpoint}/counts`);
      const received = (await response.json()) as ReceivedTelemetry;
      child.kill("SIGTERM");
      await once(child, "exit");
      return received;
    },
  };
}
