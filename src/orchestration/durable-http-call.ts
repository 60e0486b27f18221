/**
 * `ctx.callHttp`: a durable HTTP request, composed of the built-in HTTP activity and durable timers. Everything that
 * decides what happens next (the status, `Location`, `Retry-After`) comes from recorded activity results and the
 * episode's time, so replays take the same path.
 * @module
 */
import { DurableTask } from "../api/durable-task.js";
import {
  DEFAULT_HTTP_POLL_MS,
  HTTP_ACTIVITY,
  type DurableHttpRequest,
  type DurableHttpResponse,
  type HttpActivityInput,
} from "../api/durable-http.js";
import type { OrchestrationContext } from "../api/orchestration-context.js";
import { InvalidArgumentError } from "../core/errors.js";

/** Checks a request and makes the activity input of its first call. */
function firstInput(request: DurableHttpRequest): HttpActivityInput {
  if (typeof request !== "object" || request === null)
    throw new InvalidArgumentError("callHttp needs a request { method, url, headers, body }.");
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new InvalidArgumentError(`callHttp needs an absolute URL, got ${JSON.stringify(request.url)}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError(`callHttp supports http: and https: URLs, got '${url.protocol}'.`);
  const method = request.method ?? "GET";
  if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method))
    throw new InvalidArgumentError(
      `callHttp's method must be an HTTP method name, got ${JSON.stringify(method)}.`,
    );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (typeof value !== "string")
      throw new InvalidArgumentError(`callHttp's header '${name}' must be a string.`);
    headers[name] = value;
  }
  if (request.timeoutMs !== undefined && !(Number.isInteger(request.timeoutMs) && request.timeoutMs > 0))
    throw new InvalidArgumentError(`callHttp's timeoutMs must be a positive whole number of ms.`);
  let body: string | undefined;
  if (typeof request.body === "string") body = request.body;
  else if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type"))
      headers["Content-Type"] = "application/json";
  }
  return { method: method.toUpperCase(), url: url.href, headers, ...(body !== undefined ? { body } : {}) };
}

/** Milliseconds to wait before polling again, from `Retry-After` (seconds or an HTTP date), else the default. */
export function pollDelay(response: DurableHttpResponse, now: number): number {
  const header = response.headers["retry-after"]?.trim();
  if (header === undefined || header === "") return DEFAULT_HTTP_POLL_MS;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : DEFAULT_HTTP_POLL_MS;
}

/**
 * Runs `request` as durable tasks of `ctx`: the request in the built-in activity; with the asynchronous pattern on,
 * each `202` with a `Location` is followed by a durable timer and a GET of that location.
 * @throws InvalidArgumentError (synchronously) for a malformed request.
 */
export function callHttp(
  ctx: OrchestrationContext,
  request: DurableHttpRequest,
): DurableTask<DurableHttpResponse> {
  const input = firstInput(request);
  const options = {
    ...(request.retry ? { retry: request.retry } : {}),
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
  };
  const polling = request.asynchronousPatternEnabled ?? true;
  const task = new DurableTask<DurableHttpResponse>(`HTTP ${input.method} ${input.url}`);
  void (async () => {
    try {
      let current = input;
      let response = await ctx.callActivity<DurableHttpResponse>(HTTP_ACTIVITY, current, options);
      while (polling && response.statusCode === 202 && response.headers.location) {
        const now = ctx.currentUtcDateTime.getTime();
        await ctx.createTimer(now + pollDelay(response, now));
        current = {
          method: "GET",
          url: new URL(response.headers.location, current.url).href,
          headers: input.headers,
        };
        response = await ctx.callActivity<DurableHttpResponse>(HTTP_ACTIVITY, current, options);
      }
      task.complete(response);
    } catch (error) {
      task.fail(error);
    }
  })();
  return task;
}
