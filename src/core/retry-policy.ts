/**
 * Retry policies for activities and sub-orchestrations, with every Durable Functions field.
 * @module
 */
import { InvalidArgumentError } from "./errors.js";
import type { FailureDetails } from "./failure.js";

/** Options of a {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /** Delay before the first retry, in ms (> 0). */
  readonly firstRetryIntervalMs: number;
  /** Total attempts including the first (>= 1). */
  readonly maxNumberOfAttempts: number;
  /** Each delay is the previous one times this (>= 1, default 1). */
  readonly backoffCoefficient?: number;
  /** Upper bound on one delay, in ms (default 1 hour). */
  readonly maxRetryIntervalMs?: number;
  /** No retry is started after this many ms since the first attempt was scheduled (default: unlimited). */
  readonly retryTimeoutMs?: number;
  /** Return false to stop retrying this failure. Failures marked non-retryable are never retried. */
  readonly handle?: (failure: FailureDetails) => boolean;
}

/** When and how often to retry a failed activity or sub-orchestration. Retries wait on durable timers. */
export class RetryPolicy {
  readonly firstRetryIntervalMs: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient: number;
  readonly maxRetryIntervalMs: number;
  readonly retryTimeoutMs: number;
  readonly handle: ((failure: FailureDetails) => boolean) | undefined;

  constructor(options: RetryPolicyOptions) {
    const {
      firstRetryIntervalMs,
      maxNumberOfAttempts,
      backoffCoefficient = 1,
      maxRetryIntervalMs = 3_600_000,
      retryTimeoutMs = Number.POSITIVE_INFINITY,
    } = options;
    if (!(firstRetryIntervalMs > 0))
      throw new InvalidArgumentError(`firstRetryIntervalMs must be > 0, got ${firstRetryIntervalMs}.`);
    if (!Number.isInteger(maxNumberOfAttempts) || maxNumberOfAttempts < 1)
      throw new InvalidArgumentError(
        `maxNumberOfAttempts must be an integer >= 1, got ${maxNumberOfAttempts}.`,
      );
    if (!(backoffCoefficient >= 1))
      throw new InvalidArgumentError(`backoffCoefficient must be >= 1, got ${backoffCoefficient}.`);
    if (!(maxRetryIntervalMs > 0))
      throw new InvalidArgumentError(`maxRetryIntervalMs must be > 0, got ${maxRetryIntervalMs}.`);
    if (!(retryTimeoutMs > 0))
      throw new InvalidArgumentError(`retryTimeoutMs must be > 0, got ${retryTimeoutMs}.`);
    this.firstRetryIntervalMs = firstRetryIntervalMs;
    this.maxNumberOfAttempts = maxNumberOfAttempts;
    this.backoffCoefficient = backoffCoefficient;
    this.maxRetryIntervalMs = maxRetryIntervalMs;
    this.retryTimeoutMs = retryTimeoutMs;
    this.handle = options.handle;
  }

  /**
   * The delay before attempt `attempt + 1` after `attempt` failed, or `undefined` when no retry should happen.
   * Pure: `elapsedMs` is measured on the orchestration's replay-safe clock.
   */
  nextDelay(attempt: number, failure: FailureDetails, elapsedMs: number): number | undefined {
    if (attempt >= this.maxNumberOfAttempts) return undefined;
    if (failure.nonRetryable) return undefined;
    if (this.handle && !this.handle(failure)) return undefined;
    const delay = Math.min(
      this.firstRetryIntervalMs * Math.pow(this.backoffCoefficient, attempt - 1),
      this.maxRetryIntervalMs,
    );
    if (elapsedMs + delay > this.retryTimeoutMs) return undefined;
    return delay;
  }
}
