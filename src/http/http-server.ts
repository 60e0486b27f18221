/**
 * The HTTP server of a Taskhub host: HTTP triggers under `/api/`, the management API under
 * `/runtime/webhooks/durabletask`, JSON errors everywhere, bodies read with a size limit, one log line per request
 * (`info`, fields `method`, `path`, `status`, `ms`). A client that goes away mid-body gets no answer and is one
 * `debug` line. Built on `node:http` with standard `Request` / `Response` objects at the edges.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorFields, toLogger, toSink, type LogSink } from "../core/logger.js";
import type { Authorizer } from "./auth/authorizer.js";
import type { Principal } from "./auth/jwt.js";
import { errorResponse, HttpError, toHttpError } from "./http-error.js";
import type { HttpDurableClient } from "./http-management.js";
import { HTTP_ROUTE_PREFIX, toHandlerResponse, type HttpTriggerDefinition } from "./http-trigger.js";
import { handleManagementRequest, instanceOfRoute, isManagementPath } from "./management-api.js";
import {
  DEFAULT_MAX_BODY_BYTES,
  readBody,
  RequestAbortedError,
  requestUrl,
  toWebRequest,
  writeWebResponse,
} from "./node-adapter.js";
import { handleOpsRequest, opsRouteOf, type OpsEndpoints } from "./ops-routes.js";
import { DashboardAssets } from "./dashboard/dashboard-assets.js";
import { handleDashboardApi } from "./dashboard/dashboard-api.js";
import { QueryParams } from "./query-params.js";
import { formatRequestLine, redactedTarget, requestFields } from "./request-log.js";
import { splitPath } from "./route-template.js";
import { TriggerRouter, type TriggerMatch } from "./trigger-router.js";
import { withServerSpan, type ServedRequest } from "../tracing/server-spans.js";

/** Settings of {@link createRequestListener}. */
export interface HttpServerOptions {
  /** The app's HTTP triggers. */
  readonly triggers: readonly HttpTriggerDefinition[];
  /** The client handed to triggers and used by the management API. */
  readonly client: HttpDurableClient;
  /** The task hub's name (`taskHub=` in URLs). */
  readonly hubName: string;
  readonly authorizer: Authorizer;
  /** Largest accepted request body (default 1 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number | undefined;
  /** Take the URL origin from `X-Forwarded-Host` / `X-Forwarded-Proto` (default false). */
  readonly useForwardedHost?: boolean | undefined;
  /** Where request lines and handler errors go. */
  readonly logger: LogSink;
  /** Log one line per request (default true; requests to the operator's routes at `debug`). */
  readonly logRequests?: boolean | undefined;
  /**
   * The operator's routes (`/healthz`, `/readyz`, and `/metrics` when it has `metricsText`, behind the management
   * API's credentials); without them those paths are 404s.
   */
  readonly ops?: OpsEndpoints | undefined;
  /**
   * Serve the web dashboard at `/dashboard` (default true): its page and files without credentials (they hold no
   * data), its data routes (`/dashboard/api/...`) behind the management API's; `/` redirects there.
   */
  readonly dashboard?: boolean | undefined;
}

