/**
 * The span of one entity operation (`entity:<name>:<operation>`, kind SERVER), in the worker that runs it: a child of
 * the sender's span (the calling orchestration's span, a client's `signal_entity` span), active while the operation's
 * code runs.
 * @module
 */
import { SpanKind, context, trace } from "@opentelemetry/api";
import type { FailureDetails } from "../core/failure.js";
import type { TraceContext } from "../core/trace-context.js";
import { ATTR } from "./attributes.js";
import { recordFailure } from "./failures.js";
import { contextOf } from "./span-context.js";
import { tracer, tracingEnabled } from "./tracer.js";

/** An operation as its span names it. */
export interface TracedOperation {
  /** The entity's name and instance ID (`@name@key`). */
  readonly entityName: string;
  readonly instanceId: string;
  readonly operation: string;
  /** "call" (an orchestration awaits the result) or "signal". */
  readonly kind: "call" | "signal";
  readonly parentTraceContext?: TraceContext | undefined;
}

/** Runs an operation (`run` resolves with its failure, or `undefined` when it succeeded) under its span. */
export async function traceEntityOperation(
  operation: TracedOperation,
  run: () => Promise<FailureDetails | undefined>,
): Promise<FailureDetails | undefined> {
  if (!tracingEnabled()) return run();
  const span = tracer().startSpan(
    `entity:${operation.entityName}:${operation.operation}`,
    { kind: SpanKind.SERVER },
    contextOf(operation.parentTraceContext),
  );
  if (!span.isRecording()) return run();
  span.setAttributes({
    [ATTR.type]: "entity",
    [ATTR.taskName]: operation.entityName,
    [ATTR.instanceId]: operation.instanceId,
    [ATTR.entityOperation]: operation.operation,
    "durabletask.entity.request_kind": operation.kind,
  });
  let failure: FailureDetails | undefined;
  try {
    failure = await context.with(trace.setSpan(context.active(), span), run);
  } finally {
    span.setAttribute(ATTR.outcome, failure ? "Failed" : "Completed");
    if (failure) recordFailure(span, failure);
    span.end();
  }
  return failure;
}
