/**
 * OpenTelemetry export for `taskhub start`, configured by the standard `OTEL_*` variables. With
 * `OTEL_TRACES_EXPORTER` (other than `none`) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, the host starts the OpenTelemetry Node SDK before the worker, which then
 * exports Taskhub's spans (OTLP over `http/protobuf` by default; `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` or `grpc`;
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, sampling and batching variables as the SDK reads them), and
 * flushes them when the host stops. Without them nothing is exported and the SDK is not even loaded. The SDK is set up
 * for traces only: the host's metrics have their own provider (`metrics-setup.ts`), exported over OTLP by
 * `otlp-metrics.ts` when `OTEL_METRICS_EXPORTER=otlp`; `OTEL_LOGS_EXPORTER` is not read.
 * @module
 */
import { DurableIdGenerator } from "../tracing/span-ids.js";

/** The SDK as the host runs it. */
export interface Telemetry {
  /** What is exported where, for the log. */
  readonly description: string;
  /** Flushes what is buffered and stops the SDK. Never rejects. */
  shutdown(): Promise<void>;
}

/** True when the environment asks for traces to be exported. */
export function tracesRequested(env: NodeJS.ProcessEnv): boolean {
  if (/^(true|1)$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? "")) return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (exporters.length > 0) return !exporters.every((s) => s === "none");
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Starts the OpenTelemetry SDK when the environment asks for it (see the module comment); `undefined` otherwise. */
export async function startTelemetry(env: NodeJS.ProcessEnv = process.env): Promise<Telemetry | undefined> {
  if (!tracesRequested(env)) return undefined;
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const sdk = new NodeSDK({
    // Orchestration spans get the IDs their children named before they were emitted (see span-ids.ts).
    idGenerator: new DurableIdGenerator(),
    instrumentations: [],
    // Traces only: the host's metrics have their own provider (metrics-setup.ts, served on /metrics), and Taskhub
    // writes no OpenTelemetry logs. Left to the environment, the SDK would start OTLP metric and log exporters too.
    metricReaders: [],
    logRecordProcessors: [],
    ...(env.OTEL_SERVICE_NAME?.trim() ? {} : { serviceName: "taskhub" }),
  });
  sdk.start();
  const exporter = env.OTEL_TRACES_EXPORTER?.trim() || "otlp";
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ||
    "http/protobuf";
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() ||
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ||
    "the default endpoint";
  return {
    description: exporter.includes("otlp")
      ? `traces: ${exporter} (${protocol}) to ${endpoint}`
      : `traces: ${exporter}`,
    shutdown: () => sdk.shutdown().catch(() => undefined),
  };
}
