/**
 * Filtering and paging of the memory hub's instances (`TaskHub.listInstances`, `TaskHub.purgeInstances`),
 * plain functions over records.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import { hasTags } from "../core/tags.js";
import type { InstanceRecord } from "../core/records.js";
import { checkInstanceFilter, type PurgeFilter } from "../task-hub/instance-filter.js";
import type { InstancePage, InstanceQuery } from "../task-hub/task-hub.js";

/** Default and largest page sizes of a listing (as the SQL hubs). */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 10_000;

/** A position in the listing order. */
export type ListPosition = Pick<InstanceRecord, "createdAt" | "instanceId">;

export type { PurgeFilter };

/**
 * A predicate for `filter`.
 * @throws InvalidArgumentError for an invalid filter (see `checkInstanceFilter`).
 */
export function matcher(filter: PurgeFilter): (record: InstanceRecord) => boolean {
  const checked = checkInstanceFilter(filter);
  const statuses = checked.statuses.length > 0 ? new Set(checked.statuses) : undefined;
  const ids = checked.instanceIds === undefined ? undefined : new Set(checked.instanceIds);
  const { createdFrom, createdTo, name, version, tags, instanceId } = checked;
  const prefix = checked.prefix ?? "";
  return (r) =>
    (ids === undefined || ids.has(r.instanceId)) &&
    (statuses === undefined || statuses.has(r.status)) &&
    (createdFrom === undefined || r.createdAt >= createdFrom) &&
    (createdTo === undefined || r.createdAt <= createdTo) &&
    r.instanceId.startsWith(prefix) &&
    (name === undefined || r.name === name) &&
    (version === undefined || r.version === version) &&
    (tags === undefined || hasTags(r.tags, tags)) &&
    !(checked.excludeEntities && r.instanceId.startsWith("@")) &&
    (instanceId === undefined || r.instanceId === instanceId);
}

/** Orders records by creation time, then ID (the order of listings and purges). */
export function byCreation(a: ListPosition, b: ListPosition): number {
  return (
    a.createdAt - b.createdAt || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0)
  );
}

/** One page of `records` for `query` (see `TaskHub.listInstances`). */
export function page(records: Iterable<InstanceRecord>, query: InstanceQuery): InstancePage {
  const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw new InvalidArgumentError(
      `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}.`,
    );
  const after = query.continuationToken === undefined ? undefined : decodeToken(query.continuationToken);
  const matches = matcher(query);
  const sorted = [...records]
    .filter((r) => matches(r) && (after === undefined || byCreation(r, after) > 0))
    .sort(byCreation);
  const instances = sorted
    .slice(0, pageSize)
    .map((r) => (query.includePayloads === false ? withoutPayloads(r) : r));
  const last = instances[instances.length - 1];
  return sorted.length > pageSize && last
    ? { instances, continuationToken: encodeToken(last) }
    : { instances };
}

function withoutPayloads(record: InstanceRecord): InstanceRecord {
  const { input: _input, output: _output, customStatus: _customStatus, ...rest } = record;
  return rest;
}

/** A continuation token: the position (creation time, ID) of a page's last record, as base64url JSON. */
function encodeToken(record: InstanceRecord): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.instanceId])).toString("base64url");
}

function decodeToken(token: string): ListPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(value) && Number.isFinite(value[0]) && typeof value[1] === "string")
      return { createdAt: Number(value[0]), instanceId: value[1] };
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`Invalid continuation token '${token}'.`);
}
