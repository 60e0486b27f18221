/**
 * Orchestration work items: claiming instances with visible inbox messages under a lease (also for local dispatch),
 * abandoning. Committing steps is in `sql-orchestration-commit.ts`.
 * @module
 */
import { randomUUID } from "node:crypto";
import { WorkItemLockLostError } from "../core/errors.js";
import type {
  CorruptInboxMessage,
  InboxMessage,
  LockOptions,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./sql-driver.js";
import { checkDelay, checkLockOptions, LEASE_ONLY, refreshReady } from "./work-items.js";
import { num, optStr, parseEvent, toInstanceRecord } from "./sql-rows.js";
import { runBulk } from "./sql-bulk.js";
import type { HubContext } from "./hub-context.js";
import { countTakeovers } from "./sql-workers.js";

/** {@inheritDoc TaskHub.lockOrchestrationWorkItems} */
export async function lockOrchestrationWorkItems(
  ctx: HubContext,
  options: LockOptions,
): Promise<OrchestrationWorkItem[]> {
  checkLockOptions(options);
  if (options.max === 0) return [];
  const { sql } = ctx;
  if (sql.claimAndLeaseInstances) {
    const now = ctx.clock.now();
    const claim = claimParams(now, options);
    const rows = await ctx.driver.query(sql.claimAndLeaseInstances, claim.params);
    return fromClaimedRows(rows, claim.lockExpiresAt);
  }
  // Cheap check outside a write transaction: idle polling does not take the write lock.
  const probe = ctx.clock.now();
  if ((await ctx.driver.query(sql.anyReadyInstance, [probe, probe])).length === 0) return [];
  return ctx.driver.transaction((tx) => claimInTransaction(ctx, tx, options), LEASE_ONLY);
}

/**
 * Leases, inside the caller's transaction, up to `options.max` of the instances `among` that are ready and not leased
 * (local dispatch of an activity completion). Resolves (inside the transaction) to `items`, which settles once the
 * claim ran: on PostgreSQL it is deferred to the commit's round trip (so `items` must not be awaited before the
 * transaction's function returns).
 */
export async function claimAmong(
  ctx: HubContext,
  tx: SqlExecutor,
  options: LockOptions,
  among: readonly string[],
): Promise<{ readonly items: Promise<OrchestrationWorkItem[]> }> {
  const { sql, dialect } = ctx;
  if (options.max <= 0 || among.length === 0) return { items: Promise.resolve([]) };
  const ids = dialect.listParam([...new Set(among)].sort());
  if (sql.claimAndLeaseInstancesAmong) {
    const now = ctx.clock.now();
    const claim = claimParams(now, options, ids);
    const items = tx
      .defer(sql.claimAndLeaseInstancesAmong, claim.params)
      .then((rows) => fromClaimedRows(rows, claim.lockExpiresAt));
    items.catch(() => undefined); // a failed claim fails the transaction
    return { items };
  }
  return { items: Promise.resolve(await claimInTransaction(ctx, tx, options, ids)) };
}

/** Parameters of the one-statement claims (see `Statements.claimAndLeaseInstances`). */
function claimParams(
  now: number,
  options: LockOptions,
  among?: SqlValue,
): { params: SqlValue[]; lockExpiresAt: number } {
  const lockExpiresAt = now + options.leaseMs;
  const filter = among === undefined ? [] : [among];
  return {
    params: [
      ...[now, now, ...filter, options.max, now, options.workerId, lockExpiresAt, lockExpiresAt],
      ...[options.workerId, now, now], // takeovers counted by the claim
    ],
    lockExpiresAt,
  };
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
      ? await tx.query(sql.claimInstances, [now, now, options.max])
      : await tx.query(sql.claimInstancesAmong, [now, now, among, options.max]);
  if (candidates.length === 0) return [];
  const ids = candidates.map((row) => String(row.instance_id));
  const messageRows = await tx.query(sql.visibleMessages, [dialect.listParam(ids), now]);
  const byInstance = new Map<string, SqlRow[]>();
  for (const row of messageRows) {
    const id = String(row.instance_id);
    let list = byInstance.get(id);
    if (!list) byInstance.set(id, (list = []));
    list.push(row);
  }
  const lockExpiresAt = now + options.leaseMs;
  const items: OrchestrationWorkItem[] = [];
  const leases: SqlValue[][] = [];
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
    leases.push([instanceId, lockToken, options.workerId, lockExpiresAt]);
    const takenOverFrom = optStr(row.locked_by); // set when its lease expired unreleased
    if (takenOverFrom !== undefined) takeovers++;
    items.push({
      instanceId,
      lockToken,
      lockExpiresAt,
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

/** Work items from the rows of a one-statement claim (PostgreSQL; it counted its takeovers itself). */
function fromClaimedRows(rows: readonly SqlRow[], lockExpiresAt: number): OrchestrationWorkItem[] {
  const items: OrchestrationWorkItem[] = [];
  for (const row of rows) {
    if (row.ids === null || row.ids === undefined) continue; // not ready after all; its ready_at was corrected
    const instanceId = String(row.instance_id);
    const ids = row.ids as unknown[];
    const executionIds = row.execution_ids as unknown[];
    const events = row.events as unknown[];
    const visibleAts = row.visible_ats as unknown[];
    const takenOverFrom = optStr(row.prev_locked_by);
    items.push({
      instanceId,
      lockToken: String(row.lock_token),
      lockExpiresAt,
      instance: toInstanceRecord(row),
      ...readMessages(
        instanceId,
        ids.map((id, i) => ({
          id,
          execution_id: executionIds[i],
          event: events[i],
          visible_at: visibleAts[i],
        })),
      ),
      ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
    });
  }
  return items;
}

function readMessages(
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
): Promise<void> {
  checkDelay(delayMs);
  const { sql, dialect } = ctx;
  await ctx.write(async (tx, notices: TaskHubNotice[]) => {
    const now = ctx.clock.now();
    const { instanceId, lockToken } = workItem;
    if ((await tx.run(sql.releaseInstance, [instanceId, lockToken, now])) === 0)
      throw new WorkItemLockLostError(`orchestration instance '${instanceId}'`);
    const visibleAt = now + delayMs;
    const ids = [...workItem.messages.map((m) => m.id), ...workItem.corruptMessages.map((m) => m.id)];
    if (ids.length > 0) await tx.run(sql.delayMessages, [visibleAt, instanceId, dialect.listParam(ids)]);
    await refreshReady(ctx, tx, [instanceId]);
    notices.push({ kind: "orchestration-work", visibleAt });
  }, LEASE_ONLY);
}
