/**
 * Taskhub's errors as gRPC statuses, the way the Durable Task SDKs read them: an unknown instance `NOT_FOUND`, an ID
 * in use `ALREADY_EXISTS`, an operation the instance's state does not allow `FAILED_PRECONDITION`, a bad argument
 * `INVALID_ARGUMENT`, a storage fault `UNAVAILABLE` (the caller retries), a wait past its limit
 * `DEADLINE_EXCEEDED`. Anything else is `INTERNAL` with a generic message: the error itself (with its stack) goes to
 * the sidecar's log, never to the caller.
 * @module
 */
import { status, type ServerUnaryCall, type StatusObject, type sendUnaryData } from "@grpc/grpc-js";
import { errorFields, type Logger } from "../core/logger.js";

/** A gRPC status for a failed call: its code and the message the caller sees. */
export type GrpcFailure = Pick<StatusObject, "code" | "details">;

/** Taskhub's error classes (by `name`, which survives duplicated package copies) and the status each becomes. */
const CODES: Readonly<Record<string, status>> = {
  InstanceNotFoundError: status.NOT_FOUND,
  InstanceAlreadyExistsError: status.ALREADY_EXISTS,
  InstanceStateError: status.FAILED_PRECONDITION,
  InvalidArgumentError: status.INVALID_ARGUMENT,
  UnknownFunctionError: status.INVALID_ARGUMENT,
  PayloadTooLargeError: status.INVALID_ARGUMENT,
  HistoryFileError: status.INVALID_ARGUMENT,
  TaskHubUnavailableError: status.UNAVAILABLE,
  TimeoutError: status.DEADLINE_EXCEEDED,
};

/** An error that carries the gRPC status it must answer with (thrown by the handlers themselves). */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "GrpcStatusError";
  }
}

/**
 * The status a failed call answers with. A Taskhub error keeps its message (they name the instance and the rule, never
 * a stack); any other error is logged with its stack and answered `INTERNAL` with a message that says only where to
 * look.
 */
export function grpcFailureOf(error: unknown, method: string, log: Logger): GrpcFailure {
  if (error instanceof GrpcStatusError) return { code: error.code, details: error.message };
  const name = error instanceof Error ? error.name : undefined;
  const code = name !== undefined ? CODES[name] : undefined;
  if (code !== undefined && error instanceof Error) {
    if (code === status.UNAVAILABLE)
      log.warn(`${method}: the task hub is unavailable: ${error.message}`, errorFields(error));
    return { code, details: error.message };
  }
  log.error(`${method} failed: ${error instanceof Error ? error.message : String(error)}`, {
    ...errorFields(error),
    ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  });
  return { code: status.INTERNAL, details: `${method} failed in the sidecar (its log has the error).` };
}

/** A unary RPC handler, as `grpc.Server.addService` takes it. */
export type UnaryHandler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/**
 * A unary handler running `run`: its result is the response, and whatever it throws (or an exception of a malformed
 * request) is answered as {@link grpcFailureOf} says; the server never crashes on a call.
 */
export function unaryHandler<Req, Res>(
  method: string,
  log: Logger,
  run: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): UnaryHandler<Req, Res> {
  return (call, callback) => {
    let settled: Promise<Res>;
    try {
      settled = run(call.request, call);
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.then(
      (response) => callback(null, response),
      (error: unknown) => callback(grpcFailureOf(error, method, log)),
    );
  };
}
