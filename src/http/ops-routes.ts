/**
 * The operator's routes of a host: `GET /healthz` (liveness: the process serves), `GET /readyz` (readiness: the hub
 * answers and the worker is polling) and `GET /metrics` (Prometheus text). Exact paths at the root: HTTP trigger
 * routes all live under `/api/` and the management API under `/runtime/webhooks/durabletask`, so neither can shadow
 * them or be shadowed. Health answers carry no details an attacker could use: no versions, paths, connection strings
 * or error texts, only which check failed. Also the listener of a separate metrics port, which serves these three
 * routes only, without credentials.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorResponse, HttpError, jsonResponse } from "./http-error.js";
import { requestUrl, writeWebResponse } from "./node-adapter.js";
import { splitPath } from "./route-template.js";

/** A host's readiness, as `GET /readyz` reports it. */
export interface Readiness {
  /** True when every check passed. */
  readonly ready: boolean;
  /** Each check by name (`hub`, `worker`): true when it passed. */
  readonly checks: Readonly<Record<string, boolean>>;
}

/** What the operator's routes serve. */
export interface OpsEndpoints {
  /** The host's readiness now (cheap: the host caches it for a moment). Never throws. */
  readonly readiness: () => Promise<Readiness>;
  /** The Prometheus text of the host's metrics; absent when metrics are off (`/metrics` is then a 404). */
  readonly metricsText?: (() => Promise<string>) | undefined;
  /** The media type of {@link metricsText}'s text. */
  readonly metricsContentType?: string | undefined;
}

/** The operator's routes, by their one path segment. */
export type OpsRoute = "healthz" | "readyz" | "metrics";

const ROUTES: readonly OpsRoute[] = ["healthz", "readyz", "metrics"];

/** The operator's route of raw path segments (`/healthz` is `["healthz"]`), else `undefined`. Case-sensitive. */
export function opsRouteOf(segments: readonly string[]): OpsRoute | undefined {
  if (segments.length !== 1) return undefined;
  return ROUTES.find((route) => route === segments[0]);
}

const NO_STORE = { "cache-control": "no-store" };

/**
 * Answers an operator's route (`GET` or `HEAD`; others get 405). `authorizeMetrics` checks the credentials of a
 * `/metrics` request (the management API's rules) and throws an `HttpError` when they do not do.
 */
export async function handleOpsRequest(
  route: OpsRoute,
  method: string,
  endpoints: OpsEndpoints,
  authorizeMetrics: () => Promise<unknown>,
): Promise<Response> {
  if (method !== "GET" && method !== "HEAD")
    throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use GET.`, {
      headers: { allow: "GET, HEAD" },
    });
  switch (route) {
    case "healthz":
      return jsonResponse(200, { status: "ok" }, NO_STORE);
    case "readyz": {
      const readiness = await endpoints.readiness();
      return jsonResponse(
        readiness.ready ? 200 : 503,
        {
          status: readiness.ready ? "ready" : "not_ready",
          checks: Object.fromEntries(
            Object.entries(readiness.checks).map(([name, ok]) => [name, ok ? "ok" : "failing"]),
          ),
        },
        NO_STORE,
      );
    }
    case "metrics": {
      const metricsText = endpoints.metricsText;
      if (!metricsText) throw new HttpError(404, "not_found", "Metrics are not served here.");
      await authorizeMetrics();
      return new Response(await metricsText(), {
        status: 200,
        headers: {
          "content-type": endpoints.metricsContentType ?? "text/plain; charset=utf-8",
          ...NO_STORE,
        },
      });
    }
  }
}

/**
 * The `request` listener of a separate metrics port: the operator's routes without credentials, a JSON 404 for any
 * other path. Never throws; never sends a stack trace.
 */
export function createOpsListener(
  endpoints: OpsEndpoints,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const method = (req.method ?? "GET").toUpperCase();
    let response: Response;
    try {
      const url = requestUrl(req, false);
      const route = opsRouteOf(splitPath(url.pathname));
      if (!route)
        throw new HttpError(404, "not_found", "Only /metrics, /healthz and /readyz are served here.");
      response = await handleOpsRequest(route, method, endpoints, () => Promise.resolve());
    } catch (error) {
      response = errorResponse(
        error instanceof HttpError ? error : new HttpError(500, "internal_error", "The request failed."),
      );
    }
    req.resume();
    await writeWebResponse(res, response, method === "HEAD").catch(() => res.destroy());
  };
}
