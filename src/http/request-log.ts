/**
 * Request logging: one line per request, with secrets redacted. `code=` and any query parameter whose name looks
 * like a credential are replaced by `***`; headers (where keys and bearer tokens travel) are never logged.
 * @module
 */

const SECRET_NAME = /^(code|key|token|access_token|id_token|sig|signature|secret|password|apikey|api_key)$/i;

/** The path and query of `url` for logs: secrets redacted, control characters escaped, at most 300 characters. */
export function redactedTarget(url: URL): string {
  const params = [...url.searchParams].map(([name, value]) =>
    SECRET_NAME.test(name) ? `${name}=***` : `${name}=${value}`,
  );
  const target = params.length > 0 ? `${url.pathname}?${params.join("&")}` : url.pathname;
  const safe = target.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return safe.length > 300 ? `${safe.slice(0, 300)}…` : safe;
}

/** The fields of an access-log line: `method`, `path` (redacted), `status` (absent when none was sent), `ms`. */
export function requestFields(
  method: string,
  target: string,
  status: number | undefined,
  elapsedMs: number,
): { method: string; path: string; status?: number; ms: number } {
  return { method, path: target, ...(status !== undefined ? { status } : {}), ms: Math.round(elapsedMs) };
}

/** One access-log line: `GET /api/orders?code=*** 202 12ms`. */
export function formatRequestLine(method: string, target: string, status: number, elapsedMs: number): string {
  return `${method} ${target} ${status} ${Math.round(elapsedMs)}ms`;
}
