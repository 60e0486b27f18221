/**
 * The span of an HTTP request the host serves (an HTTP trigger, a management route): kind SERVER, a child of the
 * request's W3C `traceparent` (and `tracestate`) when it has one, active while the handler runs, so that the
 * orchestrations it starts join the caller's trace.
 * @module
 */
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { toFailureDetails } from "../core/failure.js";
import { traceContextFromHeaders } from "../core/trace-context.js";
import { recordFailure } from "./failures.js";
import { contextOf } from "./span-context.js";
import { tracer, tracingEnabled } from "./tracer.js";

/** What the span of a request says. */
export interface ServedRequest {
  readonly method: string;
  /** The route template (`/api/orders/{id}`), not the path: span names stay few. */
  readonly route: string;
  /** The request's `traceparent` and `tracestate` header values. */
  readonly traceParent: string | undefined;
  readonly traceState: string | undefined;
}

/** Runs `handle` under the request's span (no span work without a tracer provider); records the status code. */
export async function withServerSpan(
  request: ServedRequest,
  handle: () => Promise<Response>,
): Promise<Response> {
  if (!tracingEnabled()) return handle();
  const parent = contextOf(traceContextFromHeaders(request.traceParent, request.traceState));
  const span = tracer().startSpan(`${request.method} ${request.route}`, { kind: SpanKind.SERVER }, parent);
  if (span.isRecording())
    span.setAttributes({ "http.request.method": request.method, "http.route": request.route });
  try {
    const response = await context.with(trace.setSpan(parent, span), handle);
    span.setAttribute("http.response.status_code", response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  } catch (error) {
    // Mapped to an error response by the caller; a 4xx is the client's error, not the server's.
    const status = (error as { status?: unknown } | undefined)?.status;
    if (typeof status === "number") span.setAttribute("http.response.status_code", status);
    if (typeof status !== "number" || status >= 500) recordFailure(span, toFailureDetails(error));
    throw error;
  } finally {
    span.end();
  }
}
