/**
 * Reads (instance, history, listing, stats) and purging.
 * @module
 */
import { InvalidArgumentError, TaskHubError } from "../core/errors.js";
import type { HistoryEvent } from "../core/history-event.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type {
  InstanceFilter,
  InstancePage,
  InstanceQuery,
  InstanceRecord,
  TaskHubStats,
} from "../task-hub/task-hub.js";
import { listingSql, purgeBatchSql } from "./list-plans.js";
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

/** {@inheritDoc TaskHub.listInstances} */
export async function listInstances(ctx: HubContext, query: InstanceQuery): Promise<InstancePage> {
  const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw new InvalidArgumentError(
      `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}.`,
    );
  const after =
    query.continuationToken === undefined ? undefined : decodeContinuationToken(query.continuationToken);
  const columns = query.includePayloads === false ? INSTANCE_COLUMNS_WITHOUT_PAYLOADS : INSTANCE_COLUMNS;
  const { text, params } = await listingSql(ctx.dialect, ctx.driver, {
    filter: query,
    after,
    columns,
    limit: pageSize + 1,
  });
  const rows = await ctx.dialect.statement(text).query(ctx.driver, params);
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
  let purged = 0;
  for (;;) {
    const deleted = await ctx.driver.transaction(async (tx) => {
      const { text, params } = await purgeBatchSql(ctx.dialect, tx, filter, PURGE_BATCH_SIZE);
      const roots = (await ctx.dialect.statement(text).query(tx, params)).map((r) => String(r.instance_id));
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
  for (const row of await ctx.sql.countOrchestrationsByStatus.query(ctx.driver))
    byStatus[String(row.status) as RuntimeStatus] = num(row.n);
  let entities = 0;
  for (const row of await ctx.sql.countEntitiesByStatus.query(ctx.driver)) entities += num(row.n);
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
