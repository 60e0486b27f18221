/**
 * The built-in activity behind `ctx.callHttp` (`BuiltIn::HttpActivity`): sends one request with `fetch` and returns
 * its response, any status included. Every worker runs it; apps do not register it. Only a failure to get a response
 * (network error, abort by the attempt's timeout or a shutdown) fails it.
 * @module
 */
import type { ActivityDefinition } from "../api/definitions.js";
import { HTTP_ACTIVITY, type DurableHttpResponse, type HttpActivityInput } from "../api/durable-http.js";

async function sendRequest(input: HttpActivityInput, signal: AbortSignal): Promise<DurableHttpResponse> {
  let response: Response;
  try {
    response = await fetch(input.url, {
      method: input.method,
      headers: input.headers,
      ...(input.body !== undefined && input.method !== "GET" && input.method !== "HEAD"
        ? { body: input.body }
        : {}),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error; // the attempt's timeout or a shutdown, as the runner reports it
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`HTTP ${input.method} ${input.url} failed: ${String(detail)}`, { cause: error });
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { statusCode: response.status, headers, content: await response.text() };
}

/** The built-in HTTP activity's definition. */
export const HTTP_ACTIVITY_DEFINITION: ActivityDefinition = {
  kind: "activity",
  name: HTTP_ACTIVITY,
  handler: (input, context) => sendRequest(input as HttpActivityInput, context.signal),
};

/** The built-in activity named `name` (any casing), if there is one. */
export function builtInActivity(name: string): ActivityDefinition | undefined {
  return name.toLowerCase() === HTTP_ACTIVITY.toLowerCase() ? HTTP_ACTIVITY_DEFINITION : undefined;
}
