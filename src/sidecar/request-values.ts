/**
 * The values of the client RPCs' requests, checked and turned into Taskhub's: JSON payloads, times, runtime statuses
 * and page sizes. Each check throws an `InvalidArgumentError` naming the field, which the call answers with
 * `INVALID_ARGUMENT`.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { OrchestrationStatus, StringValue, Timestamp } from "./messages.js";
import { fromOrchestrationStatus } from "./runtime-statuses.js";

/**
 * The value of a JSON payload field (`input` of a start or an event): `undefined` when the wrapper is unset or holds
 * `""` (the JS SDK's text of `undefined`).
 * @throws InvalidArgumentError when the text is not JSON.
 */
export function jsonPayload(wrapper: StringValue | null | undefined, field: string): unknown {
  const text = wrapper?.value;
  if (text === undefined || text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(
      `${field} must be JSON text: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A wrapped string, `undefined` when the wrapper is unset. */
export function optionalString(wrapper: StringValue | null | undefined): string | undefined {
  return wrapper?.value ?? undefined;
}

/**
 * Epoch milliseconds of a `Timestamp`, `undefined` when unset.
 * @throws InvalidArgumentError when it is out of range.
 */
export function optionalTime(timestamp: Timestamp | null | undefined, field: string): number | undefined {
  if (!timestamp) return undefined;
  const ms = timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1_000_000);
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime()))
    throw new InvalidArgumentError(`${field} is not a valid time (${timestamp.seconds} s).`);
  return ms;
}

/**
 * Taskhub's statuses of a status filter: `undefined` for an empty filter (every status). `CANCELED`, which no Taskhub
 * instance has, matches nothing: a filter of only `CANCELED` is `[]`.
 * @throws InvalidArgumentError for a value that is not a status of the protocol.
 */
export function statusFilter(
  statuses: readonly OrchestrationStatus[],
  field: string,
): RuntimeStatus[] | undefined {
  if (statuses.length === 0) return undefined;
  const result = new Set<RuntimeStatus>();
  for (const wire of statuses) {
    if (wire === "ORCHESTRATION_STATUS_CANCELED") continue;
    if (typeof wire !== "string" || !wire.startsWith("ORCHESTRATION_STATUS_"))
      throw new InvalidArgumentError(`${field} holds ${String(wire)}, which is not an orchestration status.`);
    result.add(fromOrchestrationStatus(wire));
  }
  return [...result];
}

/** The most instances one page of a query holds (the task hub's limit). */
export const MAX_PAGE_SIZE = 1000;

/** The page size of a query when the request leaves it at 0. */
export const DEFAULT_PAGE_SIZE = 100;

/**
 * A page size: 0 means {@link DEFAULT_PAGE_SIZE}, and a larger one than {@link MAX_PAGE_SIZE} is that (a page size
 * is a maximum: the continuation token reaches the rest).
 * @throws InvalidArgumentError when negative or not an integer.
 */
export function pageSize(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(`${field} must be a non-negative integer, got ${value}.`);
  return value === 0 ? DEFAULT_PAGE_SIZE : Math.min(value, MAX_PAGE_SIZE);
}
