/**
 * The handlers of the management API (`/runtime/webhooks/durabletask/...`), with Durable Functions' status codes.
 * Every input is validated before anything is written, so a rejected request changes nothing in the hub.
 * @module
 */
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";
import { HttpError, invalidParameter, jsonResponse, toHttpError } from "./http-error.js";
import type { HttpDurableClient } from "./http-management.js";
import type { QueryParams } from "./query-params.js";
import { statusResponse, toStatusPayload } from "./status-payload.js";

/** Everything a management handler needs about one request. */
export interface ManagementRequest {
  readonly client: HttpDurableClient;
  readonly request: Request;
  readonly url: URL;
  readonly query: QueryParams;
  /** The request body, already read within the size limit. */
  readonly body: Buffer;
}

const CONTINUATION_HEADER = "x-ms-continuation-token";

/**
 * Parses a JSON body; an empty body is `undefined`.
 * @throws HttpError 400 `invalid_json`.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "invalid_json", "Invalid JSON content: the request body is not valid JSON.");
  }
}

/** `timeout` + `pollingInterval` (seconds, both needed to wait), validated before anything starts. */
function waitOptions(query: QueryParams): { timeoutMs: number; intervalMs: number } | undefined {
  const timeout = query.seconds("timeout");
  const interval = query.seconds("pollingInterval");
  if (timeout === undefined || interval === undefined) return undefined;
  if (interval > timeout)
    throw invalidParameter(
      "pollingInterval",
      `pollingInterval (${interval} s) must not exceed timeout (${timeout} s).`,
    );
  return { timeoutMs: timeout * 1000, intervalMs: interval * 1000 };
}

function checkStatusOrWait(m: ManagementRequest, instanceId: string, wait: ReturnType<typeof waitOptions>) {
  if (!wait) return Promise.resolve(m.client.createCheckStatusResponse(m.request, instanceId));
  return m.client.waitForCompletionOrCreateCheckStatusResponse(m.request, instanceId, {
    timeoutInMilliseconds: wait.timeoutMs,
    retryIntervalInMilliseconds: wait.intervalMs,
  });
}

/** `POST /orchestrators/{functionName}/{instanceId?}`. */
export async function startOrchestration(
  m: ManagementRequest,
  functionName: string,
  instanceId: string | undefined,
): Promise<Response> {
  const input = parseJsonBody(m.body);
  const wait = waitOptions(m.query);
  const id = await m.client.startNew(functionName, {
    input,
    ...(instanceId !== undefined ? { instanceId } : {}),
  });
  return checkStatusOrWait(m, id, wait);
}

/** `GET /instances/{id}`. */
export async function getInstanceStatus(m: ManagementRequest, instanceId: string): Promise<Response> {
  const showHistory = m.query.boolean("showHistory", false);
  const showHistoryOutput = m.query.boolean("showHistoryOutput", false);
  const showInput = m.query.boolean("showInput", true);
  const returnInternalServerErrorOnFailure = m.query.boolean("returnInternalServerErrorOnFailure", false);
  const status = await m.client.getStatus(instanceId, { showHistory, showInput });
  if (!status) throw notFound(instanceId);
  return statusResponse(status, {
    location: m.url.href,
    history: showHistory ? (status.history ?? []) : undefined,
    showHistoryOutput,
    returnInternalServerErrorOnFailure,
  });
}

/**
 * `GET /instances/?runtimeStatus&createdTimeFrom&createdTimeTo&instanceIdPrefix&top&showInput`, plus Taskhub's
 * `name` and `version` (exact orchestration name and version; empty: no filter, as `instanceIdPrefix`) and `tags`
 * (a JSON object: instances carrying every one of its tags).
 */
