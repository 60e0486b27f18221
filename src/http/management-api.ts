/**
 * The router of the management API under `/runtime/webhooks/durabletask`: Durable Functions' routes, matched
 * case-insensitively, with instance IDs decoded as the extension decodes them (`+` is a space) and validated.
 * @module
 */
import { validateInstanceId } from "../core/instance-id.js";
import { entityRoutes } from "./entity-routes.js";
import { HttpError, invalidParameter } from "./http-error.js";
import {
  controlInstance,
  getInstanceStatus,
  listInstances,
  purgeInstance,
  purgeInstances,
  raiseEvent,
  restartInstance,
  rewindInstance,
  startOrchestration,
  type ManagementRequest,
} from "./management-handlers.js";
import { webUtilityUrlDecode } from "./management-urls.js";
import { hubStats } from "./stats-route.js";

/** The path segments of the management API's base. */
const BASE = ["runtime", "webhooks", "durabletask"];

type Handler = () => Promise<Response>;

/** True when the raw path segments are under the management API. */
export function isManagementPath(segments: readonly string[]): boolean {
  return BASE.every((part, i) => segments[i]?.toLowerCase() === part);
}

/** The operations under `/instances/{id}/` an instance code opens (besides status and purge at `/instances/{id}`). */
const INSTANCE_OPERATIONS = new Set(["terminate", "suspend", "resume", "rewind", "restart"]);

/**
 * The instance a management route acts on alone (raw path segments, the base included): `instances/{id}`,
 * `instances/{id}/{terminate|suspend|resume|rewind|restart}` and `instances/{id}/raiseEvent/{name}`, else (hub-wide
 * routes, unknown routes, an ID that does not decode) `undefined`. An instance code opens exactly these routes.
 */
export function instanceOfRoute(segments: readonly string[]): string | undefined {
  const [controller, first, second, third, ...extra] = segments.slice(BASE.length);
  if (controller?.toLowerCase() !== "instances" || first === undefined || extra.length > 0) return undefined;
  const operation = second?.toLowerCase();
  const scoped =
    operation === undefined
      ? true
      : operation === "raiseevent"
        ? third !== undefined
        : third === undefined && INSTANCE_OPERATIONS.has(operation);
  if (!scoped) return undefined;
  const id = webUtilityUrlDecode(first);
  return id === undefined || id === "" ? undefined : id;
}

/**
 * Dispatches a management request (path segments after the base, still encoded).
 * @throws HttpError 404 for unknown routes, 405 for wrong methods, 400 for invalid IDs or parameters.
 */
export async function handleManagementRequest(
  m: ManagementRequest,
  method: string,
  segments: readonly string[],
  hubName: string,
): Promise<Response> {
  const taskHub = m.query.string("taskHub");
  if (taskHub !== undefined && taskHub !== "" && taskHub.toLowerCase() !== hubName.toLowerCase())
    throw invalidParameter("taskHub", `This host serves the task hub '${hubName}' only, not '${taskHub}'.`);
  const routes = route(m, segments.slice(BASE.length));
  if (!routes) throw new HttpError(404, "not_found", `No management API route matches ${m.url.pathname}.`);
  const handler = routes[method];
  if (!handler) {
    const allow = Object.keys(routes).join(", ");
    throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use ${allow}.`, {
      headers: { allow },
    });
  }
  return handler();
}

/** The handlers by method for a path, or `undefined` when no route matches. */
function route(m: ManagementRequest, parts: readonly string[]): Record<string, Handler> | undefined {
  const [controller, first, second, third, ...extra] = parts;
  if (extra.length > 0) return undefined;
  switch (controller?.toLowerCase()) {
    case "orchestrators": {
      if (first === undefined || third !== undefined) return undefined;
      const functionName = decode(first, "functionName");
      const instanceId = second === undefined ? undefined : instanceIdOf(second);
      return { POST: () => startOrchestration(m, functionName, instanceId) };
    }
    case "instances": {
      if (first === undefined) return { GET: () => listInstances(m), DELETE: () => purgeInstances(m) };
      const id = instanceIdOf(first);
      if (second === undefined)
        return { GET: () => getInstanceStatus(m, id), DELETE: () => purgeInstance(m, id) };
      const operation = second.toLowerCase();
      if (operation === "raiseevent") {
        if (third === undefined) return undefined;
        const eventName = decode(third, "eventName");
        return { POST: () => raiseEvent(m, id, eventName) };
      }
      if (third !== undefined) return undefined;
      switch (operation) {
        case "terminate":
        case "suspend":
        case "resume":
          return { POST: () => controlInstance(m, id, operation) };
        case "rewind":
          return { POST: () => rewindInstance(m, id) };
        case "restart":
          return { POST: () => restartInstance(m, id) };
        default:
          return undefined;
      }
    }
    case "entities":
      return entityRoutes(m, first, second, third);
    case "stats":
      return first === undefined ? { GET: () => hubStats(m) } : undefined;
    default:
      return undefined;
  }
}

function decode(raw: string, parameter: string): string {
  const value = webUtilityUrlDecode(raw);
  if (value === undefined || value === "")
    throw invalidParameter(parameter, `The ${parameter} in the URL is not validly percent-encoded.`);
  return value;
}

function instanceIdOf(raw: string): string {
  const value = webUtilityUrlDecode(raw);
  if (value === undefined)
    throw new HttpError(
      400,
      "invalid_instance_id",
      "The instance ID in the URL is not validly percent-encoded.",
      {
        parameter: "instanceId",
      },
    );
  try {
    validateInstanceId(value);
  } catch (error) {
    throw new HttpError(400, "invalid_instance_id", (error as Error).message, { parameter: "instanceId" });
  }
  return value;
}
