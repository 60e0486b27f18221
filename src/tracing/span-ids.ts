/**
 * Span IDs known before their span exists. An orchestration's span is emitted once, when its execution ends, but
 * its children (activities, timers, sub-orchestrations, entity operations) name it as their parent from its first
 * episode on, in any process. So its ID is derived from the execution's identity ({@link orchestrationTraceContext}),
 * and the span, when it is finally started, gets that ID.
 *
 * The OpenTelemetry API has no way to choose a span's ID. Two ways get it there: the SDK's `idGenerator` option with
 * a {@link DurableIdGenerator} (what `taskhub start` configures; use it when you register the SDK yourself), which
 * hands the wanted IDs to the SDK while the span is started; failing that, the IDs of the span the SDK made are
 * rewritten in its span context (the JavaScript SDK returns its own, mutable object), and checked.
 * @module
 */
import { createHash, randomFillSync } from "node:crypto";
import type { Context, Span, SpanOptions } from "@opentelemetry/api";
import { formatTraceParent, parseTraceParent, type TraceContext } from "../core/trace-context.js";
import { tracer } from "./tracer.js";

/**
 * The trace context of an execution's orchestration span: in the trace of `parent` (the request that started it),
 * else in a trace of its own; its span ID derived from the instance and execution IDs, so that every worker computes
 * the same one, in any episode.
 */
export function orchestrationTraceContext(
  instanceId: string,
  executionId: string,
  parent: TraceContext | undefined,
): TraceContext {
  const parts = parseTraceParent(parent?.traceParent);
  const digest = createHash("sha256").update(`${instanceId}\u0000${executionId}`).digest("hex");
  const spanId = nonZero(digest.slice(0, 16));
  const traceId = parts?.traceId ?? nonZero(digest.slice(16, 48));
  const traceParent = formatTraceParent({ traceId, spanId, traceFlags: parts?.traceFlags ?? 1 });
  return parts && parent?.traceState !== undefined
    ? { traceParent, traceState: parent.traceState }
    : { traceParent };
}

function nonZero(hex: string): string {
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** IDs the next span started must get, while {@link startSpanWithIds} starts it. */
let wanted: { readonly traceId: string; readonly spanId: string } | undefined;

/**
 * An OpenTelemetry SDK `IdGenerator` (`new NodeSDK({ idGenerator: new DurableIdGenerator() })`, or a
 * `BasicTracerProvider`'s `idGenerator`): random IDs, as the SDK's own, except for the spans whose IDs Taskhub knows
 * in advance (orchestration spans), which get those.
 */
export class DurableIdGenerator {
  /** A trace ID: the wanted one while an orchestration span is started, else 16 random bytes. */
  generateTraceId(): string {
    return wanted?.traceId ?? randomHex(16);
  }

  /** A span ID: the wanted one while an orchestration span is started, else 8 random bytes. */
  generateSpanId(): string {
    return wanted?.spanId ?? randomHex(8);
  }
}

/** Random bytes drawn a page at a time: one `randomBytes` call per span was the largest cost of tracing. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

/**
 * Starts a span whose trace and span IDs are those of `ids` (a traceparent), under `parent`. Returns the span, which
 * is not recording when no SDK is registered or the sampler dropped it; `exact` is false when its IDs could not be
 * set (an SDK that neither uses a {@link DurableIdGenerator} nor lets its span context be rewritten).
 */
export function startSpanWithIds(
  name: string,
  options: SpanOptions,
  parent: Context,
  ids: TraceContext,
): { readonly span: Span; readonly exact: boolean } {
  const parts = parseTraceParent(ids.traceParent);
  if (!parts) return { span: tracer().startSpan(name, options, parent), exact: false };
  wanted = { traceId: parts.traceId, spanId: parts.spanId };
  let span: Span;
  try {
    span = tracer().startSpan(name, options, parent);
  } finally {
    wanted = undefined;
  }
  const context = span.spanContext();
  if (span.isRecording() && (context.spanId !== parts.spanId || context.traceId !== parts.traceId)) {
    context.spanId = parts.spanId;
    context.traceId = parts.traceId;
  }
  const after = span.spanContext();
  return { span, exact: after.spanId === parts.spanId && after.traceId === parts.traceId };
}
