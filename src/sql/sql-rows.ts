/**
 * Conversions between SQL rows and task hub records, shared by both SQL backends. PostgreSQL returns `BIGINT` as
 * strings and SQLite returns numbers: every numeric column goes through {@link num}.
 * @module
 */
import { InvalidArgumentError, TaskHubError } from "../core/errors.js";
import type { FailureDetails } from "../core/failure.js";
import type { HistoryEvent } from "../core/history-event.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { TraceContext } from "../core/trace-context.js";
import type { InstanceRecord } from "../task-hub/task-hub.js";
import type { SqlRow } from "./sql-driver.js";

/**
 * The most inbox messages one orchestration work item carries (the first ones, in arrival order); the rest wait for
 * the instance's next step. A flood of messages to one instance (signals to an entity, events) then costs each step
 * a bounded read and transaction.
 */
export const MAX_MESSAGES_PER_WORK_ITEM = 1000;

/** Columns of `instances` read into an {@link InstanceRecord}, in `SELECT` order. */
export const INSTANCE_COLUMNS =
  "instance_id, name, execution_id, status, input, output, failure, custom_status, created_at, last_updated_at, " +
  "completed_at, scheduled_start_at, parent_instance_id, version, tags, history_length";

/** Same as {@link INSTANCE_COLUMNS} with the payload columns replaced by `NULL`. */
export const INSTANCE_COLUMNS_WITHOUT_PAYLOADS = INSTANCE_COLUMNS.replace(
  "input, output, failure, custom_status",
  "NULL AS input, NULL AS output, failure, NULL AS custom_status",
);

/** A number from a numeric column (PostgreSQL `BIGINT` arrives as a string). */
export function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" || typeof value === "bigint") return Number(value);
  throw new TaskHubError(
    `Expected a number from the database, got ${value === null ? "NULL" : typeof value}.`,
  );
}

/** A number, or `undefined` for SQL `NULL`. */
export function optNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

/** A string, or `undefined` for SQL `NULL`. */
export function optStr(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/** `undefined` → SQL `NULL`. */
export function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

/** Maps an `instances` row (selected with {@link INSTANCE_COLUMNS}). */
export function toInstanceRecord(row: SqlRow): InstanceRecord {
  const instanceId = String(row.instance_id);
  const record: Record<string, unknown> = {
    instanceId,
    name: String(row.name),
    executionId: String(row.execution_id),
    status: String(row.status) as RuntimeStatus,
    input: optStr(row.input),
    output: optStr(row.output),
    failure: parseFailure(optStr(row.failure), instanceId),
    customStatus: optStr(row.custom_status),
    createdAt: num(row.created_at),
    lastUpdatedAt: num(row.last_updated_at),
    completedAt: optNum(row.completed_at),
    scheduledStartAt: optNum(row.scheduled_start_at),
    parentInstanceId: optStr(row.parent_instance_id),
    version: optStr(row.version),
    tags: parseTags(optStr(row.tags)),
    historyLength: num(row.history_length),
  };
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record as unknown as InstanceRecord;
}

/**
 * Parses stored failure details. A corrupted value does not make the instance unreadable: it is reported as a
 * failure of type `TaskHubError` saying so.
 */
/** Stored tags (JSON object text), or `undefined` for none or text that is not a JSON object of strings. */
function parseTags(text: string | undefined): Readonly<Record<string, string>> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) if (typeof value === "string") tags[key] = value;
    return Object.keys(tags).length > 0 ? tags : undefined;
  } catch {
    return undefined;
  }
}

function parseFailure(text: string | undefined, instanceId: string): FailureDetails | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as FailureDetails;
    if (typeof value === "object" && value !== null && typeof value.errorType === "string") return value;
  } catch {
    // reported below
  }
  return {
    errorType: "TaskHubError",
    message: `The stored failure details of instance '${instanceId}' are corrupted: ${text.slice(0, 200)}`,
  };
}

/** Parses a stored event; throws an `Error` saying what is wrong with it. */
export function parseEvent(text: unknown): HistoryEvent {
  if (typeof text !== "string")
    throw new Error(`expected JSON text, got ${text === null ? "NULL" : typeof text}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string")
    throw new Error(`not a history event (no "type"): ${text.slice(0, 100)}`);
  return value as HistoryEvent;
}

/** Serializes an event for storage. */
export function eventText(event: HistoryEvent): string {
  return JSON.stringify(event);
}

/** Serializes a trace context for its column (`NULL`: none). */
export function traceContextColumn(context: TraceContext | undefined): string | null {
  return context === undefined ? null : JSON.stringify(context);
}

/** A stored trace context; `undefined` for `NULL` and for a value that is not one (tracing is best effort). */
export function parseTraceContext(value: unknown): TraceContext | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const parsed = JSON.parse(value) as { traceParent?: unknown; traceState?: unknown };
    if (typeof parsed?.traceParent !== "string") return undefined;
    return typeof parsed.traceState === "string"
      ? { traceParent: parsed.traceParent, traceState: parsed.traceState }
      : { traceParent: parsed.traceParent };
  } catch {
    return undefined;
  }
}

/** Serializes failure details for storage. */
export function failureText(failure: FailureDetails | undefined): string | null {
  return failure === undefined ? null : JSON.stringify(failure);
}

/** The keyset position of a listing page. */
export interface ListPosition {
  readonly createdAt: number;
  readonly instanceId: string;
}

/** Encodes an opaque continuation token. */
export function encodeContinuationToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.instanceId]), "utf8").toString("base64url");
}

/** Decodes a continuation token. @throws InvalidArgumentError when it is not one of ours. */
export function decodeContinuationToken(token: string): ListPosition {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== "number" ||
    !Number.isFinite(value[0]) ||
    typeof value[1] !== "string"
  )
    throw new InvalidArgumentError(
      `Invalid continuation token '${token.slice(0, 50)}': pass the token returned by the previous page unchanged.`,
    );
  return { createdAt: value[0], instanceId: value[1] };
}
