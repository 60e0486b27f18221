/**
 * Conversions between the trace contexts stored in history ({@link TraceContext}) and OpenTelemetry contexts.
 * @module
 */
import {
  ROOT_CONTEXT,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
  type SpanContext,
} from "@opentelemetry/api";
import { formatTraceParent, parseTraceParent, type TraceContext } from "../core/trace-context.js";

/** The remote span context a stored trace context names, or `undefined` when there is none (or it is malformed). */
export function spanContextOf(stored: TraceContext | undefined): SpanContext | undefined {
  const parts = parseTraceParent(stored?.traceParent);
  if (!parts) return undefined;
  return {
    traceId: parts.traceId,
    spanId: parts.spanId,
    traceFlags: parts.traceFlags,
    isRemote: true,
    ...(stored?.traceState !== undefined ? { traceState: createTraceState(stored.traceState) } : {}),
  };
}

/** A context whose parent span is the stored one; the root context when there is none. */
export function contextOf(stored: TraceContext | undefined): Context {
  const parent = spanContextOf(stored);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/** The trace context to store for `span` (`undefined` when its span context is not valid: no SDK). */
export function traceContextOf(span: Span | SpanContext): TraceContext | undefined {
  const context = "spanContext" in span ? span.spanContext() : span;
  if (!isSpanContextValid(context)) return undefined;
  const traceState = context.traceState?.serialize();
  return {
    traceParent: formatTraceParent(context),
    ...(traceState ? { traceState } : {}),
  };
}
