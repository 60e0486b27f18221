/**
 * The dashboard's data routes under `/dashboard/api/`, read by its page with the management API's credentials: the
 * instance list with the dashboard's filters (the management API's, plus a custom status text), counts by status,
 * one instance with its full failure record (stack and cause chain), parent, sub-orchestrations and stored history
 * (payloads cut to a preview), and the entity list with state and lock owner. Actions go through the management
 * API itself. Paging uses the hub's continuation tokens (`x-ms-continuation-token`, both ways).
 * @module
 */
import { RUNTIME_STATUSES, type RuntimeStatus } from "../../core/runtime-status.js";
import type { HistoryEvent } from "../../core/history-event.js";
import type { InstanceRecord } from "../../core/records.js";
import { hasHealth } from "../../task-hub/health.js";
import type { InstanceFilter } from "../../task-hub/task-hub.js";
import { HttpError, invalidParameter, jsonResponse, toHttpError } from "../http-error.js";
import type { HttpDurableClient } from "../http-management.js";
import type { QueryParams } from "../query-params.js";

/** What a data route reads of its request. */
export interface DashboardApiRequest {
  readonly client: HttpDurableClient;
  readonly query: QueryParams;
  /** The `x-ms-continuation-token` request header, when sent. */
  readonly continuationToken: string | undefined;
}

const CONTINUATION_HEADER = "x-ms-continuation-token";

/** Largest payload text sent whole in a history event; longer ones are cut to this many characters. */
export const HISTORY_PREVIEW_CHARS = 2000;

/** Largest input, output or custom status text sent whole for one instance. */
export const PAYLOAD_PREVIEW_CHARS = 256 * 1024;

/** Filtered counts by status stop at this many per status (then shown as "10000+"); unfiltered ones are exact. */
export const COUNT_CAP = 10_000;

/** Instances read at most to fill one page filtered by custom status text. */
const CUSTOM_STATUS_SCAN = 5000;

/**
 * Answers `GET /dashboard/api/<rest>`.
 * @throws HttpError 404 for an unknown route, 405 for another method, 400 for a bad parameter.
 */
export async function handleDashboardApi(
  r: DashboardApiRequest,
  method: string,
  rest: readonly string[],
): Promise<Response> {
  if (method !== "GET" && method !== "HEAD")
    throw new HttpError(405, "method_not_allowed", `Method ${method} is not allowed here; use GET.`, {
      headers: { allow: "GET, HEAD" },
    });
  const [route, id, ...extra] = rest;
  if (extra.length === 0) {
    if (route === "instances" && id === undefined) return listInstances(r);
    if (route === "instances" && id !== undefined) return instanceDetail(r, decodeId(id));
    if (route === "counts" && id === undefined) return countInstances(r);
    if (route === "entities" && id === undefined) return listEntities(r);
  }
  throw new HttpError(404, "not_found", "No dashboard data route has this path.");
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(
      400,
      "invalid_instance_id",
      "The instance ID in the URL is not validly percent-encoded.",
    );
  }
}

/** The filters of the list and the counts: status, name, ID prefix, created range. */
function filterOf(query: QueryParams): InstanceFilter {
  const statuses = query.statuses("status");
  const from = query.date("createdFrom");
  const to = query.date("createdTo");
  const prefix = query.string("prefix");
  const name = query.string("name");
  return {
    ...(statuses ? { statuses } : {}),
    ...(from ? { createdFrom: from.getTime() } : {}),
    ...(to ? { createdTo: to.getTime() } : {}),
    ...(prefix ? { instanceIdPrefix: prefix } : {}),
    ...(name ? { name } : {}),
    // Entities are listed on their own page.
    excludeEntities: !prefix?.startsWith("@"),
  };
}

/** One row of the instance list. */
function summary(record: InstanceRecord): Record<string, unknown> {
  const end = record.completedAt ?? (isFinished(record.status) ? record.lastUpdatedAt : undefined);
  return {
    instanceId: record.instanceId,
    name: record.name,
    status: record.status,
    version: record.version || null,
    createdAt: iso(record.createdAt),
    lastUpdatedAt: iso(record.lastUpdatedAt),
    completedAt: end === undefined ? null : iso(end),
    durationMs: end === undefined ? null : Math.max(0, end - record.createdAt),
    customStatus: preview(record.customStatus, 200).text ?? null,
    parentInstanceId: record.parentInstanceId ?? null,
  };
}

async function listInstances(r: DashboardApiRequest): Promise<Response> {
  const filter = filterOf(r.query);
  const top = r.query.integer("top", 1, 1000) ?? 50;
  const text = r.query.string("customStatus")?.toLowerCase();
  const rows: Record<string, unknown>[] = [];
  let token = r.continuationToken;
  let scanned = 0;
  try {
    do {
      const page = await r.client.taskHub.listInstances({
        ...filter,
        pageSize: text ? Math.min(1000, Math.max(top, 200)) : top,
        continuationToken: token,
        includePayloads: true, // the custom status column
      });
      for (const record of page.instances)
        if (!text || (record.customStatus ?? "").toLowerCase().includes(text)) rows.push(summary(record));
      scanned += page.instances.length;
      token = page.continuationToken;
    } while (text && token !== undefined && rows.length < top && scanned < CUSTOM_STATUS_SCAN);
  } catch (error) {
    throw pagingError(error, r.continuationToken);
  }
  // With a text filter a page may hold more than `top` rows (the hub's page is read whole): keep them all, so that
  // the next page's token still starts after the last one shown.
  return jsonResponse(
    200,
    { instances: rows, scanned, continuationToken: token ?? null },
    token !== undefined ? { [CONTINUATION_HEADER]: token } : {},
  );
}

