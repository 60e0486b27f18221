/**
 * Conversions of single protocol values: `google.protobuf.StringValue` wrappers, `Timestamp`s and `TraceContext`s,
 * between Taskhub's plain fields (absent = `undefined`, times as ISO-8601 text) and the decoded wire shapes.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { TraceContext as TaskhubTraceContext } from "../core/trace-context.js";
import type { TraceContext } from "./messages/common.js";
import type { StringValue, Timestamp } from "./messages/wire-types.js";

/** A string wrapper, or `null` for `undefined`. */
export function toStringValue(value: string | undefined): StringValue | null {
  return value === undefined ? null : { value };
}

/** The wrapped string, or `undefined` for an unset wrapper. */
export function fromStringValue(wrapper: StringValue | null | undefined): string | undefined {
  return wrapper?.value ?? undefined;
}

/** A `Timestamp` of an ISO-8601 time (millisecond precision, as `Date` parses it). */
export function toTimestamp(iso: string): Timestamp {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`Not an ISO-8601 time: ${JSON.stringify(iso)}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** A `Timestamp` of an optional ISO-8601 time, `null` for `undefined`. */
export function toOptionalTimestamp(iso: string | undefined): Timestamp | null {
  return iso === undefined ? null : toTimestamp(iso);
}

/** The ISO-8601 text (`Date.toISOString`, milliseconds; finer nanoseconds are truncated) of a `Timestamp`. */
export function fromTimestamp(timestamp: Timestamp): string {
  return new Date(timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1_000_000)).toISOString();
}

/** The ISO-8601 text of an optional `Timestamp`, `undefined` when unset. */
export function fromOptionalTimestamp(timestamp: Timestamp | null | undefined): string | undefined {
  return timestamp ? fromTimestamp(timestamp) : undefined;
}

/** A wire `TraceContext` of Taskhub's (the deprecated `spanID` left empty), `null` for `undefined`. */
export function toWireTraceContext(context: TaskhubTraceContext | undefined): TraceContext | null {
  if (!context) return null;
  return { traceParent: context.traceParent, spanID: "", traceState: toStringValue(context.traceState) };
}

/** Taskhub's trace context of a wire one; `undefined` when unset or without a `traceParent`. */
export function fromWireTraceContext(
  context: TraceContext | null | undefined,
): TaskhubTraceContext | undefined {
  if (!context || context.traceParent === "") return undefined;
  const traceState = fromStringValue(context.traceState);
  return { traceParent: context.traceParent, ...(traceState !== undefined ? { traceState } : {}) };
}
