/**
 * Failure details between Taskhub ({@link FailureDetails}, `src/core/failure.ts`) and the protocol
 * (`TaskFailureDetails`): type, message, stack, the cause chain (`innerFailure`) and the non-retryable flag.
 * @module
 */
import type { FailureDetails } from "../core/failure.js";
import type { TaskFailureDetails } from "./messages/common.js";
import { fromStringValue, toStringValue } from "./wire-values.js";

/** The wire form of a Taskhub failure (its `cause` chain as `innerFailure`; no `properties`). */
export function toTaskFailureDetails(failure: FailureDetails): TaskFailureDetails {
  return {
    errorType: failure.errorType,
    errorMessage: failure.message,
    stackTrace: toStringValue(failure.stack),
    innerFailure: failure.cause ? toTaskFailureDetails(failure.cause) : null,
    isNonRetriable: failure.nonRetryable === true,
    properties: {},
  };
}

/** Taskhub's failure of a wire one (`properties` are not kept: Taskhub's failures have none). */
export function fromTaskFailureDetails(details: TaskFailureDetails): FailureDetails {
  const stack = fromStringValue(details.stackTrace);
  return {
    errorType: details.errorType,
    message: details.errorMessage,
    ...(stack !== undefined ? { stack } : {}),
    ...(details.innerFailure ? { cause: fromTaskFailureDetails(details.innerFailure) } : {}),
    ...(details.isNonRetriable ? { nonRetryable: true } : {}),
  };
}
