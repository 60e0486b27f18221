/**
 * The bridge between `node:http` and the standard `Request` / `Response` classes: the request body is read with a
 * size limit before anything else sees it, and responses are written back with their status, headers and body.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./http-error.js";

const HOST = /^(?:[A-Za-z0-9.\-_~]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Default largest accepted request body: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The client went away before sending the whole request body: there is no one to answer. */
export class RequestAbortedError extends Error {
  override readonly name = "RequestAbortedError";

  constructor(
    /** Body bytes received before the client went away. */
    readonly receivedBytes: number,
    cause: unknown,
  ) {
    super(`The client aborted the request after ${receivedBytes} body bytes.`, { cause });
  }
}

/**
 * Reads the whole body of `req`, failing with 413 as soon as it exceeds `maxBytes` (announced by `Content-Length` or
 * counted while streaming). The rest of an oversized body is drained, not parsed.
 * @throws RequestAbortedError when the client goes away mid-body.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (): HttpError =>
    new HttpError(
      413,
      "payload_too_large",
      `The request body is larger than the limit of ${maxBytes} bytes.`,
    );
  const announced = Number(req.headers["content-length"]);
  if (Number.isFinite(announced) && announced > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBytes) {
        req.resume();
        throw tooLarge();
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof HttpError || req.complete) throw error;
    throw new RequestAbortedError(size, error);
  }
  if (!req.complete) throw new RequestAbortedError(size, undefined);
  return Buffer.concat(chunks);
}

/**
 * The absolute URL of a request. The origin comes from the `Host` header (or `X-Forwarded-Host` /
 * `X-Forwarded-Proto` when `useForwardedHost` is on, as Durable Functions' `httpSettings.useForwardedHost`).
 * @throws HttpError 400 when the host or path cannot form a URL.
 */
export function requestUrl(req: IncomingMessage, useForwardedHost: boolean): URL {
  const first = (value: string | string[] | undefined): string | undefined =>
    (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim() || undefined;
  let host = first(req.headers.host) ?? "localhost";
  let proto = "http";
  if (useForwardedHost) {
    host = first(req.headers["x-forwarded-host"]) ?? host;
    proto = first(req.headers["x-forwarded-proto"]) === "https" ? "https" : proto;
  }
  const path = req.url ?? "/";
  if (!path.startsWith("/"))
    throw new HttpError(400, "bad_request", "The request target must be an absolute path.");
  if (!HOST.test(host)) throw new HttpError(400, "bad_request", "The request has an invalid Host header.");
  try {
    return new URL(`${proto}://${host}${path}`);
  } catch {
    throw new HttpError(400, "bad_request", "The request has an invalid Host header or target.");
  }
}

/** Builds a standard `Request` from a node request whose body was already read. */
export function toWebRequest(req: IncomingMessage, url: URL, body: Buffer): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = (req.method ?? "GET").toUpperCase();
  const hasBody = method !== "GET" && method !== "HEAD" && body.length > 0;
  return new Request(url, { method, headers, body: hasBody ? body : null });
}

/** Writes a standard `Response` to a node response. */
export async function writeWebResponse(
  res: ServerResponse,
  response: Response,
  headOnly = false,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const body = headOnly || response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  if (body !== undefined && headers["content-length"] === undefined)
    headers["content-length"] = String(body.length);
  res.writeHead(response.status, response.statusText || undefined, headers);
  res.end(body);
}