function pagingError(error: unknown, token: string | undefined): HttpError {
  const mapped = toHttpError(error);
  if (mapped.status === 400 && token !== undefined)
    return invalidParameter(
      CONTINUATION_HEADER,
      `The ${CONTINUATION_HEADER} header is not valid: ${mapped.message}`,
    );
  return mapped;
}

/** Counts by status over the filter's instances (statuses other than the filter's are 0), each up to the cap. */
async function countInstances(r: DashboardApiRequest): Promise<Response> {
  const filter = filterOf(r.query);
  const wanted: readonly RuntimeStatus[] = filter.statuses ?? RUNTIME_STATUSES;
  const counts: Record<string, number> = {};
  const capped: string[] = [];
  for (const status of RUNTIME_STATUSES) counts[status] = 0;
  // Without a filter beyond status, a hub that reports health counts every status exactly, from its indexes.
  const unfiltered =
    filter.name === undefined &&
    filter.instanceIdPrefix === undefined &&
    filter.createdFrom === undefined &&
    filter.createdTo === undefined;
  if (unfiltered && hasHealth(r.client.taskHub)) {
    const { instancesByStatus } = await r.client.taskHub.getStats();
    for (const status of wanted) counts[status] = instancesByStatus[status] ?? 0;
    return jsonResponse(200, { counts, capped, cap: COUNT_CAP });
  }
  for (const status of wanted) {
    let token: string | undefined;
    let n = 0;
    do {
      const page = await r.client.taskHub.listInstances({
        ...filter,
        statuses: [status],
        pageSize: 1000,
        continuationToken: token,
        includePayloads: false,
      });
      n += page.instances.length;
      token = page.continuationToken;
    } while (token !== undefined && n < COUNT_CAP);
    counts[status] = Math.min(n, COUNT_CAP);
    if (token !== undefined) capped.push(status);
  }
  return jsonResponse(200, { counts, capped, cap: COUNT_CAP });
}

async function instanceDetail(r: DashboardApiRequest, instanceId: string): Promise<Response> {
  const record = await r.client.taskHub.getInstance(instanceId);
  if (!record)
    throw new HttpError(
      404,
      "instance_not_found",
      `No orchestration instance with ID '${instanceId}' exists.`,
    );
  const history = await r.client.taskHub.getHistory(instanceId);
  const children = history.flatMap((e) =>
    e.type === "SubOrchestrationInstanceCreated" ? [{ instanceId: e.instanceId, name: e.name }] : [],
  );
  return jsonResponse(200, {
    ...summary(record),
    executionId: record.executionId,
    input: preview(record.input, PAYLOAD_PREVIEW_CHARS),
    output: preview(record.output, PAYLOAD_PREVIEW_CHARS),
    customStatus: preview(record.customStatus, PAYLOAD_PREVIEW_CHARS),
    failure: record.failure ?? null,
    scheduledStartAt: record.scheduledStartAt === undefined ? null : iso(record.scheduledStartAt),
    subOrchestrations: children,
    history: history.map(historyRow),
  });
}

/** A history event as stored, its payloads cut to a preview. */
function historyRow(event: HistoryEvent): Record<string, unknown> {
  const row: Record<string, unknown> = { ...event };
  for (const key of ["input", "result"] as const) {
    const value = row[key];
    if (typeof value !== "string") continue;
    const cut = preview(value, HISTORY_PREVIEW_CHARS);
    row[key] = cut.text;
    if (cut.truncated) row[`${key}Chars`] = cut.chars;
  }
  if (event.type === "ExecutionStarted" && event.carryoverEvents)
    row.carryoverEvents = event.carryoverEvents.length;
  return row;
}

/** JSON text, cut to `limit` characters: `{ text, chars, truncated }` (`text` null when there is none). */
function preview(
  text: string | undefined,
  limit: number,
): { text: string | null; chars: number; truncated: boolean } {
  if (text === undefined) return { text: null, chars: 0, truncated: false };
  return text.length > limit
    ? { text: text.slice(0, limit), chars: text.length, truncated: true }
    : { text, chars: text.length, truncated: false };
}

async function listEntities(r: DashboardApiRequest): Promise<Response> {
  const name = r.query.string("name") || undefined;
  const keyPrefix = r.query.string("keyPrefix") || undefined;
  if (keyPrefix !== undefined && name === undefined)
    throw invalidParameter("keyPrefix", "A key prefix needs the entity name too.");
  const top = r.query.integer("top", 1, 1000) ?? 50;
  let page;
  try {
    page = await r.client.listEntities({
      ...(name ? { name } : {}),
      ...(keyPrefix ? { keyPrefix } : {}),
      includeState: true,
      pageSize: top,
      continuationToken: r.continuationToken,
    });
  } catch (error) {
    throw pagingError(error, r.continuationToken);
  }
  return jsonResponse(
    200,
    {
      entities: page.entities.map((e) => ({
        name: e.entityId.name,
        key: e.entityId.key,
        lastOperationTime: new Date(e.lastOperationTime).toISOString(),
        state: preview(JSON.stringify(e.state ?? null), HISTORY_PREVIEW_CHARS),
        lockedBy: e.lockedBy ?? null,
        backlogQueueSize: e.backlogQueueSize,
      })),
      continuationToken: page.continuationToken ?? null,
    },
    page.continuationToken !== undefined ? { [CONTINUATION_HEADER]: page.continuationToken } : {},
  );
}

function isFinished(status: RuntimeStatus): boolean {
  return status === "Completed" || status === "Failed" || status === "Terminated";
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
