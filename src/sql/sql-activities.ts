/**
 * Activity work items: leasing queued activity messages, committing results into inboxes, abandoning, renewing.
 *
 * A leased message's `visible_at` is moved to its lease expiry, so the claim query (`visible_at <= now`, index
 * `activity_queue_visible`) never walks over messages that are leased and alive.
 * @module
 */
import { randomUUID } from "node:crypto";
import { WorkItemLockLostError } from "../core/errors.js";
import type {
  AbandonOptions,
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  LockOptions,
  NewInboxMessage,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { DispatchRequest, DispatchResults } from "../task-hub/local-dispatch.js";
import type { RowOf } from "./dialect.js";
import type { SqlExecutor, SqlRow } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";
import { deliverMessages, readStatuses } from "./sql-instances.js";
import { claimAmong } from "./sql-orchestrations.js";
import { checkDelay, checkLockOptions, LEASE_ONLY, leaseRow, withDispatched } from "./work-items.js";
import { num, optNum, optStr, parseTraceContext } from "./sql-rows.js";
import { queryBulk, runBulk } from "./sql-bulk.js";
import type { HubContext } from "./hub-context.js";
import { countQuarantined, countTakeovers } from "./sql-workers.js";

/** The error of a completion whose lease is lost. */
export const lost = (workItem: ActivityWorkItem) =>
  new WorkItemLockLostError(
    `activity '${workItem.name}' (message ${workItem.id}) of instance '${workItem.instanceId}'`,
  );

/** The checked claim (`WriteStrategy.lockActivities`): a cheap probe, then a transaction of several statements. */
export async function lockActivitiesInTransaction(
  ctx: HubContext,
  options: LockOptions,
): Promise<ActivityWorkItem[]> {
  const { sql } = ctx;
  if ((await sql.anyReadyActivity.query(ctx.driver, { now: ctx.clock.now() })).length === 0) return [];
  return ctx.driver.transaction(async (tx) => {
    const now = ctx.clock.now();
    const rows = await sql.claimActivities.query(tx, { now, max: options.max });
    if (rows.length === 0) return [];
    const lockExpiresAt = now + options.leaseMs;
    const leases: RowOf<Statements["leaseActivities"]>[] = [];
    const items = rows.map((row): ActivityWorkItem => {
      const item = toWorkItem(row, randomUUID(), lockExpiresAt);
      leases.push({
        id: item.id,
        lock_token: item.lockToken,
        locked_by: options.workerId,
        lock_expires_at: lockExpiresAt,
      });
      return item;
    });
    await runBulk(tx, sql.leaseActivities, leases);
    const takeovers = items.filter((item) => item.takenOverFrom !== undefined).length;
    await countTakeovers(ctx, tx, options.workerId, takeovers, now);
    return items;
  }, LEASE_ONLY);
}

/**
 * An activity work item from a claimed row (`delivery_count` as it was before this delivery; the previous holder of
 * an expired lease in `prev_locked_by` or `locked_by`).
 */
export function toWorkItem(row: SqlRow, lockToken: string, lockExpiresAt: number): ActivityWorkItem {
  const input = optStr(row.input);
  const takenOverFrom = optStr(row.prev_locked_by ?? row.locked_by);
  const timeoutMs = optNum(row.timeout_ms);
  const heartbeatTimeoutMs = optNum(row.heartbeat_timeout_ms);
  const heartbeatDetails = optStr(row.heartbeat_details);
  const parentTraceContext = parseTraceContext(row.parent_trace_context);
  return {
    id: num(row.id),
    instanceId: String(row.instance_id),
    executionId: String(row.execution_id),
    taskId: num(row.task_id),
    name: String(row.name),
    ...(input !== undefined ? { input } : {}),
    attempt: num(row.attempt),
    idempotencyKey: String(row.idempotency_key),
    visibleAt: num(row.visible_at),
    lockToken,
    lockExpiresAt,
    deliveryCount: num(row.delivery_count) + 1,
    ...(takenOverFrom !== undefined ? { takenOverFrom } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs } : {}),
    ...(heartbeatDetails !== undefined ? { heartbeatDetails } : {}),
    ...(parentTraceContext !== undefined ? { parentTraceContext } : {}),
  };
}

/** The checked commit (`WriteStrategy.completeActivities`). */
export async function completeActivitiesChecked(
  ctx: HubContext,
  completions: readonly ActivityCompletion[],
  dispatch: DispatchRequest | undefined,
): Promise<DispatchResults> {
  const { outcomes, items } = await commitChecked(ctx, completions, dispatch);
  return withDispatched(outcomes, dispatch, { orchestrations: await items });
}

/**
 * Announces the results as new orchestration work, unless local dispatch leases every target it can: a target it
 * cannot lease then is leased by another worker, whose commit announces the messages waiting for it.
 */
