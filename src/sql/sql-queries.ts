/**
 * Reads (instance, history, listing, stats) and purging.
 * @module
 */
import { checkInstanceIds } from "../task-hub/instance-filter.js";
import { InvalidArgumentError, TaskHubError } from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import { isRuntimeStatus, type RuntimeStatus } from "../core/runtime-status.js";
import type {
  InstanceFilter,
  InstancePage,
  InstanceQuery,
  InstanceRecord,
  TaskHubStats,
} from "../task-hub/task-hub.js";
import type { SqlValue } from "./sql-driver.js";
import type { SqlParams } from "./statement.js";
import { deleteInstanceData } from "./sql-instances.js";
import {
  decodeContinuationToken,
  encodeContinuationToken,
  INSTANCE_COLUMNS,
  INSTANCE_COLUMNS_WITHOUT_PAYLOADS,
  num,
  optNum,
  parseEvent,
  toInstanceRecord,
} from "./sql-rows.js";
import { TERMINAL_SQL } from "./sql-statements.js";
import type { HubContext } from "./hub-context.js";
import { readWorkers } from "./sql-workers.js";

/** Default and largest page sizes of {@link listInstances}. */
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 10_000;
/** Root instances deleted per purge transaction (plus their finished sub-orchestrations). */
export const PURGE_BATCH_SIZE = 500;

/** {@inheritDoc TaskHub.getInstance} */
export async function getInstance(ctx: HubContext, instanceId: string): Promise<InstanceRecord | undefined> {
  const rows = await ctx.sql.getInstance.query(ctx.driver, { instanceId });
  return rows[0] ? toInstanceRecord(rows[0]) : undefined;
}

/** {@inheritDoc TaskHub.getHistory} */
export async function getHistory(ctx: HubContext, instanceId: string): Promise<HistoryEvent[]> {
  const rows = await ctx.sql.getHistory.query(ctx.driver, { instanceId });
  return rows.map((row) => {
    try {
      return parseEvent(row.event);
    } catch (error) {
      throw new TaskHubError(
        `History event #${num(row.seq)} of instance '${instanceId}' is corrupted: ` +
          (error instanceof Error ? error.message : String(error)),
      );
    }
  });
}

