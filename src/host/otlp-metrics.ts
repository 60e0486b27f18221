/**
 * OTLP export of the host's metrics, configured by the standard variables: with `OTEL_METRICS_EXPORTER=otlp` (and the
 * SDK not disabled by `OTEL_SDK_DISABLED`), a periodic reader on the host's `MeterProvider` (next to the Prometheus
 * reader of `/metrics`) pushes every instrument to the OTLP endpoint (`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) every `OTEL_METRIC_EXPORT_INTERVAL` milliseconds (default 60,000), over the protocol
 * `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL` names (`http/protobuf` by default,
 * `http/json`, `grpc`). The exporters read their endpoint, headers and timeouts from the environment themselves, and
 * are loaded only when asked for.
 * @module
 */
import type { MetricReader } from "@opentelemetry/sdk-metrics";

/** True when the environment asks for the host's metrics over OTLP. */
export function otlpMetricsRequested(env: NodeJS.ProcessEnv): boolean {
  if (/^(true|1)$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? "")) return false;
  return (env.OTEL_METRICS_EXPORTER ?? "").split(",").some((s) => s.trim().toLowerCase() === "otlp");
}

/** Milliseconds from a variable, else `fallback`; a value that is no positive integer is an error. */
function millis(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive number of milliseconds, not '${text}'.`);
  return value;
}

/** The readers that export over OTLP, as the environment asks: none, or one periodic reader. */
export async function otlpMetricReaders(env: NodeJS.ProcessEnv = process.env): Promise<MetricReader[]> {
  if (!otlpMetricsRequested(env)) return [];
  const interval = millis(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000);
  const timeout = Math.min(millis(env, "OTEL_METRIC_EXPORT_TIMEOUT", 30_000), interval);
  const protocol = (
    env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL?.trim() ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ||
    "http/protobuf"
  ).toLowerCase();
  const { PeriodicExportingMetricReader } = await import("@opentelemetry/sdk-metrics");
  const exporter =
    protocol === "http/json"
      ? new (await import("@opentelemetry/exporter-metrics-otlp-http")).OTLPMetricExporter()
      : protocol === "grpc"
        ? new (await import("@opentelemetry/exporter-metrics-otlp-grpc")).OTLPMetricExporter()
        : protocol === "http/protobuf"
          ? new (await import("@opentelemetry/exporter-metrics-otlp-proto")).OTLPMetricExporter()
          : undefined;
  if (!exporter)
    throw new Error(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf, http/json or grpc, not '${protocol}'.`,
    );
  return [
    new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: interval,
      exportTimeoutMillis: timeout,
    }),
  ];
}
