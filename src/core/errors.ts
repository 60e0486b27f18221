/**
 * The error hierarchy. Every error Taskhub throws is a {@link DurableError}; the `name` of each class is stable so
 * checks survive duplicated package copies (use the `isX` guards rather than `instanceof` across realms).
 * @module
 */
import { describeFailure, type FailureDetails } from "./failure.js";
import {
  CONTINUE_AS_NEW_ADVICE,
  formatCount,
  limitUnit,
  type OrchestrationLimitName,
} from "./limit-messages.js";

/** Base class of every error Taskhub throws. */
export class DurableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The instance does not exist in the task hub. */
export class InstanceNotFoundError extends DurableError {
  constructor(readonly instanceId: string) {
    super(`No orchestration instance with ID '${instanceId}' exists in the task hub.`);
  }
}

/** Starting an instance whose ID is held by an instance that is still Pending, Running or Suspended. */
export class InstanceAlreadyExistsError extends DurableError {
  constructor(
    readonly instanceId: string,
    readonly status: string,
  ) {
    super(
      `An orchestration instance with ID '${instanceId}' already exists and is ${status}; ` +
        `it can be started again once it has finished.`,
    );
  }
}

/** The operation is not valid in the instance's current state (for example raising an event on a finished one). */
export class InstanceStateError extends DurableError {
  constructor(
    readonly instanceId: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

/** A worker tried to complete or renew a work item whose lease it no longer holds. Nothing was written. */
export class WorkItemLockLostError extends DurableError {
  constructor(readonly what: string) {
    super(
      `The lock on ${what} was lost (its lease expired and another worker may own it); the result was discarded.`,
    );
  }
}

/**
 * The remote executor that took a work item (an SDK worker connected to the sidecar over the Durable Task gRPC
 * protocol) went away before completing it: its stream closed, or the sidecar is stopping. The worker releases the
 * item at once, without counting the delivery, so that another executor gets it.
 */
export class RemoteWorkerLostError extends DurableError {}

/**
 * A remote executor could not run an entity batch as a whole (the SDK's `EntityBatchResult.failureDetails`: its
 * framework failed, not an operation). Nothing of the batch is kept; the worker retries the work item later with
 * the delivery counted, so that a batch that keeps failing runs one operation per step and is quarantined past the
 * `maxDeliveryCount`.
 */
export class EntityBatchFailedError extends DurableError {}

/** An argument is invalid: a bad instance ID, an unknown name, a value that cannot be serialized. */
export class InvalidArgumentError extends DurableError {}

/** No orchestrator, activity or entity with that name is registered. */
export class UnknownFunctionError extends InvalidArgumentError {
  constructor(
    readonly kind: "orchestrator" | "activity" | "entity",
    readonly functionName: string,
    known: readonly string[],
  ) {
    const kinds = kind === "orchestrator" ? "orchestrators" : kind === "activity" ? "activities" : "entities";
    super(
      `No ${kind} named '${functionName}' is registered.` +
        (known.length > 0 ? ` Registered ${kinds}: ${known.join(", ")}.` : ` No ${kinds} are registered.`),
    );
  }
}

/** Replayed orchestrator code did something other than what its history recorded. */
export class NonDeterminismError extends DurableError {}

/**
 * A versioned worker must not run an orchestration instance of this version (its `versioning.matchStrategy` refuses
 * it) and its `versioning.failureStrategy` is `Fail`: the instance fails with this error, whose message names the
 * instance's version and the worker's.
 */
export class VersionMismatchError extends DurableError {
  constructor(
    /** The instance's version (`undefined`: none). */
    readonly instanceVersion: string | undefined,
    /** The version of the worker that refused it. */
    readonly workerVersion: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A history file (`taskhub history export`, read by `replayHistories`) is not one: not JSON, another format or format
 * version, or a field missing or of the wrong type. The message names the file and the field.
 */
export class HistoryFileError extends InvalidArgumentError {}

/** A task (activity, sub-orchestration) awaited by an orchestrator failed. Carries the failure record. */
export class TaskFailedError extends DurableError {
  constructor(
    message: string,
    readonly failure: FailureDetails,
    readonly taskName?: string,
  ) {
    super(`${message}: ${describeFailure(failure)}`);
  }
}

/** An orchestration failed; thrown by the client when a caller asks for the output of a failed instance. */
export class OrchestrationFailedError extends DurableError {
  constructor(
    readonly instanceId: string,
    readonly failure: FailureDetails,
  ) {
    super(`Orchestration '${instanceId}' failed: ${describeFailure(failure)}`);
  }
}

/** Throw this from an activity or orchestrator to mark the failure as permanent: retry policies will not retry it. */
export class NonRetryableError extends DurableError {
  readonly nonRetryable = true;
}

/**
 * Work quarantined as poison: an activity, an orchestration step or an entity operation that was delivered to workers
 * `deliveryCount` times (its `maxDeliveryCount`) and never completed, because each delivery ended with its worker
 * crashing, hanging or losing its lease. Its code is not run again: an activity fails with this error (its caller's
 * `try/catch` sees a `TaskFailedError` whose failure has `errorType` `PoisonMessageError`; retry policies never
 * retry it), an orchestration fails, and an entity operation's caller gets it as the operation's failure.
 */
export class PoisonMessageError extends NonRetryableError {
  constructor(
    /** What was quarantined, e.g. `Activity 'Charge' (attempt 1) of instance 'order-1'`. */
    readonly what: string,
    /** How many deliveries ended without completing. */
    readonly deliveryCount: number,
    /** The limit it reached. */
    readonly maxDeliveryCount: number,
    /** The worker that held the last of them, when known. */
    readonly lastWorkerId: string | undefined,
  ) {
    super(
      `${what} was quarantined as poison work: it was delivered ${deliveryCount} time${deliveryCount === 1 ? "" : "s"} ` +
        `and no delivery completed (each one's worker crashed, hung or lost its lease), reaching maxDeliveryCount ` +
        `${maxDeliveryCount}; ` +
        (lastWorkerId !== undefined
          ? `the last delivery was held by worker ${lastWorkerId}.`
          : "the worker of the last delivery is not known.") +
        " It is not run again.",
    );
  }
}

/**
 * A wait exceeded its limit: waiting for an instance beyond the caller's timeout, or an activity attempt that ran
 * longer than its `timeoutMs` or sent no heartbeat for its `heartbeatTimeoutMs` (the message names the limit). An
 * activity's timeout reaches the orchestration as a `TaskFailedError` whose failure has `errorType` `TimeoutError`,
 * retried by the call's retry policy like any failure.
 */
export class TimeoutError extends DurableError {}

/** Orchestrator code broke a usage rule (awaited a non-durable promise, called the context after completion...). */
export class OrchestratorMisuseError extends DurableError {}

/**
 * Orchestrator code broke a rule of critical sections (`ctx.lockEntities`): nested sections, calling an entity it has
 * not locked, signalling one it has locked, starting a sub-orchestration inside a section... As Durable Functions'
 * `LockingRulesViolationException`, it fails the orchestration unless the code catches it.
 */
export class LockingRulesViolationError extends OrchestratorMisuseError {}

/** A task hub could not be reached or returned something it should not have (corrupted rows, schema too new). */
export class TaskHubError extends DurableError {}

/** Why a task hub's storage cannot serve an operation right now (see {@link TaskHubUnavailableError}). */
export type StorageFault =
  /** Locked by another writer beyond the busy timeout, or too many connections. */
  | "busy"
  /** The disk or the database is full, or the server is out of resources. */
  | "full"
  /** The database is read-only (file permissions, a read-only mount, a read-only server or transaction). */
  | "read-only"
  /** The storage failed to read or write (an I/O error, a file that cannot be opened). */
  | "io"
  /** The database server cannot be reached, or it dropped the connection (shutdown, restart, network). */
  | "unreachable";

/**
 * The task hub's storage cannot serve the operation right now: the disk is full, the database is read-only or locked
 * beyond its busy timeout, or the database server is gone. Nothing was written, and the same call may succeed once
 * the fault is fixed: callers retry with back-off (the HTTP API answers 503 with `Retry-After`). The SQLite and
 * PostgreSQL backends classify their drivers' errors into this class once; `cause` is the driver's error.
 */
export class TaskHubUnavailableError extends TaskHubError {
  constructor(
    /** What kind of fault. */
    readonly fault: StorageFault,
    message: string,
    options?: {
      /** The driver's error code (`SQLITE_FULL`, a PostgreSQL SQLSTATE, `ECONNREFUSED`...), when it had one. */
      readonly driverCode?: string | undefined;
      readonly cause?: unknown;
    },
  ) {
    super(message, { cause: options?.cause });
    this.driverCode = options?.driverCode;
  }

  /** The driver's error code, when it had one. */
  readonly driverCode: string | undefined;
}

function hasName(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

/** True when `error` is a {@link WorkItemLockLostError}. */
export const isWorkItemLockLostError = (error: unknown): error is WorkItemLockLostError =>
  hasName(error, "WorkItemLockLostError");
/** True when `error` is a {@link TaskFailedError}. */
export const isTaskFailedError = (error: unknown): error is TaskFailedError =>
  hasName(error, "TaskFailedError");
/** True when `error` is an {@link InstanceNotFoundError}. */
export const isInstanceNotFoundError = (error: unknown): error is InstanceNotFoundError =>
  hasName(error, "InstanceNotFoundError");
/** True when `error` is a {@link TimeoutError}. */
export const isTimeoutError = (error: unknown): error is TimeoutError => hasName(error, "TimeoutError");
/** True when `error` is a {@link VersionMismatchError}. */
export const isVersionMismatchError = (error: unknown): error is VersionMismatchError =>
  hasName(error, "VersionMismatchError");
/** True when `error` is a {@link PoisonMessageError}. */
export const isPoisonMessageError = (error: unknown): error is PoisonMessageError =>
  hasName(error, "PoisonMessageError");
/** True when `error` is a {@link NonDeterminismError}. */
export const isNonDeterminismError = (error: unknown): error is NonDeterminismError =>
  hasName(error, "NonDeterminismError");

/**
 * A payload (an input, output, event data, custom status, entity state...) is larger, as JSON, than the configured
 * `maxPayloadBytes`. Thrown where the payload is serialized, before anything is written; permanent (never retried).
 * The HTTP API answers it with 413.
 */
export class PayloadTooLargeError extends InvalidArgumentError {
  readonly nonRetryable = true;

  constructor(
    /** What the payload is, e.g. `Output of activity 'Resize'`. */
    readonly what: string,
    /** Its size as UTF-8 JSON, in bytes. */
    readonly bytes: number,
    /** The limit it exceeds (`maxPayloadBytes`). */
    readonly maxBytes: number,
  ) {
    super(
      `${what} is ${formatCount(bytes)} bytes of JSON, more than the payload limit of ${formatCount(maxBytes)} ` +
        `bytes (maxPayloadBytes). Keep large data outside the task hub (a file or blob store) and pass a reference.`,
    );
  }
}

/** The limit of one execution an {@link OrchestrationLimitError} names. */
export type { OrchestrationLimitName } from "./limit-messages.js";

/**
 * A runaway execution: it scheduled more actions (`maxOrchestrationActions`: activities, timers, sub-orchestrations,
 * events sent, entity operations) or grew a longer history (`maxHistoryEvents`) than its limit allows. The
 * orchestration fails with it; it is permanent (never retried). An eternal orchestration must call
 * `ctx.continueAsNew`, which starts a fresh execution with an empty history.
 */
export class OrchestrationLimitError extends DurableError {
  readonly nonRetryable = true;

  constructor(
    /** The setting that was exceeded. */
    readonly limit: OrchestrationLimitName,
    /** Its value. */
    readonly maxValue: number,
    orchestration: { readonly name: string; readonly instanceId: string },
  ) {
    super(
      `Orchestration '${orchestration.name}' (instance '${orchestration.instanceId}') reached the limit of ` +
        `${formatCount(maxValue)} ${limitUnit(limit)} in one execution (${limit}). ${CONTINUE_AS_NEW_ADVICE}`,
    );
  }
}

/** True when `error` is a {@link PayloadTooLargeError}. */
export const isPayloadTooLargeError = (error: unknown): error is PayloadTooLargeError =>
  hasName(error, "PayloadTooLargeError");
/** True when `error` is an {@link OrchestrationLimitError}. */
export const isOrchestrationLimitError = (error: unknown): error is OrchestrationLimitError =>
  hasName(error, "OrchestrationLimitError");
/** True when `error` is a {@link TaskHubUnavailableError}. */
export const isTaskHubUnavailableError = (error: unknown): error is TaskHubUnavailableError =>
  hasName(error, "TaskHubUnavailableError");
/** True when `error` is a {@link RemoteWorkerLostError}. */
export const isRemoteWorkerLostError = (error: unknown): error is RemoteWorkerLostError =>
  hasName(error, "RemoteWorkerLostError");
/** True for an {@link EntityBatchFailedError} (by name: works across copies of the module). */
export const isEntityBatchFailedError = (error: unknown): error is EntityBatchFailedError =>
  hasName(error, "EntityBatchFailedError");
