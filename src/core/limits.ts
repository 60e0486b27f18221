/**
 * The bounds that keep a runaway orchestration or an oversized payload from growing the task hub without limit:
 * their defaults, and the check of a configured value.
 * @module
 */
import { InvalidArgumentError } from "./errors.js";

/** Default most actions one execution may schedule (as Durable Functions' `maxOrchestrationActions`). */
export const DEFAULT_MAX_ORCHESTRATION_ACTIONS = 100_000;

/**
 * Default most history events one execution may have. A sequential loop of activities adds about four events per
 * action (scheduled, result, and the episode's start and end), so this leaves the action limit to stop such a loop;
 * it stops what the action limit does not see, such as an endless stream of external events.
 */
export const DEFAULT_MAX_HISTORY_EVENTS = 500_000;

/** Default largest payload (input, output, event data, custom status, entity state), as UTF-8 JSON: 16 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** The share of a limit at which a warning is logged (once per execution). */
export const LIMIT_WARNING_FRACTION = 0.8;

/** The limits of one orchestration execution, every default filled in. */
export interface ExecutionLimits {
  /** Most actions (activities, timers, sub-orchestrations, events sent, entity operations) of one execution. */
  readonly maxOrchestrationActions: number;
  /** Most history events of one execution. */
  readonly maxHistoryEvents: number;
}

/**
 * `value`, or `fallback` when it is `undefined`.
 * @throws InvalidArgumentError when `value` is not a positive safe integer.
 */
export function limitOption(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}.`);
  return value;
}

/** The count at which a warning about `limit` is due: {@link LIMIT_WARNING_FRACTION} of it, rounded up. */
export function warningThreshold(limit: number): number {
  return Math.ceil(limit * LIMIT_WARNING_FRACTION);
}
