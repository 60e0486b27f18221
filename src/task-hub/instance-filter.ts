/**
 * Checks of instance filters shared by every backend.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import { checkTags, type InstanceTags } from "../core/tags.js";
import { isRuntimeStatus, type RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceFilter } from "./task-hub.js";

/** Most IDs in an `instanceIds` filter (`InstanceFilter.instanceIds`). */
export const MAX_INSTANCE_IDS = 1000;

/**
 * The `instanceIds` filter, checked (`undefined`: no such filter).
 * @throws InvalidArgumentError for more than {@link MAX_INSTANCE_IDS} IDs or an ID that is not a string.
 */
export function checkInstanceIds(ids: readonly string[] | undefined): readonly string[] | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length > MAX_INSTANCE_IDS || ids.some((id) => typeof id !== "string"))
    throw new InvalidArgumentError(
      `instanceIds must be an array of at most ${MAX_INSTANCE_IDS} instance IDs.`,
    );
  return ids;
}

/**
 * The `name` or `version` filter `key` of an instance filter, checked (`undefined`: no such filter).
 * @throws InvalidArgumentError when it is present and not a string.
 */
export function checkTextFilter(key: "name" | "version", value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw new InvalidArgumentError(`${key} must be a string, got ${value === null ? "null" : typeof value}.`);
  return value;
}

/**
 * The smallest string above every string that starts with `prefix`, in code point order (the byte order of UTF-8,
 * as SQLite's `BINARY` and PostgreSQL's `"C"` collations compare), or `undefined` when there is none (a prefix of
 * U+10FFFF only). `prefix` must be well-formed (no lone surrogates). A prefix filter is then the range
 * `prefix <= id < upper`, which a B-tree on the IDs walks.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix].map((char) => char.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) return String.fromCodePoint(...points, last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
}

/**
 * The `instanceIdPrefix` filter, checked (`undefined`: no such filter, as for `""`).
 * @throws InvalidArgumentError when it is not a string, or has a lone surrogate (SQL databases store text as UTF-8,
 *   which cannot hold one).
 */
export function checkPrefix(prefix: unknown): string | undefined {
  if (prefix === undefined || prefix === "") return undefined;
  if (typeof prefix !== "string" || LONE_SURROGATE.test(prefix))
    throw new InvalidArgumentError("instanceIdPrefix must be a well-formed string.");
  return prefix;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An instance filter, with the one-instance filter of a purge. */
export type PurgeFilter = InstanceFilter & { readonly instanceId?: string | undefined };

/** A filter, checked: its statuses distinct, an empty prefix dropped, `excludeEntities` a boolean. */
export interface CheckedFilter {
  readonly statuses: readonly RuntimeStatus[];
  readonly createdFrom: number | undefined;
  readonly createdTo: number | undefined;
  readonly prefix: string | undefined;
  readonly instanceIds: readonly string[] | undefined;
  readonly excludeEntities: boolean;
  readonly name: string | undefined;
  readonly version: string | undefined;
  /** Tags every match carries (`undefined`: no tag filter). */
  readonly tags: InstanceTags | undefined;
  readonly instanceId: string | undefined;
}

/** The filter that matches everything. */
export const NO_FILTER: CheckedFilter = {
  statuses: [],
  createdFrom: undefined,
  createdTo: undefined,
  prefix: undefined,
  instanceIds: undefined,
  excludeEntities: false,
  name: undefined,
  version: undefined,
  tags: undefined,
  instanceId: undefined,
};

/**
 * Checks an instance filter, the same way in every backend.
 * @throws InvalidArgumentError for an unknown status, a non-finite time bound, or a malformed prefix, ID list, name,
 *   version or tags.
 */
export function checkInstanceFilter(filter: PurgeFilter): CheckedFilter {
  for (const status of filter.statuses ?? [])
    if (!isRuntimeStatus(status))
      throw new InvalidArgumentError(`Unknown runtime status '${String(status)}'.`);
  for (const key of ["createdFrom", "createdTo"] as const) {
    const value = filter[key];
    if (value !== undefined && !Number.isFinite(value))
      throw new InvalidArgumentError(`${key} must be a finite number (epoch ms).`);
  }
  return {
    statuses: [...new Set(filter.statuses ?? [])],
    createdFrom: filter.createdFrom,
    createdTo: filter.createdTo,
    prefix: checkPrefix(filter.instanceIdPrefix),
    instanceIds: checkInstanceIds(filter.instanceIds),
    excludeEntities: filter.excludeEntities === true,
    name: checkTextFilter("name", filter.name),
    version: checkTextFilter("version", filter.version),
    tags: checkTags(filter.tags, "tags filter"),
    instanceId: filter.instanceId,
  };
}