/** A `WHERE` clause (with its named parameters) for an {@link InstanceFilter}. */
function filterClause(
  ctx: HubContext,
  filter: InstanceFilter & { readonly instanceId?: string | undefined },
  extra: string[] = [],
): { where: string; params: Record<string, SqlValue> } {
  const clauses = [...extra];
  const params: Record<string, SqlValue> = {};
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    for (const status of filter.statuses)
      if (!isRuntimeStatus(status))
        throw new InvalidArgumentError(`Unknown runtime status '${String(status)}'.`);
    clauses.push(ctx.dialect.inList("status", "text", "statuses"));
    params.statuses = ctx.dialect.listParam([...new Set<RuntimeStatus>(filter.statuses)]);
  }
  for (const [key, op] of [
    ["createdFrom", ">="],
    ["createdTo", "<="],
  ] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`${key} must be a finite number (epoch ms).`);
    clauses.push(`created_at ${op} :${key}`);
    params[key] = value;
  }
  if (filter.instanceIdPrefix !== undefined && filter.instanceIdPrefix !== "") {
    // No LIKE: SQLite's is case-insensitive and wildcards would need escaping. Lengths count characters in both.
    clauses.push("substr(instance_id, 1, length(CAST(:prefix AS TEXT))) = CAST(:prefix AS TEXT)");
    params.prefix = filter.instanceIdPrefix;
  }
  const ids = checkInstanceIds(filter.instanceIds);
  if (ids !== undefined) {
    clauses.push(ctx.dialect.inList("instance_id", "text", "instanceIds"));
    params.instanceIds = ctx.dialect.listParam(ids);
  }
  if (filter.excludeEntities) clauses.push("substr(instance_id, 1, 1) <> '@'");
  if (filter.instanceId !== undefined) {
    clauses.push("instance_id = :instanceId");
    params.instanceId = filter.instanceId;
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

/** {@inheritDoc TaskHub.listInstances} */
export async function listInstances(ctx: HubContext, query: InstanceQuery): Promise<InstancePage> {
  const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw new InvalidArgumentError(
      `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}.`,
    );
  const extra: string[] = [];
  let after: SqlParams = {};
  if (query.continuationToken !== undefined) {
    const position = decodeContinuationToken(query.continuationToken);
    extra.push("(created_at, instance_id) > (:afterCreatedAt, :afterInstanceId)");
    after = { afterCreatedAt: position.createdAt, afterInstanceId: position.instanceId };
  }
  const { where, params } = filterClause(ctx, query, extra);
  const columns = query.includePayloads === false ? INSTANCE_COLUMNS_WITHOUT_PAYLOADS : INSTANCE_COLUMNS;
  const rows = await ctx.dialect
    .statement(
      `SELECT ${columns} FROM ${ctx.sql.tables.instances} ${where} ORDER BY created_at, instance_id LIMIT :limit`,
    )
    .query(ctx.driver, { ...after, ...params, limit: pageSize + 1 });
  const instances = rows.slice(0, pageSize).map(toInstanceRecord);
  const last = instances[instances.length - 1];
  return rows.length > pageSize && last
    ? {
        instances,
        continuationToken: encodeContinuationToken({
          createdAt: last.createdAt,
          instanceId: last.instanceId,
        }),
      }
    : { instances };
}

/** {@inheritDoc TaskHub.purgeInstances} */
export async function purgeInstances(
  ctx: HubContext,
  filter: InstanceFilter & { readonly instanceId?: string | undefined },
): Promise<number> {
  const { where, params } = filterClause(ctx, filter, [`status IN ${TERMINAL_SQL}`]);
  const selectRoots = ctx.dialect.statement(
    `SELECT instance_id FROM ${ctx.sql.tables.instances} ${where} ORDER BY created_at, instance_id LIMIT :limit`,
  );
  let purged = 0;
  for (;;) {
    const deleted = await ctx.driver.transaction(async (tx) => {
      const roots = (await selectRoots.query(tx, { ...params, limit: PURGE_BATCH_SIZE })).map((r) =>
        String(r.instance_id),
      );
      if (roots.length === 0) return undefined;
      const tree = (await ctx.sql.finishedDescendants.query(tx, { ids: ctx.dialect.listParam(roots) })).map(
        (r) => String(r.id),
      );
      const ids = (await ctx.sql.deleteFinishedInstances.query(tx, { ids: ctx.dialect.listParam(tree) })).map(
        (r) => String(r.instance_id),
      );
      await deleteInstanceData(ctx, tx, ids);
      return ids.length;
    });
    if (deleted === undefined || deleted === 0) return purged;
    purged += deleted;
  }
}

/** {@inheritDoc TaskHub.getStats} */
export async function getStats(ctx: HubContext): Promise<TaskHubStats> {
  const now = ctx.clock.now();
  const byStatus: Partial<Record<RuntimeStatus, number>> = {};
  for (const row of await ctx.sql.countByStatus.query(ctx.driver))
    byStatus[String(row.status) as RuntimeStatus] = num(row.n);
  let entities = 0;
  for (const row of await ctx.sql.countEntitiesByStatus.query(ctx.driver)) {
    const status = String(row.status) as RuntimeStatus;
    const left = (byStatus[status] ?? 0) - num(row.n);
    if (left > 0) byStatus[status] = left;
    else delete byStatus[status];
    entities += num(row.n);
  }
  const [inbox] = await ctx.sql.inboxStats.query(ctx.driver, { now });
  const [activity] = await ctx.sql.activityStats.query(ctx.driver, { now });
  const oldest = [optNum(inbox?.oldest), optNum(activity?.oldest)].filter(
    (t): t is number => t !== undefined,
  );
  const [leasedInstances] = await ctx.sql.leasedInstances.query(ctx.driver, { now });
  const [leasedActivities] = await ctx.sql.leasedActivities.query(ctx.driver, { now });
  const { workers, leaseTakeovers, quarantinedWorkItems } = await readWorkers(ctx, now);
  return {
    instancesByStatus: byStatus,
    entities,
    inboxDepth: num(inbox?.n ?? 0),
    activityQueueDepth: num(activity?.n ?? 0),
    ...(oldest.length > 0 ? { oldestPendingAt: Math.min(...oldest) } : {}),
    leasedInstances: num(leasedInstances?.n ?? 0),
    leasedActivities: num(leasedActivities?.n ?? 0),
    workers,
    leaseTakeovers,
    quarantinedWorkItems,
  };
}