export async function listInstances(m: ManagementRequest): Promise<Response> {
  const runtimeStatus = m.query.statuses("runtimeStatus");
  const createdTimeFrom = m.query.date("createdTimeFrom");
  const createdTimeTo = m.query.date("createdTimeTo");
  const instanceIdPrefix = m.query.string("instanceIdPrefix");
  const name = m.query.string("name");
  const version = m.query.string("version");
  const tags = m.query.tags("tags");
  const pageSize = m.query.integer("top", 1, 1000);
  const showInput = m.query.boolean("showInput", true);
  if (runtimeStatus?.length === 0) return jsonResponse(200, []);
  return pagedResponse(
    m,
    (continuationToken) =>
      m.client.listInstances({
        ...(runtimeStatus ? { runtimeStatus } : {}),
        ...(createdTimeFrom ? { createdTimeFrom } : {}),
        ...(createdTimeTo ? { createdTimeTo } : {}),
        ...(instanceIdPrefix ? { instanceIdPrefix } : {}),
        ...(name ? { name } : {}),
        ...(version ? { version } : {}),
        ...(tags ? { tags } : {}),
        ...(pageSize !== undefined ? { pageSize } : {}),
        ...(continuationToken !== undefined ? { continuationToken } : {}),
        showInput,
      }),
    (page) => page.instances.map((s) => toStatusPayload(s)),
  );
}

/**
 * Runs one page of a query with the request's `x-ms-continuation-token` and answers 200 with `body(page)` and the
 * next page's token in the same header. A token the query rejects is a 400 naming the header.
 */
export async function pagedResponse<P extends { readonly continuationToken?: string | undefined }>(
  m: ManagementRequest,
  query: (continuationToken: string | undefined) => Promise<P>,
  body: (page: P) => unknown,
): Promise<Response> {
  const continuationToken = m.request.headers.get(CONTINUATION_HEADER) || undefined;
  let page: P;
  try {
    page = await query(continuationToken);
  } catch (error) {
    const mapped = toHttpError(error);
    if (mapped.status === 400 && continuationToken !== undefined)
      throw invalidParameter(
        CONTINUATION_HEADER,
        `The ${CONTINUATION_HEADER} header is not valid: ${mapped.message}`,
      );
    throw mapped;
  }
  return jsonResponse(
    200,
    body(page),
    page.continuationToken ? { [CONTINUATION_HEADER]: page.continuationToken } : {},
  );
}

/** `DELETE /instances/{id}`: 200 `{ instancesDeleted: 1 }`, 404 unknown, 412 while the instance is active. */
export async function purgeInstance(m: ManagementRequest, instanceId: string): Promise<Response> {
  const status = await m.client.getStatus(instanceId, { showInput: false });
  if (!status) throw notFound(instanceId);
  if (!isTerminalStatus(status.runtimeStatus))
    throw new HttpError(
      412,
      "precondition_failed",
      `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ` +
        `${instanceId} has status ${status.runtimeStatus}`,
    );
  const result = await m.client.purgeInstanceHistory(instanceId);
  if (result.instancesDeleted === 0) throw notFound(instanceId);
  return jsonResponse(200, { instancesDeleted: result.instancesDeleted });
}

/** `DELETE /instances/?createdTimeFrom(required)&createdTimeTo&runtimeStatus`: 404 when nothing was deleted. */
export async function purgeInstances(m: ManagementRequest): Promise<Response> {
  const createdTimeFrom = m.query.date("createdTimeFrom");
  if (!createdTimeFrom)
    throw invalidParameter("createdTimeFrom", "Please provide value for 'createdTimeFrom' parameter.");
  const createdTimeTo = m.query.date("createdTimeTo"); // default: now, on the client's clock
  const runtimeStatus: RuntimeStatus[] | undefined = m.query.statuses("runtimeStatus");
  const result =
    runtimeStatus?.length === 0
      ? { instancesDeleted: 0 }
      : await m.client.purgeInstanceHistoryBy({
          createdTimeFrom,
          createdTimeTo,
          ...(runtimeStatus ? { runtimeStatus } : {}),
        });
  if (result.instancesDeleted === 0)
    throw new HttpError(
      404,
      "instance_not_found",
      "No finished instance matches the filter; nothing was purged.",
    );
  return jsonResponse(200, { instancesDeleted: result.instancesDeleted });
}

