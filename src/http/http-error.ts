/**
 * HTTP errors and their JSON bodies. Every error the server sends is `{ "error": code, "message": text }` (plus
 * `parameter` when a query or route value is at fault); never a stack trace.
 * @module
 */
import {
  InstanceAlreadyExistsError,
  InvalidArgumentError,
  TimeoutError,
  isPayloadTooLargeError,
  type StorageFault,
} from "../core/errors.js";
import { STORAGE_RETRY_AFTER_SECONDS, storageFaultMessage, storageFaultOf } from "./storage-unavailable.js";

/** Stable, machine-readable error codes of the HTTP API. */
export type HttpErrorCode =
  | "bad_request"
  | "invalid_json"
  | "invalid_parameter"
  | "invalid_instance_id"
  | "invalid_content_type"
  | "unknown_function"
  | "not_found"
  | "instance_not_found"
  | "method_not_allowed"
  | "instance_finished"
  | "instance_exists"
  | "precondition_failed"
  | "payload_too_large"
  | "unauthorized"
  | "forbidden"
  | "timeout"
  | "auth_unavailable"
  | "storage_unavailable"
  | "internal_error";

/** The JSON body of an error response. */
export interface HttpErrorBody {
  readonly error: HttpErrorCode;
  readonly message: string;
  /** The query or route parameter at fault, when there is one. */
  readonly parameter?: string;
  /** For `storage_unavailable`: what is wrong with the storage (`busy`, `full`, `read-only`, `io`, `unreachable`). */
  readonly fault?: StorageFault;
}

/** An error that becomes an HTTP response with its status, code and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly options: {
      readonly parameter?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly fault?: StorageFault;
    } = {},
  ) {
    super(message);
    this.name = "HttpError";
  }

  /** The JSON body sent for this error. */
  toBody(): HttpErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.options.parameter !== undefined ? { parameter: this.options.parameter } : {}),
      ...(this.options.fault !== undefined ? { fault: this.options.fault } : {}),
    };
  }
}

/** 400 for an invalid query or route value, naming the parameter. */
export function invalidParameter(parameter: string, message: string): HttpError {
  return new HttpError(400, "invalid_parameter", message, { parameter });
}

/** A JSON response with the given status and body. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body ?? null);
  return new Response(status === 204 ? null : text, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The JSON response for an {@link HttpError}. */
export function errorResponse(error: HttpError): Response {
  return jsonResponse(error.status, error.toBody(), { ...error.options.headers });
}

/** 503 `storage_unavailable` with `Retry-After` for a storage fault. */
export function storageUnavailable(fault: StorageFault): HttpError {
  return new HttpError(503, "storage_unavailable", storageFaultMessage(fault), {
    fault,
    headers: { "retry-after": String(STORAGE_RETRY_AFTER_SECONDS[fault]) },
  });
}

/**
 * Maps anything thrown while handling a request to an {@link HttpError}: HTTP errors stay as they are, invalid
 * arguments become 400 (a payload over `maxPayloadBytes` 413), duplicate instances 409, timeouts 504, storage faults
 * (`TaskHubUnavailableError`, also as the `cause` of another error) 503 with `Retry-After`; anything else is a 500
 * whose message says nothing about internals (the caller logs the real error).
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof InstanceAlreadyExistsError || name === "InstanceAlreadyExistsError")
    return new HttpError(409, "instance_exists", message);
  if (name === "UnknownFunctionError") return new HttpError(400, "unknown_function", message);
  if (isPayloadTooLargeError(error)) return new HttpError(413, "payload_too_large", message);
  if (error instanceof InvalidArgumentError || name === "InvalidArgumentError")
    return new HttpError(400, "bad_request", message);
  if (name === "InstanceNotFoundError") return new HttpError(404, "instance_not_found", message);
  if (name === "InstanceStateError") return new HttpError(410, "instance_finished", message);
  if (error instanceof TimeoutError || name === "TimeoutError") return new HttpError(504, "timeout", message);
  const fault = storageFaultOf(error);
  if (fault) return storageUnavailable(fault.fault);
  return new HttpError(500, "internal_error", "Something went wrong while processing your request.");
}
