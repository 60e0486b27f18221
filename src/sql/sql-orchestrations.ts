/**
 * Orchestration work items: claiming instances with visible inbox messages under a lease (also for local dispatch),
 * abandoning. Committing steps is in `sql-orchestration-commit.ts`.
 * @module
 */
import { randomUUID } from "node:crypto";
import { WorkItemLockLostError } from "../core/errors.js";
import type {
  AbandonOptions,
  CorruptInboxMessage,
  InboxMessage,
  LockOptions,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { RowOf } from "./dialect.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";
import { checkDelay, LEASE_ONLY, refreshReady } from "./work-items.js";
import { num, optStr, parseEvent, toInstanceRecord } from "./sql-rows.js";
import { runBulk } from "./sql-bulk.js";
import type { HubContext, LeasedInTransaction } from "./hub-context.js";
import { countTakeovers } from "./sql-workers.js";

/** The checked claim (`WriteStrategy.lockOrchestrations`): a cheap probe, then a transaction of several statements. */
export async function lockInTransaction(
  ctx: HubContext,
  options: LockOptions,
): Promise<OrchestrationWorkItem[]> {
  // Cheap check outside a write transaction: idle polling does not take the write lock.
  const probe = ctx.clock.now();
  if ((await ctx.sql.anyReadyInstance.query(ctx.driver, { now: probe })).length === 0) return [];
  return ctx.driver.transaction((tx) => claimInTransaction(ctx, tx, options), LEASE_ONLY);
}

/**
 * Leases, inside the caller's transaction, up to `options.max` of the instances `among` that are ready and not leased
 * (local dispatch of an activity completion). Resolves (inside the transaction) to `items`, which settles once the
 * claim ran: the guarded strategy defers it to the commit's round trip (so `items` must not be awaited before the
 * transaction's function returns).
 */
export async function claimAmong(
  ctx: HubContext,
  tx: SqlExecutor,
  options: LockOptions,
  among: readonly string[],
): Promise<LeasedInTransaction> {
  if (options.max <= 0 || among.length === 0) return { items: Promise.resolve([]) };
  return ctx.writes.claimAmong(ctx, tx, options, ctx.dialect.listParam([...new Set(among)].sort()));
}

/** The checked {@link claimAmong} (`WriteStrategy.claimAmong`): several statements in the caller's transaction. */
export async function claimAmongInTransaction(
  ctx: HubContext,
  tx: SqlExecutor,
  options: LockOptions,
  ids: SqlValue,
): Promise<LeasedInTransaction> {
  return { items: Promise.resolve(await claimInTransaction(ctx, tx, options, ids)) };
}

/** The claim as several statements in a transaction (databases without data-modifying `WITH`). */
async function claimInTransaction(
  ctx: HubContext,
  tx: SqlExecutor,
  options: LockOptions,
  among?: SqlValue,
): Promise<OrchestrationWorkItem[]> {
  const { sql, dialect } = ctx;
  const now = ctx.clock.now();
  const candidates =
    among === undefined
      ? await sql.claimInstances.query(tx, { now, max: options.max })
      : await sql.claimInstancesAmong.query(tx, { now, ids: among, max: options.max });
  if (candidates.length === 0) return [];
  const ids = candidates.map((row) => String(row.instance_id));
  const messageRows = await sql.visibleMessages.query(tx, { ids: dialect.listParam(ids), now });
  const byInstance = new Map<string, SqlRow[]>();
  for (const row of messageRows) {
    const id = String(row.instance_id);
    let list = byInstance.get(id);
    if (!list) byInstance.set(id, (list = []));
    list.push(row);
  }
  const lockExpiresAt = now + options.leaseMs;
  const items: OrchestrationWorkItem[] = [];
  const leases: RowOf<Statements["leaseInstances"]>[] = [];
  const notReady: string[] = [];
  let takeovers = 0;
  for (const row of candidates) {
    const instanceId = String(row.instance_id);
    const rows = byInstance.get(instanceId);
    if (!rows) {
      notReady.push(instanceId); // ready_at was a lower bound only (e.g. after a lease expired): fix it
      continue;
    }
    const lockToken = randomUUID();
    leases.push({
      instance_id: instanceId,
      lock_token: lockToken,
      locked_by: options.workerId,
      lock_expires_at: lockExpiresAt,
    });
    const takenOverFrom = optStr(row.locked_by); // set when its lease expired unreleased
    if (takenOverFrom !== undefined) takeovers++;
    items.push({
      instanceId,
      lockToken,
      lockExpiresAt,
      deliveryCount: num(row.delivery_count) + 1, // as it was before this delivery
      instance: toInstanceRecord(row),
      ...readMessages(instanceId, rows),
      ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
    });
  }
  await runBulk(tx, sql.leaseInstances, leases);
  await refreshReady(ctx, tx, notReady);
  await countTakeovers(ctx, tx, options.workerId, takeovers, now);
  return items;
}

/** The inbox messages of a claimed instance from their rows (corrupted ones reported apart). */
export function readMessages(
  instanceId: string,
  rows: readonly SqlRow[],
): { messages: InboxMessage[]; corruptMessages: CorruptInboxMessage[] } {
  const messages: InboxMessage[] = [];
  const corruptMessages: CorruptInboxMessage[] = [];
  for (const row of rows) {
    const id = num(row.id);
    try {
      const executionId = optStr(row.execution_id);
      messages.push({
        id,
        instanceId,
        event: parseEvent(row.event),
        visibleAt: num(row.visible_at),
        ...(executionId !== undefined ? { executionId } : {}),
      });
    } catch (error) {
      corruptMessages.push({
        id,
        error:
          `Inbox message ${id} of instance '${instanceId}' is corrupted: ` +
          (error instanceof Error ? error.message : String(error)),
      });
    }
  }
  return { messages, corruptMessages };
}

/** Releases an orchestration lease ({@link TaskHub.abandonWorkItem}). */
export async function abandonOrchestrationWorkItem(
  ctx: HubContext,
  workItem: OrchestrationWorkItem,
  delayMs: number,
  options: AbandonOptions = {},
): Promise<void> {
  checkDelay(delayMs);
  const { sql, dialect } = ctx;
  const countDelivery = options.countDelivery === true ? 1 : 0;
  await ctx.write(async (tx, notices: TaskHubNotice[]) => {
    const now = ctx.clock.now();
    const { instanceId, lockToken } = workItem;
    if ((await sql.releaseInstance.run(tx, { instanceId, lockToken, now, countDelivery })) === 0)
      throw new WorkItemLockLostError(`orchestration instance '${instanceId}'`);
    const visibleAt = now + delayMs;
    const ids = [...workItem.messages.map((m) => m.id), ...workItem.corruptMessages.map((m) => m.id)];
    if (ids.length > 0)
      await sql.delayMessages.run(tx, { visibleAt, instanceId, messageIds: dialect.listParam(ids) });
    await refreshReady(ctx, tx, [instanceId]);
    notices.push({ kind: "orchestration-work", visibleAt });
  }, LEASE_ONLY);
}
