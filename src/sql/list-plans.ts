/**
 * The SQL of a listing page (`TaskHub.listInstances`) and of a purge batch, per filter shape. Pages come in the
 * listing order (created_at, instance_id) from an index walked in that order from the page's start, so a page
 * reads about a page of index entries whatever the hub's size, and never sorts all the matches:
 *
 * | filter | index walked |
 * | --- | --- |
 * | none, `createdFrom` / `createdTo` | `instances_created` (created_at, instance_id) |
 * | one status | `instances_by_status` (status, created_at, instance_id) |
 * | several statuses | `instances_by_status` once per status, merged in order ({@link Dialect.mergeOrdered}) |
 * | `name` | `instances_by_name` (name, created_at, instance_id) |
 * | `version` | `instances_by_version` (version, created_at, instance_id), versioned instances only |
 * | `instanceIdPrefix` | the primary key's range `prefix <= instance_id < upper`, then a sort of its matches; or, when it has many, the walk of the other filters (`instances_created` alone), checking the prefix on each entry |
 * | `instanceIds` | primary key lookups (at most 1,000), then a sort of them |
 *
 * Where filters meet, the planner walks one index (on SQLite, without statistics, an equality one: status, name or
 * version) and checks the other filters on the entries it walks. The continuation token's position and
 * `createdFrom` make one lower bound, the tighter of the two, so that each page's walk starts where it begins.
 *
 * An ID prefix: PostgreSQL's planner chooses from the statistics of the range. SQLite, which has none, first counts
 * the prefix's matches on the primary key, up to {@link PREFIX_SORT_PAGES} pages' worth (a walk of at most that many
 * index entries): with at most that many it walks the primary key's range and sorts them; with more (`M` matches
 * among `N` instances, `M > 20 × page`), the walk of the creation index meets a match every `N / M` entries, so a
 * page costs fewer than `N / 20` entries when the matches are spread over time (a prefix whose many matches are all
 * recent costs a walk over the older instances).
 * @module
 */
import {
  checkInstanceFilter,
  NO_FILTER,
  prefixUpperBound,
  type CheckedFilter,
  type PurgeFilter,
} from "../task-hub/instance-filter.js";
import type { Dialect } from "./dialect.js";
import type { SqlExecutor, SqlValue } from "./sql-driver.js";
import { num, type ListPosition } from "./sql-rows.js";
import type { SqlParams } from "./statement.js";
import { TERMINAL_SQL } from "./sql-statements.js";

/** Pages' worth of prefix matches up to which SQLite walks the primary key's range and sorts them. */
export const PREFIX_SORT_PAGES = 20;

/** SQL with named parameters, and their values. */
export interface FilterSql {
  readonly text: string;
  readonly params: SqlParams;
}

/** What a page or batch reads: the filter, where the page starts, and how many rows. */
export interface ListingRequest {
  readonly filter: PurgeFilter;
  /** The last row of the previous page (from its continuation token). */
  readonly after?: ListPosition | undefined;
  /** The select list. */
  readonly columns: string;
  /** Most rows. */
  readonly limit: number;
}

const ORDER = "created_at, instance_id";

/**
 * The query of one listing page (see the module documentation). On a dialect with index hints (SQLite), a prefix
 * filter costs a first read on `db`: the count of its matches, up to {@link PREFIX_SORT_PAGES} pages.
 * @throws InvalidArgumentError for an invalid filter.
 */
