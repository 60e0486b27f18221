/**
 * Span names and attributes, after the Durable Task tracing conventions (`durabletask.*`), plus the OpenTelemetry
 * `error.type` attribute on failed spans.
 * @module
 */

/** Attribute names. */
export const ATTR = {
  type: "durabletask.type",
  taskName: "durabletask.task.name",
  instanceId: "durabletask.task.instance_id",
  executionId: "durabletask.task.execution_id",
  taskId: "durabletask.task.task_id",
  version: "durabletask.task.version",
  status: "durabletask.task.status",
  attempt: "durabletask.task.attempt",
  outcome: "durabletask.task.outcome",
  fireAt: "durabletask.fire_at",
  eventTarget: "durabletask.event.target_instance_id",
  entityOperation: "durabletask.entity.operation",
  errorType: "error.type",
} as const;

/** Values of `durabletask.type`. */
export type SpanType =
  "orchestration" | "create_orchestration" | "activity" | "timer" | "event" | "entity" | "signal_entity";
