/**
 * The SQL of a listing page (`TaskHub.listInstances`) and of a purge batch, per filter shape. Pages come in the
 * listing order (created_at, instance_id) from an index walked in that order from the page's start, so a page
 * reads about a page of index entries whatever the hub's size, and never sorts all the matches:
 *
 * | filter | index walked |
 * | --- | --- |
 * | none, `createdFrom` / `createdTo` | `orchestrations_by_created` / `entities_by_created` (created_at, instance_id) |
 * | statuses | `orchestrations_by_status` / `entities_by_status` (status, created_at, instance_id) |
 * | `name` | `instances_by_name` (name, created_at, instance_id) |
 * | `version` | `instances_by_version` (version, created_at, instance_id), versioned instances only |
 * | `tags` | `instances_tagged` (created_at, instance_id), tagged instances only, the tags checked on each entry |
 * | `instanceIdPrefix` | the primary key's range `prefix <= instance_id < upper`, then a sort of its matches; or, when it has many, the walk of the other filters, checking the prefix on each entry |
 * | `instanceIds` | primary key lookups (at most 1,000), then a sort of them |
 *
 * The creation and status indexes are partial, one per kind of instance (orchestrations, entities: IDs starting with
 * `@`, Running as long as they live), so that listing orchestrations (`excludeEntities`, as the client does) never
 * walks over entities. A walk of them is one arm per status and kind the filter can match, the arms merged in order
 * ({@link Dialect.mergeOrdered}): a page reads at most a page per arm. Where filters meet, a walk of the name or
 * version index checks the statuses and the kind on its entries (on SQLite, without statistics, the planner prefers
 * an equality index), and the ID prefix is checked on the entries of whichever walk. The continuation token's
 * position and `createdFrom` make one lower bound, the tighter of the two, so that each page's walk starts where the
 * page does.
 *
 * An ID prefix: its matches are counted first on the primary key, up to {@link PREFIX_SORT_PAGES} pages' worth (a
 * walk of at most that many entries). With at most that many, the primary key's range is walked and its matches
 * sorted ({@link Dialect.sortedKeyRange}). With more (`M` matches among `N` instances, `M > 20 × page`), the walk of
 * the other filters' index (the creation index alone) checks the prefix on its entries and meets a match every
 * `N / M` entries, so a page costs fewer than `N / 20` entries when the matches are spread over time (a prefix whose
 * many matches are all recent costs a walk over the older instances). The count decides, not the planner: SQLite
 * has no statistics, and PostgreSQL plans the hub's statements once, without their values (generic plans, see
 * `postgres-task-hub.ts`).
 * @module
 */
import { isTerminalStatus, TERMINAL_STATUSES } from "../core/runtime-status.js";
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

/** Row predicates of the two kinds of instances, as the partial indexes of migration 0006 name them. */
const KIND_SQL = {
  orchestration: "substr(instance_id, 1, 1) <> '@'",
  entity: "substr(instance_id, 1, 1) = '@'",
} as const;

type Kind = keyof typeof KIND_SQL;

/** The kinds of instances a filter can match: entities are left out, or named by a prefix. */
function kindsOf(filter: CheckedFilter): Kind[] {
  const named: Kind | undefined =
    filter.prefix === undefined ? undefined : filter.prefix.startsWith("@") ? "entity" : "orchestration";
  if (filter.excludeEntities) return named === "entity" ? [] : ["orchestration"];
  return named === undefined ? ["orchestration", "entity"] : [named];
}

/**
 * The query of one listing page (see the module documentation). A prefix filter costs a first read on `db`: the
 * count of its matches, up to {@link PREFIX_SORT_PAGES} pages.
 * @throws InvalidArgumentError for an invalid filter.
 */
export async function listingSql(d: Dialect, db: SqlExecutor, request: ListingRequest): Promise<FilterSql> {
  return planListing(d, db, checkInstanceFilter(request.filter), request);
}

/**
 * The query of one purge batch: the IDs of finished instances matching `filter`, oldest first, at most `limit`.
 * @throws InvalidArgumentError for an invalid filter.
 */