/** `POST /instances/{id}/raiseEvent/{eventName}`: JSON body; 202, 404 unknown, 410 finished. */
export async function raiseEvent(
  m: ManagementRequest,
  instanceId: string,
  eventName: string,
): Promise<Response> {
  await requireActive(m, instanceId);
  const mediaType = m.request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json")
    throw new HttpError(400, "invalid_content_type", "Only application/json request content is supported.");
  const data = parseJsonBody(m.body);
  await m.client.raiseEvent(instanceId, eventName, data);
  return new Response(null, { status: 202 });
}

/**
 * `POST /instances/{id}/terminate|suspend|resume?reason=` (terminate also `&recursive=false`, default true): 202, 404
 * unknown, 410 finished.
 */
export async function controlInstance(
  m: ManagementRequest,
  instanceId: string,
  operation: "terminate" | "suspend" | "resume",
): Promise<Response> {
  await requireActive(m, instanceId);
  const reason = m.query.string("reason");
  if (operation === "terminate")
    await m.client.terminate(instanceId, { reason, recursive: m.query.boolean("recursive", true) });
  else await m.client[operation](instanceId, reason);
  return new Response(null, { status: 202 });
}

/** `POST /instances/{id}/rewind?reason=`: 202 for Failed; 404 unknown; 410 Completed/Terminated; 412 active. */
export async function rewindInstance(m: ManagementRequest, instanceId: string): Promise<Response> {
  const status = await m.client.getStatus(instanceId, { showInput: false });
  if (!status) throw notFound(instanceId);
  if (status.runtimeStatus === "Completed" || status.runtimeStatus === "Terminated")
    throw new HttpError(
      410,
      "instance_finished",
      `Instance '${instanceId}' is ${status.runtimeStatus}; only Failed instances can be rewound.`,
    );
  if (status.runtimeStatus !== "Failed")
    throw new HttpError(
      412,
      "precondition_failed",
      `This orchestration has status ${status.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
    );
  try {
    await m.client.rewind(instanceId, m.query.string("reason"));
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === "InstanceStateError")
      throw new HttpError(412, "precondition_failed", (error as Error).message);
    throw error;
  }
  return new Response(null, { status: 202 });
}

/** `POST /instances/{id}/restart?restartWithNewInstanceId=true|false`: 202 check-status for the (new) ID. */
export async function restartInstance(m: ManagementRequest, instanceId: string): Promise<Response> {
  const restartWithNewInstanceId = m.query.boolean("restartWithNewInstanceId", true);
  const wait = waitOptions(m.query);
  let id: string;
  try {
    id = await m.client.restart(instanceId, { restartWithNewInstanceId });
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === "InstanceNotFoundError")
      throw new HttpError(400, "bad_request", "InstanceId does not match a valid orchestration instance.");
    if (name === "InstanceAlreadyExistsError")
      throw new HttpError(
        409,
        "instance_exists",
        "A non-terminal instance with this instance ID already exists.",
      );
    throw error;
  }
  return checkStatusOrWait(m, id, wait);
}

async function requireActive(m: ManagementRequest, instanceId: string): Promise<void> {
  const status = await m.client.getStatus(instanceId, { showInput: false });
  if (!status) throw notFound(instanceId);
  if (isTerminalStatus(status.runtimeStatus))
    throw new HttpError(
      410,
      "instance_finished",
      `Instance '${instanceId}' has already finished (${status.runtimeStatus}).`,
    );
}

function notFound(instanceId: string): HttpError {
  return new HttpError(
    404,
    "instance_not_found",
    `No orchestration instance with ID '${instanceId}' exists.`,
  );
}
