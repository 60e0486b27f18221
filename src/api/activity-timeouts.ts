/**
 * The time limits of an activity attempt (`timeoutMs`, `heartbeatTimeoutMs`): checked where they are given (a
 * `callActivity` call, an activity's registration) and resolved where the attempt runs (the call's limit, else the
 * activity's own).
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { ActivityOptions } from "./definitions.js";

/** The limits of one attempt, in ms; an absent one is no limit. */
export interface ActivityTimeouts {
  readonly timeoutMs?: number | undefined;
  readonly heartbeatTimeoutMs?: number | undefined;
}

/**
 * The limits set in `options`, checked; absent ones are left out (so the result can be spread into a record).
 * @param where Names the place in errors, e.g. `callActivity('Charge')`.
 * @throws InvalidArgumentError for a limit that is not a positive whole number of milliseconds.
 */
export function checkActivityTimeouts(options: ActivityOptions | undefined, where: string): ActivityTimeouts {
  const timeoutMs = checkLimit(options?.timeoutMs, "timeoutMs", where);
  const heartbeatTimeoutMs = checkLimit(options?.heartbeatTimeoutMs, "heartbeatTimeoutMs", where);
  return timeoutsOf({ timeoutMs, heartbeatTimeoutMs });
}

/** The limits `record` sets (a call's action, its `TaskScheduled` event), without absent ones. */
export function timeoutsOf(record: ActivityTimeouts): ActivityTimeouts {
  return {
    ...(record.timeoutMs !== undefined ? { timeoutMs: record.timeoutMs } : {}),
    ...(record.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: record.heartbeatTimeoutMs } : {}),
  };
}

/** The limits of an attempt: each of the call's, else the activity's default. */
export function resolveActivityTimeouts(call: ActivityTimeouts, activity: ActivityOptions): ActivityTimeouts {
  return {
    timeoutMs: call.timeoutMs ?? activity.timeoutMs,
    heartbeatTimeoutMs: call.heartbeatTimeoutMs ?? activity.heartbeatTimeoutMs,
  };
}

function checkLimit(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(
      `${where}: ${name} must be a positive whole number of milliseconds, got ${String(value)}.`,
    );
  return value;
}
