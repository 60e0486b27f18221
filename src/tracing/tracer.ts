/**
 * The tracer Taskhub's spans come from, through `@opentelemetry/api` only: the app (or `taskhub start`) registers an
 * SDK, or nothing is recorded. {@link tracingEnabled} lets the hot paths skip their span work when no tracer provider
 * is registered, so that tracing costs nothing then (not even the API's no-op spans).
 * @module
 */
import { ProxyTracerProvider, trace, type Tracer } from "@opentelemetry/api";

/** The instrumentation scope of Taskhub's spans. */
export const TRACER_NAME = "taskhub";

/**
 * Taskhub's tracer from the provider registered now (asked each time: the API's proxy tracer would stay bound to the
 * first provider it saw; providers cache their tracers by name).
 */
export function tracer(): Tracer {
  return trace.getTracerProvider().getTracer(TRACER_NAME);
}

/**
 * True when a tracer provider is registered globally (an SDK): spans may be recorded. False when the API's no-op is
 * all there is.
 */
export function tracingEnabled(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}
