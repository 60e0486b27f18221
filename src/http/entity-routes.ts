/**
 * The entity routes of the management API, as Durable Functions serves them under `/runtime/webhooks/durabletask`:
 * - `GET /entities/{name}/{key}`: 200 with the entity's state as the body, 404 when it does not exist;
 * - `GET /entities/{name?}?lastOperationTimeFrom=&lastOperationTimeTo=&top=&fetchState=` (+ the
 *   `x-ms-continuation-token` request / response header): 200 with `[{ entityId: { name, key }, lastOperationTime,
 *   state? }]`;
 * - `POST /entities/{name}/{key}?op=`: signals the operation (body: JSON with `Content-Type: application/json`,
 *   otherwise passed as a string), 202;
 * - `DELETE /entities/{name}/{key}`: signals the built-in `delete` operation, 202.
 * A key of `$` stands for the empty key. Authorization is the management API's (checked before routing).
 * @module
 */
import { EntityId } from "../core/entity-id.js";
import { DELETE_OPERATION } from "../api/entity-lookup.js";
import { HttpError, invalidParameter, jsonResponse } from "./http-error.js";
import { pagedResponse, parseJsonBody, type ManagementRequest } from "./management-handlers.js";
import { webUtilityUrlDecode } from "./management-urls.js";
import { formatStatusTime } from "./status-payload.js";

type Handler = () => Promise<Response>;

/** The handlers by method for `/entities/...` (the segments after `entities`), or `undefined` when none match. */
export function entityRoutes(
  m: ManagementRequest,
  name: string | undefined,
  key: string | undefined,
  extra: string | undefined,
): Record<string, Handler> | undefined {
  if (extra !== undefined) return undefined;
  if (name === undefined || key === undefined) {
    const entityName = name === undefined ? undefined : entityIdOf(name, "").name;
    return { GET: () => listEntities(m, entityName) };
  }
  const id = entityIdOf(name, key);
  return {
    GET: () => readEntity(m, id),
    POST: () => signalEntity(m, id),
    DELETE: () => deleteEntity(m, id),
  };
}

async function readEntity(m: ManagementRequest, id: EntityId): Promise<Response> {
  const { entityExists, entityState } = await m.client.readEntityState(id.name, id.key);
  if (!entityExists) throw new HttpError(404, "not_found", `No entity with ID '${id.toString()}' exists.`);
  return jsonResponse(200, entityState);
}

async function listEntities(m: ManagementRequest, name: string | undefined): Promise<Response> {
  const from = m.query.date("lastOperationTimeFrom");
  const to = m.query.date("lastOperationTimeTo");
  const top = m.query.integer("top", 1, 1000);
  const fetchState = m.query.boolean("fetchState", false);
  return pagedResponse(
    m,
    (continuationToken) =>
      m.client.listEntities({
        name,
        lastOperationTimeFrom: from,
        lastOperationTimeTo: to,
        pageSize: top,
        includeState: fetchState,
        continuationToken,
      }),
    (page) =>
      page.entities.map((e) => ({
        entityId: { name: e.entityId.name, key: e.entityId.key },
        lastOperationTime: formatStatusTime(e.lastOperationTime),
        ...(fetchState ? { state: e.state ?? null } : {}),
      })),
  );
}

async function signalEntity(m: ManagementRequest, id: EntityId): Promise<Response> {
  const operation = m.query.string("op");
  if (operation === undefined || operation === "")
    throw invalidParameter("op", "Query parameter 'op' (the operation to signal) is required.");
  const mediaType = m.request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  const text = m.body.toString("utf8");
  const input = mediaType === "application/json" ? parseJsonBody(m.body) : text === "" ? undefined : text;
  await m.client.signalEntity(id.name, id.key, operation, input);
  return new Response(null, { status: 202 });
}

async function deleteEntity(m: ManagementRequest, id: EntityId): Promise<Response> {
  await m.client.signalEntity(id.name, id.key, DELETE_OPERATION);
  return new Response(null, { status: 202 });
}

function entityIdOf(rawName: string, rawKey: string): EntityId {
  const name = webUtilityUrlDecode(rawName);
  const key = webUtilityUrlDecode(rawKey);
  if (name === undefined || key === undefined)
    throw invalidParameter("entityId", "The entity ID in the URL is not validly percent-encoded.");
  try {
    return new EntityId(name, key === "$" ? "" : key);
  } catch (error) {
    throw invalidParameter("entityId", (error as Error).message);
  }
}
