/**
 * The span of one activity attempt (`activity:<name>`, kind SERVER), in the worker that runs it: a child of the
 * orchestration span that scheduled it (the message's `parentTraceContext`), active while the activity's code runs
 * (spans the code starts are its children), ended with the attempt's outcome.
 * @module
 */
import { SpanKind, context, trace } from "@opentelemetry/api";
import type { ActivityCompletion, ActivityWorkItem } from "../core/records.js";
import { ATTR } from "./attributes.js";
import { recordFailure } from "./failures.js";
import { contextOf } from "./span-context.js";
import { tracer } from "./tracer.js";

/**
 * Runs one attempt (`run`) under its span. `run` never throws (its failures are `TaskFailed` results); a result of
 * `undefined` is an attempt released for redelivery.
 */
export async function traceActivity(
  item: ActivityWorkItem,
  run: () => Promise<ActivityCompletion | undefined>,
): Promise<ActivityCompletion | undefined> {
  const span = tracer().startSpan(
    `activity:${item.name}`,
    { kind: SpanKind.SERVER },
    contextOf(item.parentTraceContext),
  );
  if (!span.isRecording()) return run();
  span.setAttributes({
    [ATTR.type]: "activity",
    [ATTR.taskName]: item.name,
    [ATTR.instanceId]: item.instanceId,
    [ATTR.executionId]: item.executionId,
    [ATTR.taskId]: item.taskId,
    [ATTR.attempt]: item.attempt,
    "durabletask.task.delivery_count": item.deliveryCount,
  });
  let completion: ActivityCompletion | undefined;
  try {
    completion = await context.with(trace.setSpan(context.active(), span), run);
  } finally {
    const result = completion?.result;
    span.setAttribute(
      ATTR.outcome,
      result === undefined ? "Released" : result.type === "TaskCompleted" ? "Completed" : "Failed",
    );
    if (result?.type === "TaskFailed") recordFailure(span, result.failure);
    span.end();
  }
  return completion;
}
