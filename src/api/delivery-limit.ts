/**
 * The poison-work limit: how many deliveries of one work item may end without completing (their worker crashed, hung
 * or lost its lease) before the worker quarantines it instead of running it again. Set per worker or host
 * (`maxDeliveryCount`, `--max-delivery-count`, `TASKHUB_MAX_DELIVERY_COUNT`) and per activity
 * (`app.activity(name, handler, { maxDeliveryCount })`).
 * @module
 */
import { InvalidArgumentError, PoisonMessageError } from "../core/errors.js";
import type { FailureDetails } from "../core/failure.js";

/** The default limit (as Azure Service Bus's `MaxDeliveryCount`). */
export const DEFAULT_MAX_DELIVERY_COUNT = 10;

/**
 * Checks a `maxDeliveryCount`: a whole number from 1.
 * @param what Names the setting's owner in the message, e.g. `Activity 'Charge'`.
 * @throws InvalidArgumentError otherwise.
 */
export function checkMaxDeliveryCount(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(
      `${what}: maxDeliveryCount must be a whole number from 1, got ${typeof value === "number" ? value : typeof value}.`,
    );
  return value;
}

/** Why a work item is quarantined: what its deliveries were (from the work item the worker got). */
export interface Quarantine {
  /** Deliveries that ended without completing (the work item's `deliveryCount` minus this one). */
  readonly deliveries: number;
  /** The limit they reached. */
  readonly maxDeliveryCount: number;
  /** The worker that held the last of them (`takenOverFrom`), when known. */
  readonly lastWorkerId?: string | undefined;
}

/**
 * The quarantine of a work item delivered `deliveryCount` times (this delivery included), when that passes
 * `maxDeliveryCount`; `undefined` while it is within the limit.
 */
export function quarantineOf(
  item: { readonly deliveryCount: number; readonly takenOverFrom?: string | undefined },
  maxDeliveryCount: number,
): Quarantine | undefined {
  if (item.deliveryCount <= maxDeliveryCount) return undefined;
  return {
    deliveries: item.deliveryCount - 1,
    maxDeliveryCount,
    ...(item.takenOverFrom !== undefined ? { lastWorkerId: item.takenOverFrom } : {}),
  };
}

/**
 * The failure record of quarantined work: a {@link PoisonMessageError} (non-retryable) naming `what`, without a stack
 * (it says nothing about the work).
 */
export function poisonFailure(what: string, quarantine: Quarantine): FailureDetails {
  const error = new PoisonMessageError(
    what,
    quarantine.deliveries,
    quarantine.maxDeliveryCount,
    quarantine.lastWorkerId,
  );
  return { errorType: error.name, message: error.message, nonRetryable: true };
}