export function announceResults(
  notices: TaskHubNotice[],
  now: number,
  dispatch: DispatchRequest | undefined,
  messages: readonly NewInboxMessage[],
): void {
  if (messages.length === 0) return;
  const targets = new Set(messages.map((m) => m.instanceId)).size;
  if ((dispatch?.maxOrchestrations ?? 0) < targets)
    notices.push({ kind: "orchestration-work", visibleAt: now });
}

/** Leases the instances the results went to, for the committing worker (local dispatch). */
export function dispatchInstances(
  ctx: HubContext,
  tx: SqlExecutor,
  dispatch: DispatchRequest | undefined,
  messages: readonly NewInboxMessage[],
): Promise<{ readonly items: Promise<OrchestrationWorkItem[]> }> {
  if (!dispatch || messages.length === 0) return Promise.resolve({ items: Promise.resolve([]) });
  return claimAmong(
    ctx,
    tx,
    { workerId: dispatch.workerId, leaseMs: dispatch.leaseMs, max: dispatch.maxOrchestrations ?? 0 },
    messages.map((m) => m.instanceId),
  );
}

/** The checked way: deletes the leased messages, finds the lost leases from what was deleted. */
function commitChecked(
  ctx: HubContext,
  completions: readonly ActivityCompletion[],
  dispatch: DispatchRequest | undefined,
): Promise<{ outcomes: CompletionOutcome[]; items: Promise<OrchestrationWorkItem[]> }> {
  return ctx.write(async (tx, notices) => {
    const now = ctx.clock.now();
    // Lock the target instances first, in ID order (PostgreSQL), so concurrent batches cannot deadlock (a batch for
    // one instance cannot: it takes one instance lock, last).
    const targets = new Set(completions.map((c) => c.workItem.instanceId));
    if (ctx.dialect.forUpdate !== "" && targets.size > 1)
      await readStatuses(
        ctx,
        tx,
        completions.map((c) => c.workItem.instanceId),
      );
    const deleted = new Set(
      (
        await queryBulk(
          tx,
          ctx.sql.completeActivities,
          completions.map(({ workItem }) => leaseRow(workItem)),
          { now },
        )
      ).map((row) => num(row.id)),
    );
    const outcomes: CompletionOutcome[] = [];
    const messages: NewInboxMessage[] = [];
    let quarantined = 0;
    for (const { workItem, result, quarantined: poison } of completions) {
      if (!deleted.delete(workItem.id)) {
        outcomes.push(lost(workItem));
        continue;
      }
      outcomes.push(undefined);
      if (poison) quarantined++;
      messages.push(resultMessage(now)({ workItem, result }));
    }
    await deliverMessages(ctx, tx, now, messages);
    await countQuarantined(ctx, tx, quarantined);
    announceResults(notices, now, dispatch, messages);
    const { items } = await dispatchInstances(ctx, tx, dispatch, messages);
    return { outcomes, items };
  });
}

/** The inbox message carrying an activity's result. */
export const resultMessage =
  (now: number) =>
  ({ workItem, result }: ActivityCompletion): NewInboxMessage => ({
    instanceId: workItem.instanceId,
    executionId: workItem.executionId,
    event: result,
    visibleAt: now,
  });

/** Releases an activity lease ({@link TaskHub.abandonWorkItem}). */
export async function abandonActivityWorkItem(
  ctx: HubContext,
  workItem: ActivityWorkItem,
  delayMs: number,
  options: AbandonOptions = {},
): Promise<void> {
  checkDelay(delayMs);
  const countDelivery = options.countDelivery === true ? 1 : 0;
  await ctx.write(async (tx, notices) => {
    const now = ctx.clock.now();
    const visibleAt = now + delayMs;
    const { id, lockToken } = workItem;
    if ((await ctx.sql.abandonActivity.run(tx, { visibleAt, id, lockToken, now, countDelivery })) === 0)
      throw lost(workItem);
    notices.push({ kind: "activity-work", visibleAt });
  }, LEASE_ONLY);
}

/** {@inheritDoc TaskHub.renewActivityWorkItem} */
export async function renewActivityWorkItem(
  ctx: HubContext,
  workItem: ActivityWorkItem,
  leaseMs: number,
  heartbeatDetails?: string,
): Promise<number> {
  checkLockOptions({ workerId: "", max: 1, leaseMs });
  const now = ctx.clock.now();
  const lockExpiresAt = now + leaseMs;
  const params = { lockExpiresAt, id: workItem.id, lockToken: workItem.lockToken, now };
  const changed =
    heartbeatDetails === undefined
      ? await ctx.sql.renewActivity.run(ctx.driver, params)
      : await ctx.sql.renewActivityWithDetails.run(ctx.driver, { ...params, heartbeatDetails });
  if (changed === 0) throw lost(workItem);
  return lockExpiresAt;
}
