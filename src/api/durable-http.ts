/**
 * Durable HTTP (`ctx.callHttp`): an HTTP request run as a durable task. The request runs in the built-in activity
 * {@link HTTP_ACTIVITY} (so its response is recorded in history as the activity's result, and replays read it back);
 * with the asynchronous pattern on, a `202 Accepted` with a `Location` header is polled on durable timers until a
 * final response, as Durable Functions does.
 * @module
 */
import type { RetryPolicy } from "../core/retry-policy.js";

/** The name of the built-in activity that sends a durable HTTP request (as Durable Functions names it). */
export const HTTP_ACTIVITY = "BuiltIn::HttpActivity";

/** Default wait between two polls of a `202` without a `Retry-After` header, in milliseconds. */
export const DEFAULT_HTTP_POLL_MS = 1000;

/** A durable HTTP request (`ctx.callHttp`). */
export interface DurableHttpRequest {
  /** `GET`, `POST`, … (default `GET`). */
  readonly method?: string | undefined;
  /** An absolute `http:` or `https:` URL. */
  readonly url: string;
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** A string is sent as is; any other value as JSON (with `Content-Type: application/json` unless set). */
  readonly body?: unknown;
  /**
   * Retry each request (the first and every poll) on failure (a network error or a timeout; non-2xx responses
   * are results, never failures), waiting on durable timers.
   */
  readonly retry?: RetryPolicy | undefined;
  /**
   * Poll a `202 Accepted` that has a `Location` header (GET, same headers) until another status comes, waiting
   * `Retry-After` (seconds or an HTTP date), else 1 s, on a durable timer between polls (default true).
   */
  readonly asynchronousPatternEnabled?: boolean | undefined;
  /** Longest time one request may take, in ms (default none): a longer one fails with a timeout. */
  readonly timeoutMs?: number | undefined;
}

/** The final response of a durable HTTP request: any status, a `4xx` or `5xx` included. */
export interface DurableHttpResponse {
  readonly statusCode: number;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, as text (`""` when empty). */
  readonly content: string;
}

/** What the built-in activity gets: one request, its body already text. @internal */
export interface HttpActivityInput {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
}