export async function purgeBatchSql(
  d: Dialect,
  db: SqlExecutor,
  filter: PurgeFilter,
  limit: number,
): Promise<FilterSql> {
  const checked = checkInstanceFilter(filter);
  const asked = checked.statuses.length > 0 ? checked.statuses : TERMINAL_STATUSES;
  const statuses = asked.filter(isTerminalStatus);
  // created_at: a merge of arms orders by its result columns.
  const columns = "instance_id, created_at";
  // No status left: the filter asks for active instances only, never purged.
  if (statuses.length === 0) return nothing(d, columns, limit);
  return planListing(d, db, { ...checked, statuses }, { columns, limit });
}

async function planListing(
  d: Dialect,
  db: SqlExecutor,
  filter: CheckedFilter,
  request: Omit<ListingRequest, "filter">,
): Promise<FilterSql> {
  const instances = d.table("instances");
  const { columns, limit } = request;
  const kinds = kindsOf(filter);
  if (kinds.length === 0) return nothing(d, columns, limit);
  const kind = kinds.length === 1 ? [KIND_SQL[kinds[0]!]] : [];
  let prefixForm: PrefixForm = "range";
  if (filter.prefix !== undefined && filter.instanceIds === undefined) {
    const cap = PREFIX_SORT_PAGES * limit;
    const range = clauses(d, { ...NO_FILTER, prefix: filter.prefix }, undefined, "range");
    const [row] = await d
      .statement(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${instances} WHERE ${range.clauses.join(" AND ")}
         LIMIT :cap) AS m`,
      )
      .query(db, { ...range.params, cap: cap + 1 });
    if (num(row?.n ?? 0) <= cap) {
      const where = clauses(d, filter, request.after, "range");
      return {
        text: d.sortedKeyRange(
          "instances",
          columns,
          [...kind, ...where.clauses].join(" AND "),
          ORDER,
          ":limit",
        ),
        params: { ...where.params, limit },
      };
    }
    prefixForm = "scan";
  }
  const select = (where: readonly string[]) =>
    `SELECT ${columns} FROM ${instances}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`;
  // The creation and status indexes hold one kind each: a walk of them is one arm per status and kind, merged. Other
  // walks (name, version, instance IDs) check the statuses and the kind on their entries.
  const armed =
    filter.name === undefined &&
    filter.version === undefined &&
    filter.instanceIds === undefined &&
    filter.tags === undefined;
  if (!armed) {
    const where = clauses(d, filter, request.after, prefixForm);
    return {
      text: `${select([...kind, ...where.clauses])} ORDER BY ${ORDER} LIMIT :limit`,
      params: { ...where.params, limit },
    };
  }
  const shared = clauses(d, { ...filter, statuses: [] }, request.after, prefixForm);
  const params: Record<string, SqlValue> = { ...shared.params, limit };
  const statuses = filter.statuses.length > 0 ? filter.statuses : [undefined];
  const arms = statuses.flatMap((status, i) => {
    if (status !== undefined) params[`status${i}`] = status;
    const own = status === undefined ? [] : [`status = :status${i}`];
    return kinds.map((k) => select([...own, KIND_SQL[k], ...shared.clauses]));
  });
  return {
    text:
      arms.length === 1
        ? `${arms[0]!} ORDER BY ${ORDER} LIMIT :limit`
        : d.mergeOrdered(arms, ORDER, ":limit"),
    params,
  };
}

/** A query of no rows, with the columns of `columns`. */
function nothing(d: Dialect, columns: string, limit: number): FilterSql {
  return {
    text: `SELECT ${columns} FROM ${d.table("instances")} WHERE 1 = 0 LIMIT :limit`,
    params: { limit },
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

/** The predicates of a checked filter (statuses as one list; not its kinds) for rows after `after`. */
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
  if (filter.name !== undefined) add("name = :name", { name: filter.name });
  if (filter.version !== undefined) add("version = :version", { version: filter.version });
  if (filter.tags !== undefined) {
    // The partial index of tagged instances holds every match.
    add("tags IS NOT NULL");
    Object.entries(filter.tags).forEach(([key, value], i) =>
      add(d.jsonHasEntry("tags", `tagKey${i}`, `tagValue${i}`), {
        [`tagKey${i}`]: key,
        [`tagValue${i}`]: value,
      }),
    );
  }
  if (filter.instanceId !== undefined) add("instance_id = :instanceId", { instanceId: filter.instanceId });
  return where;
}
