/**
 * Spans around a client's (or an HTTP route's) requests that start work elsewhere: `create_orchestration:<name>`,
 * `orchestration_event:<name>`, `signal_entity:<entity>:<operation>`. Each is a PRODUCER span under the caller's
 * active context (an HTTP starter makes the request's `traceparent` active), and its trace context is what the
 * request stores in history for the work it starts.
 * @module
 */
import { SpanKind, type Attributes } from "@opentelemetry/api";
import { toFailureDetails } from "../core/failure.js";
import type { TraceContext } from "../core/trace-context.js";
import { recordFailure } from "./failures.js";
import { traceContextOf } from "./span-context.js";
import { tracer, tracingEnabled } from "./tracer.js";

/**
 * Runs `send` under a PRODUCER span named `name`, giving it the span's trace context to store (`undefined` when no
 * tracer provider is registered: then no span work is done). An error `send` throws is recorded on the span, and
 * thrown on.
 */
export async function withProducerSpan<T>(
  name: string,
  attributes: () => Attributes,
  send: (traceContext: TraceContext | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return send(undefined);
  const span = tracer().startSpan(name, { kind: SpanKind.PRODUCER });
  if (span.isRecording()) span.setAttributes(attributes());
  try {
    // Not made active around `send`: the local worker runs the work it starts from this call (the first step, and the
    // activities and steps that follow it), which would all inherit the client's context; the work joins the trace
    // through the stored trace context instead. (Active, it cost a fifth of the worker's CPU with tracing on.)
    return await send(traceContextOf(span));
  } catch (error) {
    if (span.isRecording()) recordFailure(span, toFailureDetails(error));
    throw error;
  } finally {
    span.end();
  }
}
