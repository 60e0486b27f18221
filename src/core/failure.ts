/**
 * The serializable failure record that travels through history and the task hub.
 * @module
 */

/** What went wrong in an activity, sub-orchestration or orchestrator, in a form that survives JSON. */
export interface FailureDetails {
  /** The error's type name, for example `TypeError` or a user error class name. */
  readonly errorType: string;
  /** The error message. */
  readonly message: string;
  /** The stack trace, when there was one. */
  readonly stack?: string | undefined;
  /** The failure that caused this one (`Error.cause`), recursively. */
  readonly cause?: FailureDetails | undefined;
  /** When true, retry policies never retry this failure. */
  readonly nonRetryable?: boolean | undefined;
}

const MAX_CAUSE_DEPTH = 8;

/** Converts anything thrown into {@link FailureDetails}, following `cause` chains. */
export function toFailureDetails(error: unknown, depth = 0): FailureDetails {
  if (error instanceof Error) {
    const withDetails = error as Error & { failure?: FailureDetails; nonRetryable?: unknown };
    const cause =
      error.cause !== undefined && depth < MAX_CAUSE_DEPTH
        ? toFailureDetails(error.cause, depth + 1)
        : withDetails.failure;
    return {
      errorType: errorTypeName(error),
      message: error.message,
      stack: error.stack,
      cause,
      nonRetryable: withDetails.nonRetryable === true ? true : undefined,
    };
  }
  let message: string;
  try {
    message = typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { errorType: typeof error === "object" && error !== null ? "Object" : typeof error, message };
}

function errorTypeName(error: Error): string {
  if (error.name && error.name !== "Error") return error.name;
  const ctor = (error as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor.length > 0 ? ctor : "Error";
}

/** Builds a readable one-line description of a failure and its causes. */
export function describeFailure(failure: FailureDetails): string {
  const parts = [`${failure.errorType}: ${failure.message}`];
  let cause = failure.cause;
  while (cause) {
    parts.push(`caused by ${cause.errorType}: ${cause.message}`);
    cause = cause.cause;
  }
  return parts.join(" ");
}