export async function listingSql(d: Dialect, db: SqlExecutor, request: ListingRequest): Promise<FilterSql> {
  const filter = checkInstanceFilter(request.filter);
  const instances = d.table("instances");
  const limit = request.limit;
  let prefixForm: PrefixForm = "range";
  let hint = "";
  if (filter.prefix !== undefined && filter.instanceIds === undefined && d.indexedBy) {
    const cap = PREFIX_SORT_PAGES * limit;
    const where = clauses(d, { ...NO_FILTER, prefix: filter.prefix }, undefined, "range");
    const [row] = await d
      .statement(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${instances} WHERE ${where.clauses.join(" AND ")}
         LIMIT :cap) AS m`,
      )
      .query(db, { ...where.params, cap: cap + 1 });
    if (num(row?.n ?? 0) <= cap) hint = d.indexedBy("instances", "primary key");
    else prefixForm = "scan";
  }
  const select = (where: Where) =>
    `SELECT ${request.columns} FROM ${instances}${hint}${where.clauses.length > 0 ? ` WHERE ${where.clauses.join(" AND ")}` : ""}`;
  const { statuses } = filter;
  if (statuses.length < 2 || filter.instanceIds !== undefined || hint !== "") {
    const where = clauses(d, filter, request.after, prefixForm);
    return {
      text: `${select(where)} ORDER BY ${ORDER} LIMIT :limit`,
      params: { ...where.params, limit },
    };
  }
  // Several statuses: one walk of the status index per status, merged.
  const shared = clauses(d, { ...filter, statuses: [] }, request.after, prefixForm);
  const params: Record<string, SqlValue> = { ...shared.params, limit };
  const arms = statuses.map((status, i) => {
    params[`status${i}`] = status;
    return select({ clauses: [`status = :status${i}`, ...shared.clauses], params: {} });
  });
  return { text: d.mergeOrdered(arms, ORDER, ":limit"), params };
}

/**
 * The query of one purge batch: the IDs of finished root candidates matching `filter`, oldest first, at most
 * `:limit` (a parameter left to bind).
 * @throws InvalidArgumentError for an invalid filter.
 */
export function purgeBatchSql(d: Dialect, filter: PurgeFilter): FilterSql {
  // The prefix as a range only where the planner knows how many it matches (see the module documentation).
  const where = clauses(d, checkInstanceFilter(filter), undefined, d.indexedBy ? "scan" : "range");
  return {
    text:
      `SELECT instance_id FROM ${d.table("instances")} WHERE status IN ${TERMINAL_SQL}` +
      `${where.clauses.map((clause) => ` AND ${clause}`).join("")} ORDER BY ${ORDER} LIMIT :limit`,
    params: where.params,
  };
}

/**
 * How a prefix is written: `range`, which the primary key (or the instance_id of another index) walks; `scan`, which
 * no index walks (checked on the entries of the index walked for the other filters).
 */
type PrefixForm = "range" | "scan";

interface Where {
  readonly clauses: string[];
  readonly params: Record<string, SqlValue>;
}

/** The predicates of a checked filter starting after `after` (statuses as one list). */
function clauses(
  d: Dialect,
  filter: CheckedFilter,
  after: ListPosition | undefined,
  prefixForm: PrefixForm,
): Where {
  const where: Where = { clauses: [], params: {} };
  const add = (clause: string, params: Record<string, SqlValue> = {}) => {
    where.clauses.push(clause);
    Object.assign(where.params, params);
  };
  if (filter.statuses.length === 1) add("status = :status", { status: filter.statuses[0]! });
  else if (filter.statuses.length > 1)
    add(d.inList("status", "text", "statuses"), { statuses: d.listParam(filter.statuses) });
  // One lower bound: a row after the position is created at or after it, a row created at or after a later
  // createdFrom is after the position.
  if (after !== undefined && (filter.createdFrom === undefined || filter.createdFrom <= after.createdAt))
    add(`(${ORDER}) > (:afterCreatedAt, :afterInstanceId)`, {
      afterCreatedAt: after.createdAt,
      afterInstanceId: after.instanceId,
    });
  else if (filter.createdFrom !== undefined)
    add("created_at >= :createdFrom", { createdFrom: filter.createdFrom });
  if (filter.createdTo !== undefined) add("created_at <= :createdTo", { createdTo: filter.createdTo });
  if (filter.prefix !== undefined) {
    const upper = prefixUpperBound(filter.prefix);
    if (prefixForm === "scan")
      // substr and length count characters in both databases.
      add("substr(instance_id, 1, length(CAST(:prefix AS TEXT))) = CAST(:prefix AS TEXT)", {
        prefix: filter.prefix,
      });
    else add("instance_id >= :prefix", { prefix: filter.prefix });
    if (prefixForm === "range" && upper !== undefined) add("instance_id < :prefixEnd", { prefixEnd: upper });
  }
  if (filter.instanceIds !== undefined)
    add(d.inList("instance_id", "text", "instanceIds"), { instanceIds: d.listParam(filter.instanceIds) });
  if (filter.excludeEntities) add("substr(instance_id, 1, 1) <> '@'");
  if (filter.name !== undefined) add("name = :name", { name: filter.name });
  if (filter.version !== undefined) add("version = :version", { version: filter.version });
  if (filter.instanceId !== undefined) add("instance_id = :instanceId", { instanceId: filter.instanceId });
  return where;
}