/** A node `request` listener serving triggers and the management API. Never throws; never sends a stack trace. */
export function createRequestListener(
  options: HttpServerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const router = new TriggerRouter(options.triggers);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = toLogger(options.logger);
  const dashboard = options.dashboard === false ? undefined : new DashboardAssets();
  return async (req, res) => {
    const started = performance.now();
    const method = (req.method ?? "GET").toUpperCase();
    let target = "(invalid target)";
    let response: Response;
    try {
      const url = requestUrl(req, options.useForwardedHost ?? false);
      target = redactedTarget(url);
      response = await dispatch(req, method, url);
    } catch (error) {
      if (error instanceof RequestAbortedError) {
        const ms = performance.now() - started;
        log.debug(
          `${method} ${target}: the client went away mid-body (${error.receivedBytes} bytes received)`,
          {
            ...requestFields(method, target, undefined, ms),
            receivedBytes: error.receivedBytes,
            aborted: true,
          },
        );
        res.destroy();
        return;
      }
      const mapped = toHttpError(error);
      if (mapped.status >= 500 && !(error instanceof HttpError))
        log.error(`${method} ${target} failed: ${String(error)}`, {
          method,
          path: target,
          ...errorFields(error),
          err: error,
        });
      response = errorResponse(mapped);
    }
    try {
      await writeWebResponse(res, response, method === "HEAD");
    } catch (error) {
      log.warn(`${method} ${target}: writing the response failed: ${String(error)}`, {
        method,
        path: target,
        ...errorFields(error),
      });
      res.destroy();
    }
    if (options.logRequests ?? true) {
      const ms = performance.now() - started;
      // Probes, scrapes and the dashboard's polls come every few seconds: their lines are for debugging.
      log[isQuietTarget(target, response.status) ? "debug" : "info"](
        formatRequestLine(method, target, response.status, ms),
        requestFields(method, target, response.status, ms),
      );
    }
  };

  async function dashboardRequest(
    assets: DashboardAssets,
    req: IncomingMessage,
    method: string,
    url: URL,
    segments: readonly string[],
  ): Promise<Response> {
    if (segments.length === 0)
      return new Response(null, { status: 302, headers: { location: "/dashboard/" } });
    const rest = segments.slice(1);
    if (rest[0] === "api") {
      await options.authorizer.authorize(toWebRequest(req, url, Buffer.alloc(0)), url, "system");
      return handleDashboardApi(
        {
          client: options.client,
          query: new QueryParams(url.searchParams),
          continuationToken: headerValue(req.headers["x-ms-continuation-token"]),
        },
        method,
        rest.slice(1),
      );
    }
    if (method !== "GET" && method !== "HEAD")
      throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use GET.`, {
        headers: { allow: "GET, HEAD" },
      });
    return assets.serve(rest);
  }

  async function dispatch(req: IncomingMessage, method: string, url: URL): Promise<Response> {
    const segments = splitPath(url.pathname);
    const ops = options.ops ? opsRouteOf(segments) : undefined;
    if (ops && options.ops)
      return handleOpsRequest(ops, method, options.ops, () =>
        options.authorizer.authorize(toWebRequest(req, url, Buffer.alloc(0)), url, "system"),
      );
    if (dashboard && (segments[0] === "dashboard" || segments.length === 0))
      return dashboardRequest(dashboard, req, method, url, segments);
    if (isManagementPath(segments)) {
      const probe = toWebRequest(req, url, Buffer.alloc(0));
      await options.authorizer.authorize(probe, url, "system", instanceOfRoute(segments));
      const body = await readBody(req, maxBodyBytes);
      const request = toWebRequest(req, url, body);
      const query = new QueryParams(url.searchParams);
      return withServerSpan(served(req, method, managementRoute(segments)), () =>
        handleManagementRequest(
          { client: options.client, request, url, query, body },
          method,
          segments,
          options.hubName,
        ),
      );
    }
    const match = router.match(method, segments);
    if (!match) throw new HttpError(404, "not_found", `No function or API route matches ${url.pathname}.`);
    const probe = toWebRequest(req, url, Buffer.alloc(0));
    const caller = await options.authorizer.authorize(probe, url, match.trigger.authLevel);
    const body = await readBody(req, maxBodyBytes);
    const request = toWebRequest(req, url, body);
    const route = `/${HTTP_ROUTE_PREFIX}/${match.trigger.route.template}`;
    return withServerSpan(served(req, method, route), () =>
      runTrigger(match, request, caller.principal, method, url),
    );
  }

  async function runTrigger(
    match: TriggerMatch,
    request: Request,
    principal: Principal | undefined,
    method: string,
    url: URL,
  ): Promise<Response> {
    try {
      const result: unknown = await match.trigger.handler(request, {
        name: match.trigger.name,
        params: match.params,
        client: options.client,
        principal,
        log: toSink(log.child({ trigger: match.trigger.name })),
      });
      return toHandlerResponse(result);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      log.error(`HTTP trigger '${match.trigger.name}' threw: ${String(error)}`, {
        trigger: match.trigger.name,
        method,
        path: redactedTarget(url),
        ...errorFields(error),
        err: error,
      });
      const mapped = toHttpError(error);
      // Client errors raised by the durable client (bad ID, unknown function...) keep their status, and so does a
      // storage fault (503 with Retry-After: the caller should come back, not report a bug).
      if (mapped.status < 500 || mapped.code === "storage_unavailable") throw mapped;
      throw new HttpError(
        500,
        "internal_error",
        `Function '${match.trigger.name}' failed; see the host log.`,
      );
    }
  }
}

/** A request as its span names it; the trace headers are read as they came. */
function served(req: IncomingMessage, method: string, route: string): ServedRequest {
  return {
    method,
    route,
    traceParent: singleHeader(req.headers.traceparent),
    traceState: singleHeader(req.headers.tracestate),
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** A management route for span names: IDs and keys left out, so that names stay few. */
function managementRoute(segments: readonly string[]): string {
  const base = `/${segments.slice(0, 3).join("/")}`;
  const [kind, ...rest] = segments.slice(3);
  if (kind === undefined) return base;
  switch (kind.toLowerCase()) {
    case "orchestrators":
      return `${base}/orchestrators/${rest[0] ?? ""}${rest.length > 1 ? "/{instanceId}" : ""}`;
    case "instances":
      return `${base}/instances${rest.length > 0 ? "/{instanceId}" : ""}${rest[1] ? `/${rest[1]}` : ""}`;
    case "entities":
      return `${base}/entities${rest.length > 0 ? "/{name}" : ""}${rest.length > 1 ? "/{key}" : ""}`;
    default:
      return `${base}/${kind}`;
  }
}

/**
 * True when the request line of a logged target (path and redacted query) is logged at `debug`: the operator's
 * routes, and the dashboard's files and reads when they succeed (its open tabs poll every few seconds; a refused
 * one, a 401 say, stays at `info`, and its actions go through the management API, logged at `info`).
 */
function isQuietTarget(target: string, status: number): boolean {
  const segments = splitPath(target.split("?")[0] ?? "");
  return opsRouteOf(segments) !== undefined || (segments[0] === "dashboard" && status < 400);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === "" ? undefined : text;
}
