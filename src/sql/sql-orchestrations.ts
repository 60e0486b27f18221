/**
 * Orchestration work items: claiming instances with visible inbox messages under a lease, committing steps
 * (group commit), abandoning.
 * @module
 */
import { randomUUID } from "node:crypto";
import { InvalidArgumentError, WorkItemLockLostError } from "../core/errors.js";
import type { SubOrchestrationInstanceFailed } from "../core/history-event.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type {
  CompletionOutcome,
  CorruptInboxMessage,
  InboxMessage,
  LockOptions,
  NewInboxMessage,
  OrchestrationCompletion,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { SqlRow, SqlValue } from "./sql-driver.js";
import { createInstances, deliverMessages, refreshReady, type StatusMap } from "./sql-instances.js";
import {
  eventText,
  failureText,
  num,
  optNum,
  optStr,
  orNull,
  parseEvent,
  toInstanceRecord,
} from "./sql-rows.js";
import { queryBulk, runBulk } from "./sql-statements.js";
import type { HubContext } from "./sql-task-hub.js";
import { countTakeovers } from "./sql-workers.js";

/** Transactions that only take or release leases: losing them in a crash is like an expired lease. */
export const LEASE_ONLY = { durable: false } as const;

/** Checks {@link LockOptions}. */
export function checkLockOptions(options: LockOptions): void {
  if (!Number.isInteger(options.max) || options.max < 0)
    throw new InvalidArgumentError(`LockOptions.max must be a non-negative integer, got ${options.max}.`);
  if (!Number.isFinite(options.leaseMs) || options.leaseMs <= 0)
    throw new InvalidArgumentError(`LockOptions.leaseMs must be a positive number, got ${options.leaseMs}.`);
}

/** Checks a delay argument. */
export function checkDelay(delayMs: number): void {
  if (!Number.isFinite(delayMs) || delayMs < 0)
    throw new InvalidArgumentError(`delayMs must be a non-negative number, got ${delayMs}.`);
}

/** {@inheritDoc TaskHub.lockOrchestrationWorkItems} */
export async function lockOrchestrationWorkItems(
  ctx: HubContext,
  options: LockOptions,
): Promise<OrchestrationWorkItem[]> {
  checkLockOptions(options);
  if (options.max === 0) return [];
  const { sql, dialect } = ctx;
  if (sql.claimAndLeaseInstances) return claimInOneStatement(ctx, sql.claimAndLeaseInstances, options);
  // Cheap check outside a write transaction: idle polling does not take the write lock.
  const probe = Date.now();
  if ((await ctx.driver.query(sql.anyReadyInstance, [probe, probe])).length === 0) return [];
  return ctx.driver.transaction(async (tx) => {
    const now = Date.now();
    const candidates = await tx.query(sql.claimInstances, [now, now, options.max]);
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
      if (row.locked_by !== null && row.locked_by !== undefined) takeovers++; // its lease expired unreleased
      items.push({
        instanceId,
        lockToken,
        lockExpiresAt,
        instance: toInstanceRecord(row),
        ...readMessages(instanceId, rows),
      });
    }
    await runBulk(tx, sql.leaseInstances, leases);
    await refreshReady(ctx, tx, notReady);
    await countTakeovers(ctx, tx, options.workerId, takeovers, now);
    return items;
  }, LEASE_ONLY);
}

