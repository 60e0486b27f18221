/**
 * The host's OpenTelemetry metrics: a `MeterProvider` (`@opentelemetry/sdk-metrics`) whose reader is the Prometheus
 * exporter of `@opentelemetry/exporter-prometheus` with its own server never started (`preventServerStart`): each
 * `GET /metrics` collects from the reader and serializes the result with the exporter's `PrometheusSerializer`. The
 * provider goes to the host's worker explicitly, and is registered as the global one when no other is, so that app
 * code using `metrics.getMeter(...)` shows up on `/metrics` too. Kept in its own file so that a Node SDK setup
 * (traces, OTLP export of metrics) can add readers to the same provider.
 * @module
 */
import { metrics } from "@opentelemetry/api";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { MeterProvider, type MetricReader } from "@opentelemetry/sdk-metrics";

/** The media type of the Prometheus text exposition format served. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The host's metrics: the provider its worker records with, and the Prometheus text of what it holds. */
export interface HostMetrics {
  /** The provider to give the worker (`WorkerOptions.meterProvider`). */
  readonly meterProvider: MeterProvider;
  /** Collects every instrument (observable gauges call back now) and serializes the result as Prometheus text. */
  prometheusText(): Promise<string>;
  /** Shuts the provider down, and unregisters it when it was registered as the global one (idempotent). */
  shutdown(): Promise<void>;
}

/**
 * Makes the host's metrics. The resource has the standard `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` over
 * the SDK's defaults (`service.name` defaults to `taskhub`).
 * @param exporting Readers beside the Prometheus one (the OTLP export of `otlp-metrics.ts`).
 */
export function createHostMetrics(exporting: readonly MetricReader[] = []): HostMetrics {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": "taskhub" }))
    .merge(detectResources({ detectors: [envDetector] }));
  const meterProvider = new MeterProvider({ resource, readers: [reader, ...exporting] });
  const registered = metrics.setGlobalMeterProvider(meterProvider);
  const serializer = new PrometheusSerializer();
  let stopped: Promise<void> | undefined;
  return {
    meterProvider,
    async prometheusText() {
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () =>
      (stopped ??= (async () => {
        if (registered && metrics.getMeterProvider() === meterProvider) metrics.disable();
        await meterProvider.shutdown();
      })()),
  };
}
