/**
 * Failures on spans: the failure record (type, message, stack) as an exception event, and the span's status ERROR.
 * @module
 */
import { SpanStatusCode, type Span } from "@opentelemetry/api";
import type { FailureDetails } from "../core/failure.js";
import { ATTR } from "./attributes.js";

/** Records `failure` on `span`: an `exception` event with its type, message and stack; status ERROR; `error.type`. */
export function recordFailure(span: Span, failure: FailureDetails): void {
  span.recordException({
    name: failure.errorType,
    message: failure.message,
    ...(failure.stack !== undefined ? { stack: failure.stack } : {}),
  });
  span.setAttribute(ATTR.errorType, failure.errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${failure.errorType}: ${failure.message}` });
}