/** PostgreSQL: claims, leases and reads messages in one round trip (see `Statements.claimAndLeaseInstances`). */
async function claimInOneStatement(
  ctx: HubContext,
  statement: string,
  options: LockOptions,
): Promise<OrchestrationWorkItem[]> {
  const now = Date.now();
  const lockExpiresAt = now + options.leaseMs;
  const rows = await ctx.driver.query(statement, [
    now,
    now,
    options.max,
    now,
    options.workerId,
    lockExpiresAt,
    lockExpiresAt,
  ]);
  const items: OrchestrationWorkItem[] = [];
  let takeovers = 0;
  for (const row of rows) {
    if (row.ids === null || row.ids === undefined) continue; // not ready after all; its ready_at was corrected
    const instanceId = String(row.instance_id);
    if (row.prev_locked_by !== null && row.prev_locked_by !== undefined) takeovers++;
    const ids = row.ids as unknown[];
    const executionIds = row.execution_ids as unknown[];
    const events = row.events as unknown[];
    const visibleAts = row.visible_ats as unknown[];
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
    });
  }
  if (takeovers > 0)
    await ctx.driver.transaction(
      (tx) => countTakeovers(ctx, tx, options.workerId, takeovers, now),
      LEASE_ONLY,
    );
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

/** {@inheritDoc TaskHub.completeOrchestrationWorkItems} */
export async function completeOrchestrationWorkItems(
  ctx: HubContext,
  completions: readonly OrchestrationCompletion[],
): Promise<CompletionOutcome[]> {
  if (completions.length === 0) return [];
  const { sql, dialect } = ctx;
  return ctx.write(async (tx, notices) => {
    const now = Date.now();
    // Every instance this batch touches, locked in ID order on PostgreSQL.
    const touched = new Set<string>();
    for (const c of completions) {
      touched.add(c.workItem.instanceId);
      for (const m of c.messages) touched.add(m.instanceId);
      for (const n of c.newInstances) {
        touched.add(n.event.instanceId);
        if (n.event.parent) touched.add(n.event.parent.instanceId);
      }
    }
    const rows = new Map<string, SqlRow>();
    const sorted = [...touched].sort();
    for (const row of await tx.query(sql.lockInstances, [dialect.listParam(sorted)]))
      rows.set(String(row.instance_id), row);

    const outcomes: CompletionOutcome[] = [];
    const committed: { completion: OrchestrationCompletion; base: number }[] = [];
    const seen = new Set<string>();
    for (const completion of completions) {
      const { instanceId, lockToken } = completion.workItem;
      const row = rows.get(instanceId);
      if (
        !row ||
        seen.has(instanceId) ||
        row.lock_token !== lockToken ||
        row.lock_expires_at === null ||
        num(row.lock_expires_at) < now
      ) {
        outcomes.push(new WorkItemLockLostError(`orchestration instance '${instanceId}'`));
        continue;
      }
      seen.add(instanceId);
      committed.push({ completion, base: completion.replaceHistory ? 0 : num(row.history_length) });
      outcomes.push(undefined);
    }
    if (committed.length === 0) return outcomes;

    // History to replace (continue-as-new, rewind); a new instance's first step has none to delete.
    const replaced = committed.filter(
      ({ completion }) =>
        completion.replaceHistory && num(rows.get(completion.workItem.instanceId)?.history_length ?? 0) > 0,
    );
    if (replaced.length > 0)
      await tx.run(sql.deleteInstancesHistory, [
        dialect.listParam(replaced.map(({ completion }) => completion.workItem.instanceId)),
      ]);
    const historyRows: SqlValue[][] = [];
    const consumedRows: SqlValue[][] = [];
    const instanceRows: SqlValue[][] = [];
    const activityRows: SqlValue[][] = [];
    for (const { completion, base } of committed) {
      const id = completion.workItem.instanceId;
      completion.newHistory.forEach((event, i) => historyRows.push([id, base + i, eventText(event)]));
      for (const messageId of completion.consumedMessageIds) consumedRows.push([id, messageId]);
      const s = completion.instance;
      instanceRows.push([
        id,
        s.status,
        s.executionId,
        s.name,
        orNull(s.input),
        orNull(s.output),
        failureText(s.failure),
        orNull(s.customStatus),
        orNull(s.completedAt),
        base + completion.newHistory.length,
        now,
      ]);
      for (const a of completion.activities)
        activityRows.push([
          a.instanceId,
          a.executionId,
          a.taskId,
          a.name,
          orNull(a.input),
          a.attempt,
          a.idempotencyKey,
          a.visibleAt ?? now,
          now,
        ]);
    }
    // One round trip on PostgreSQL; then the instance rows, whose ready_at comes from the inbox left.
    await sql.stepWrites.run(tx, [historyRows, consumedRows, activityRows]);
    // Messages that arrived during the lease wait in the inbox: say so, or nobody would look before the next poll.
    const waiting = (await queryBulk(tx, sql.updateInstances, instanceRows))
      .map((row) => optNum(row.ready_at))
      .filter((at): at is number => at !== undefined);
    if (waiting.length > 0) notices.push({ kind: "orchestration-work", visibleAt: earliest(waiting) });

    // New instances see the statuses this batch just wrote.
    const statuses: StatusMap = new Map();
    for (const id of sorted) {
      const row = rows.get(id);
      statuses.set(id, row ? (String(row.status) as RuntimeStatus) : undefined);
    }
    for (const { completion } of committed)
      statuses.set(completion.workItem.instanceId, completion.instance.status);
    const { created, refused } = await createInstances(
      ctx,
      tx,
      now,
      committed.flatMap(({ completion }) => completion.newInstances),
      statuses,
    );

    const messages: NewInboxMessage[] = committed.flatMap(({ completion }) => completion.messages);
    for (const { event, visibleAt } of created)
      messages.push({ instanceId: event.instanceId, event, visibleAt: visibleAt ?? now });
    for (const { request, status } of refused) {
      const parent = request.event.parent;
      if (!parent) continue;
      const failed: SubOrchestrationInstanceFailed = {
        type: "SubOrchestrationInstanceFailed",
        timestamp: new Date(now).toISOString(),
        taskScheduledId: parent.taskScheduledId,
        failure: {
          errorType: "InstanceAlreadyExistsError",
          message:
            `An orchestration instance with ID '${request.event.instanceId}' already exists and is ${status}; ` +
            `the sub-orchestration could not be started.`,
        },
      };
      messages.push({
        instanceId: parent.instanceId,
        executionId: parent.executionId,
        event: failed,
        visibleAt: now,
      });
    }
    // Every target is locked (lockInstances above) or was just created, so ready_at moves without an inbox read.
    await deliverMessages(ctx, tx, now, messages);
    const idle = committed.filter(({ completion }) => completion.deleteIfIdle === true);
    if (idle.length > 0) {
      const ids = idle.map(({ completion }) => completion.workItem.instanceId);
      const deleted = await tx.query(sql.deleteIdleInstances, [dialect.listParam(ids)]);
      if (deleted.length > 0)
        await tx.run(sql.deleteInstancesHistory, [
          dialect.listParam(deleted.map((r) => String(r.instance_id))),
        ]);
    }

    if (messages.length > 0)
      notices.push({
        kind: "orchestration-work",
        visibleAt: earliest(messages.map((m) => m.visibleAt ?? now)),
      });
    if (activityRows.length > 0)
      notices.push({ kind: "activity-work", visibleAt: earliest(activityRows.map((r) => r[7] as number)) });
    for (const { completion } of committed)
      notices.push({
        kind: "instance-updated",
        instanceId: completion.workItem.instanceId,
        status: completion.instance.status,
      });
    for (const { event } of created)
      notices.push({ kind: "instance-updated", instanceId: event.instanceId, status: "Pending" });
    return outcomes;
  });
}

/** {@inheritDoc TaskHub.abandonOrchestrationWorkItem} */
export async function abandonOrchestrationWorkItem(
  ctx: HubContext,
  workItem: OrchestrationWorkItem,
  delayMs: number,
): Promise<void> {
  checkDelay(delayMs);
  const { sql, dialect } = ctx;
  await ctx.write(async (tx, notices: TaskHubNotice[]) => {
    const now = Date.now();
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

function earliest(times: readonly number[]): number {
  let min = Infinity;
  for (const t of times) if (t < min) min = t;
  return min;
}
