/**
 * HTTP triggers: `app.http(name, { route, methods, authLevel }, handler)`. A handler gets a standard `Request` and a
 * context with the route parameters, the durable client and the verified caller, and returns a `Response` or any
 * value (sent as JSON; `undefined` is 204). Routes live under `/api/`, as in Azure Functions.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { LogSink } from "../core/logger.js";
import type { AuthLevel } from "./auth/authorizer.js";
import type { Principal } from "./auth/jwt.js";
import type { HttpDurableClient } from "./http-management.js";
import { RouteTemplate } from "./route-template.js";

/** HTTP methods a trigger can accept. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** The prefix of every HTTP trigger route (Azure Functions' default `routePrefix`). */
export const HTTP_ROUTE_PREFIX = "api";

/** Options of `app.http`. */
export interface HttpTriggerOptions {
  /** Route template under `/api/`, e.g. `orders/{orderId}` (default: the trigger's name). */
  readonly route?: string;
  /** Accepted methods, any casing (default GET and POST, as Azure Functions). */
  readonly methods?: readonly (HttpMethod | Lowercase<HttpMethod>)[];
  /** Who may call it (default `anonymous`, as Azure Functions' v4 programming model). */
  readonly authLevel?: AuthLevel;
}

/** What an HTTP handler receives besides the request. */
export interface HttpTriggerContext {
  /** The trigger's name. */
  readonly name: string;
  /** Route parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The durable client, with the async-HTTP helpers. */
  readonly client: HttpDurableClient;
  /** The verified bearer-token caller, when a token was sent. */
  readonly principal?: Principal | undefined;
  /** The host's logger; lines carry the trigger's name (`trigger`), a last plain-object argument adds fields. */
  readonly log: LogSink;
}

/** An HTTP handler: returns a `Response`, or a value sent as JSON (200; `undefined` gives 204). */
export type HttpHandler = (request: Request, context: HttpTriggerContext) => unknown;

/** A registered HTTP trigger. */
export interface HttpTriggerDefinition {
  readonly kind: "http";
  readonly name: string;
  readonly route: RouteTemplate;
  readonly methods: readonly HttpMethod[];
  readonly authLevel: AuthLevel;
  readonly handler: HttpHandler;
}

/** Validates options and builds an HTTP trigger definition. */
export function createHttpTrigger(
  name: string,
  options: HttpTriggerOptions,
  handler: HttpHandler,
): HttpTriggerDefinition {
  if (typeof handler !== "function")
    throw new InvalidArgumentError(`HTTP trigger '${name}' needs a handler function.`);
  const methods = (options.methods ?? ["GET", "POST"]).map((m) => String(m).toUpperCase());
  for (const method of methods)
    if (!(METHODS as readonly string[]).includes(method))
      throw new InvalidArgumentError(`HTTP trigger '${name}' has the unsupported method '${method}'.`);
  if (methods.length === 0)
    throw new InvalidArgumentError(`HTTP trigger '${name}' must accept at least one method.`);
  const authLevel = options.authLevel ?? "anonymous";
  if (!["anonymous", "function", "admin"].includes(authLevel))
    throw new InvalidArgumentError(
      `HTTP trigger '${name}' has the unknown authLevel '${String(authLevel)}'.`,
    );
  return {
    kind: "http",
    name,
    route: RouteTemplate.parse(options.route ?? name),
    methods: [...new Set(methods)] as HttpMethod[],
    authLevel,
    handler,
  };
}

/** Turns what a handler returned into a `Response`. */
export function toHandlerResponse(result: unknown): Response {
  if (result instanceof Response) return result;
  if (result === undefined) return new Response(null, { status: 204 });
  const text = JSON.stringify(result);
  if (text === undefined) return new Response(null, { status: 204 });
  return new Response(text, { status: 200, headers: { "content-type": "application/json; charset=utf-8" } });
}
