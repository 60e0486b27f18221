/**
 * W3C trace context as stored in history: the `traceparent` (and `tracestate`) of the span a piece of work runs under,
 * kept on the events that start work elsewhere (an execution's start, each scheduled task), so that one trace ties a
 * request to every activity of the orchestration it started, across processes and restarts. Named after the Durable
 * Task protocol's `TraceContext` message. Plain data: nothing here calls a tracer.
 * @module
 */

/** A W3C trace context, as the Durable Task protocol's `TraceContext` (`parentTraceContext` on history events). */
export interface TraceContext {
  /** The W3C `traceparent`: `00-<32 hex trace ID>-<16 hex span ID>-<2 hex flags>`. */
  readonly traceParent: string;
  /** The W3C `tracestate`, when there is one. */
  readonly traceState?: string | undefined;
}

/** The parts of a `traceparent`. */
export interface TraceParentParts {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  /** The trace flags (bit 0: sampled). */
  readonly traceFlags: number;
}

const TRACE_PARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a W3C `traceparent` header value (version 00, or a later version read as 00 as the W3C recommendation says).
 * Returns `undefined` for anything malformed, an all-zero ID, or version `ff`.
 */
export function parseTraceParent(value: string | undefined): TraceParentParts | undefined {
  if (value === undefined || value.length > 512) return undefined;
  const match = TRACE_PARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/** Formats a version-00 `traceparent`. */
export function formatTraceParent(parts: TraceParentParts): string {
  const flags = (parts.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${parts.traceId}-${parts.spanId}-${flags}`;
}

/**
 * A trace context from the `traceparent` and `tracestate` header values of a request, or `undefined` when the
 * `traceparent` is absent or malformed (the W3C rule: then both are ignored).
 */
export function traceContextFromHeaders(
  traceParent: string | undefined,
  traceState: string | undefined,
): TraceContext | undefined {
  const parts = parseTraceParent(traceParent);
  if (!parts) return undefined;
  const state = traceState?.trim();
  return {
    traceParent: formatTraceParent(parts),
    ...(state !== undefined && state.length > 0 && state.length <= 512 ? { traceState: state } : {}),
  };
}
