/**
 * Span IDs known in advance: the orchestration span's trace context derived from the instance and execution IDs (the
 * same in every process), started with those IDs through the SDK's `idGenerator` (`DurableIdGenerator`) or, with any
 * other, by rewriting the span context; and W3C `traceparent` parsing.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { DurableIdGenerator, parseTraceParent } from "../../src/index.js";
import { traceContextFromHeaders } from "../../src/core/trace-context.js";
import { contextOf } from "../../src/tracing/span-context.js";
import { orchestrationTraceContext, startSpanWithIds } from "../../src/tracing/span-ids.js";

/** Records the span IDs the SDK gave at start, before anything could rewrite them. */
class StartIds implements SpanProcessor {
  readonly ids: string[] = [];
  onStart(span: Span, _context: Context): void {
    this.ids.push(span.spanContext().spanId);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

after(() => trace.disable());

describe("orchestration span IDs", () => {
  const parent = {
    traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    traceState: "k=v",
  };

  it("derives the same context for an execution everywhere, in its parent's trace", () => {
    const a = orchestrationTraceContext("order-1", "exec-1", parent);
    assert.deepEqual(a, orchestrationTraceContext("order-1", "exec-1", parent));
    assert.notDeepEqual(a, orchestrationTraceContext("order-1", "exec-2", parent));
    const parts = parseTraceParent(a.traceParent)!;
    assert.equal(parts.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(parts.traceFlags, 1);
    assert.equal(a.traceState, "k=v");
    const root = parseTraceParent(orchestrationTraceContext("order-1", "exec-1", undefined).traceParent)!;
    assert.equal(root.spanId, parts.spanId);
    assert.notEqual(root.traceId, parts.traceId, "without a parent: a trace of its own");
  });

  it("starts the span with those IDs through DurableIdGenerator, and through a rewrite with another generator", () => {
    const ids = orchestrationTraceContext("order-1", "exec-1", parent);
    const wanted = parseTraceParent(ids.traceParent)!;
    for (const idGenerator of [new DurableIdGenerator(), undefined]) {
      const starts = new StartIds();
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        ...(idGenerator ? { idGenerator } : {}),
        spanProcessors: [starts, new SimpleSpanProcessor(exporter)],
      });
      trace.disable();
      trace.setGlobalTracerProvider(provider);
      const { span, exact } = startSpanWithIds("orchestration:O", {}, contextOf(parent), ids);
      span.end();
      assert.equal(exact, true);
      const [done] = exporter.getFinishedSpans();
      assert.equal(done?.spanContext().spanId, wanted.spanId);
      assert.equal(done?.spanContext().traceId, wanted.traceId);
      assert.equal(done?.parentSpanContext?.spanId, "b7ad6b7169203331");
      // The generator gives the IDs from the start; without it they are rewritten after.
      assert.equal(starts.ids[0] === wanted.spanId, idGenerator !== undefined);
      // Other spans get random IDs.
      const other = trace.getTracer("t").startSpan("other", {}, ROOT_CONTEXT);
      assert.notEqual(other.spanContext().spanId, wanted.spanId);
      other.end();
    }
  });
});

describe("traceparent", () => {
  it("parses version 00 and later versions, and refuses malformed or all-zero IDs", () => {
    assert.deepEqual(parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    });
    assert.ok(parseTraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-extra"));
    for (const bad of [
      "",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",
      "garbage",
    ])
      assert.equal(parseTraceParent(bad), undefined, bad);
    assert.equal(
      traceContextFromHeaders("nope", "k=v"),
      undefined,
      "tracestate is ignored without a traceparent",
    );
    assert.equal(
      traceContextFromHeaders("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", undefined),
      undefined,
      "IDs are lowercase hex (W3C)",
    );
    assert.deepEqual(
      traceContextFromHeaders("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", " k=v "),
      {
        traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        traceState: "k=v",
      },
    );
  });
});
