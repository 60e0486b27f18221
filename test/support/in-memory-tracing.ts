/**
 * OpenTelemetry in a test suite: registers a tracer provider (with an async-hooks context manager) exporting to
 * `exporter` before the suite's tests, and removes it after them.
 */
import { after, before } from "node:test";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type InMemorySpanExporter,
} from "@opentelemetry/sdk-trace-base";

/** Call inside a `describe`: its tests run with a global tracer provider that exports every span to `exporter`. */
export function useInMemoryTracing(exporter: InMemorySpanExporter): void {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
}
