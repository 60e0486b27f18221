/**
 * The spans of an orchestration step, emitted by the worker once the step is committed (so once per step, never on
 * replay): the orchestration span when the execution ended in the step (from its `ExecutionStarted` to now, with the
 * span ID its children have named all along), a `timer` span for each timer the step saw fire (from its creation),
 * and an `orchestration_event` span for each event the step sent.
 * @module
 */
import { SpanKind, trace, type Attributes } from "@opentelemetry/api";
import type { FailureDetails } from "../core/failure.js";
import type { TraceContext } from "../core/trace-context.js";
import { ATTR } from "./attributes.js";
import { recordFailure } from "./failures.js";
import { contextOf, spanContextOf } from "./span-context.js";
import { startSpanWithIds } from "./span-ids.js";
import { tracer } from "./tracer.js";

/** What one committed step has to show. Plain data, gathered by the worker while it ran the step. */
export interface StepTrace {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly version?: string | undefined;
  /** The orchestration span's own trace context (see `orchestrationTraceContext`). */
  readonly orchestration: TraceContext;
  /** The execution's `parentTraceContext`: the orchestration span's parent. */
  readonly parent?: TraceContext | undefined;
  /** The execution's start (its `ExecutionStarted` timestamp), epoch ms. */
  readonly startedAt: number;
  /** The step's time, epoch ms. */
  readonly now: number;
  /** Set when the execution ended in this step. */
  readonly ended?:
    | {
        readonly status: "Completed" | "Failed" | "Terminated" | "ContinuedAsNew";
        readonly failure?: FailureDetails | undefined;
      }
    | undefined;
  /** Timers that fired in this step: their task IDs, creation times (epoch ms) and due times. */
  readonly timers: readonly { readonly id: number; readonly createdAt: number; readonly fireAt: string }[];
  /** Events the step sent to other instances. */
  readonly eventsSent: readonly { readonly id: number; readonly name: string; readonly instanceId: string }[];
}

/** Emits the spans of a committed step. Never throws: tracing must not fail a step. */
export function emitStepSpans(step: StepTrace): void {
  try {
    emit(step);
  } catch {
    // A failing SDK loses spans, nothing else.
  }
}

function emit(step: StepTrace): void {
  if (step.timers.length > 0 || step.eventsSent.length > 0) emitTimersAndEvents(step);
  if (step.ended) emitOrchestrationSpan(step, step.ended);
}

function emitTimersAndEvents(step: StepTrace): void {
  const orchestration = spanContextOf(step.orchestration);
  if (!orchestration) return;
  const inOrchestration = trace.setSpanContext(contextOf(undefined), orchestration);
  const base: Attributes = { [ATTR.instanceId]: step.instanceId, [ATTR.taskName]: step.name };
  for (const timer of step.timers) {
    const span = tracer().startSpan(
      `timer`,
      { kind: SpanKind.INTERNAL, startTime: timer.createdAt },
      inOrchestration,
    );
    if (span.isRecording())
      span.setAttributes({
        ...base,
        [ATTR.type]: "timer",
        [ATTR.taskId]: timer.id,
        [ATTR.fireAt]: timer.fireAt,
      });
    span.end(step.now);
  }
  for (const sent of step.eventsSent) {
    const span = tracer().startSpan(
      `orchestration_event:${sent.name}`,
      { kind: SpanKind.PRODUCER, startTime: step.now },
      inOrchestration,
    );
    if (span.isRecording())
      span.setAttributes({
        ...base,
        [ATTR.type]: "event",
        [ATTR.taskName]: sent.name,
        [ATTR.taskId]: sent.id,
        [ATTR.eventTarget]: sent.instanceId,
      });
    span.end(step.now);
  }
}

function emitOrchestrationSpan(step: StepTrace, ended: NonNullable<StepTrace["ended"]>): void {
  const { span } = startSpanWithIds(
    `orchestration:${step.name}`,
    { kind: SpanKind.SERVER, startTime: Math.min(step.startedAt, step.now) },
    contextOf(step.parent),
    step.orchestration,
  );
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR.type]: "orchestration",
      [ATTR.taskName]: step.name,
      [ATTR.instanceId]: step.instanceId,
      [ATTR.executionId]: step.executionId,
      [ATTR.status]: ended.status,
      ...(step.version !== undefined ? { [ATTR.version]: step.version } : {}),
    });
    if (ended.failure) recordFailure(span, ended.failure);
  }
  span.end(step.now);
}
