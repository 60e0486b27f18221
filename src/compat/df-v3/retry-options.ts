/**
 * `df.RetryOptions`: Durable Functions v3's retry options, mapped onto Taskhub's {@link RetryPolicy}.
 * @module
 */
import { InvalidArgumentError } from "../../core/errors.js";
import { RetryPolicy } from "../../core/retry-policy.js";

/**
 * Retry options of `callActivityWithRetry` and `callSubOrchestratorWithRetry`, as in Durable Functions v3:
 * `new df.RetryOptions(firstRetryIntervalInMilliseconds, maxNumberOfAttempts)`, then optionally
 * `backoffCoefficient`, `maxRetryIntervalInMilliseconds` and `retryTimeoutInMilliseconds`.
 */
export class RetryOptions {
  /** Multiplier of the delay after each failed attempt (default 1). */
  backoffCoefficient = 1;
  /** Longest delay between attempts, in ms (default: no limit). */
  maxRetryIntervalInMilliseconds = 0;
  /** Longest time spent retrying, in ms (default: no limit). */
  retryTimeoutInMilliseconds = 0;

  /**
   * @param firstRetryIntervalInMilliseconds Delay before the first retry, in ms (more than 0).
   * @param maxNumberOfAttempts Attempts in all, the first one included (at least 1).
   * @throws InvalidArgumentError for a delay of 0 or less, or a count of attempts below 1.
   */
  constructor(
    readonly firstRetryIntervalInMilliseconds: number,
    readonly maxNumberOfAttempts: number,
  ) {
    if (!(typeof firstRetryIntervalInMilliseconds === "number" && firstRetryIntervalInMilliseconds > 0))
      throw new InvalidArgumentError(
        `RetryOptions: firstRetryIntervalInMilliseconds must be a number greater than 0, got ${String(firstRetryIntervalInMilliseconds)}.`,
      );
    if (!(Number.isInteger(maxNumberOfAttempts) && maxNumberOfAttempts >= 1))
      throw new InvalidArgumentError(
        `RetryOptions: maxNumberOfAttempts must be a whole number from 1, got ${String(maxNumberOfAttempts)}.`,
      );
  }

  /** @internal The Taskhub retry policy with these options. */
  toPolicy(): RetryPolicy {
    return new RetryPolicy({
      firstRetryIntervalMs: this.firstRetryIntervalInMilliseconds,
      maxNumberOfAttempts: this.maxNumberOfAttempts,
      backoffCoefficient: this.backoffCoefficient,
      ...(this.maxRetryIntervalInMilliseconds > 0
        ? { maxRetryIntervalMs: this.maxRetryIntervalInMilliseconds }
        : {}),
      ...(this.retryTimeoutInMilliseconds > 0 ? { retryTimeoutMs: this.retryTimeoutInMilliseconds } : {}),
    });
  }
}
