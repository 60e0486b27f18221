/**
 * Committing orchestration steps (group commit): {@link TaskHub.completeOrchestrationWorkItems}.
 *
 * Two ways to check the leases, one way to write ({@link writeSteps}):
 * - **checked** (here, {@link completeOrchestrationsChecked}): the instance rows are read (and locked) first, and each
 *   lease is checked in code.
 * - **guarded** (PostgreSQL's write strategy, `postgres/guarded-writes.ts`): the check is the transaction's first
 *   statement and raises when a lease is not held, so the check, every write, the notifications and the `COMMIT`
 *   travel in one round trip; it falls back to the checked way.
 * @module
 */
import { taskColumns } from "./history-task-columns.js";
import { WorkItemLockLostError } from "../core/errors.js";
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";
import { randomUUID } from "node:crypto";
import type {
  ActivityWorkItem,
  CompletionOutcome,
  NewInboxMessage,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { DispatchRequest, DispatchResults, FastPathCompletion } from "../task-hub/local-dispatch.js";
import type { RowOf } from "./dialect.js";
import type { SqlExecutor, SqlRow } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";
import { createInstances, deliverMessages, newInstanceRow, type StatusMap } from "./sql-instances.js";
import { instanceAfterStep, refusedSubOrchestration } from "../task-hub/instance-records.js";
import { leaseRow, withDispatched } from "./work-items.js";
import { eventText, failureText, num, optNum, orNull, traceContextColumn } from "./sql-rows.js";
import { deferBulk, queryBulk } from "./sql-bulk.js";
import type { HubContext } from "./hub-context.js";
import { countQuarantined } from "./sql-workers.js";

/** A step whose lease is held, with the length of its instance's stored history. */
export interface HeldStep {
  readonly completion: FastPathCompletion;
  readonly storedLength: number;
}

/** The checked commit (`WriteStrategy.completeOrchestrations`). */
export async function completeOrchestrationsChecked(
  ctx: HubContext,
  completions: readonly FastPathCompletion[],
  dispatch: DispatchRequest | undefined,
): Promise<DispatchResults> {
  const { outcomes, leased } = await ctx.write((tx, notices) =>
    commitChecked(ctx, tx, notices, completions, dispatch),
  );
  return withDispatched(outcomes, dispatch, { activities: await leased });
}

/** Rows of `insertLeasedInstances` for the completions that create their instance. */
export function newInstanceRows(
  completions: readonly FastPathCompletion[],
  dispatch: DispatchRequest | undefined,
): RowOf<Statements["insertLeasedInstances"]>[] {
  return completions
    .filter((c) => c.createsInstance === true)
    .map(({ workItem }) => ({
      ...newInstanceRow(workItem.instance),
      lock_token: workItem.lockToken,
      locked_by: dispatch?.workerId ?? "(first step)",
      lock_expires_at: workItem.lockExpiresAt,
    }));
}

/** Every instance a batch writes, in ID order (the order rows are locked in). */
export function touchedInstances(completions: readonly FastPathCompletion[]): string[] {
  const touched = new Set<string>();
  for (const c of completions) {
    touched.add(c.workItem.instanceId);
    for (const m of c.messages) touched.add(m.instanceId);
    for (const n of c.newInstances) {
      touched.add(n.event.instanceId);
      if (n.event.parent) touched.add(n.event.parent.instanceId);
    }
  }
  return [...touched].sort();
}

/** Settle after the commit (promises in an object: an `async` function would wait for them, before the commit). */
export interface Written {
  /** The earliest `ready_at` left among the instances (messages that arrived during the lease), if any. */
  readonly waiting: Promise<number | undefined>;
  /** Activities leased to the committing worker (local dispatch). */
  readonly leased: Promise<ActivityWorkItem[]>;
}

/** The checked way: reads and locks the rows, checks each lease, writes the steps whose lease is held. */
async function commitChecked(
  ctx: HubContext,
  tx: SqlExecutor,
  notices: TaskHubNotice[],
  completions: readonly FastPathCompletion[],
  dispatch: DispatchRequest | undefined,
): Promise<{ outcomes: CompletionOutcome[]; leased: Promise<ActivityWorkItem[]> }> {
  const { sql, dialect } = ctx;
  const now = ctx.clock.now();
  const sorted = touchedInstances(completions);
  // Instances created with their first step: an ID in use is skipped here, and its step found lost below.
  const firstSteps = newInstanceRows(completions, dispatch);
  if (firstSteps.length > 0) await queryBulk(tx, sql.insertLeasedInstances, firstSteps);
  const rows = new Map<string, SqlRow>();
  for (const row of await sql.lockInstances.query(tx, { ids: dialect.listParam(sorted) }))
    rows.set(String(row.instance_id), row);

  const consumed = completions.flatMap((c) => c.consumedActivities ?? []);
  const heldActivities = new Set(
    consumed.length > 0
      ? (await queryBulk(tx, sql.heldActivities, consumed.map(leaseRow), { now })).map((row) => num(row.id))
      : [],
  );

  const outcomes: CompletionOutcome[] = [];
  const held: HeldStep[] = [];
  const seen = new Set<string>();
  for (const completion of completions) {
    const { instanceId, lockToken } = completion.workItem;
    const row = rows.get(instanceId);
    if (
      !row ||
      seen.has(instanceId) ||
      row.lock_token !== lockToken ||
      row.lock_expires_at === null ||
      num(row.lock_expires_at) < now ||
      !(completion.consumedActivities ?? []).every((a) => heldActivities.has(a.id))
    ) {
      outcomes.push(new WorkItemLockLostError(`orchestration instance '${instanceId}'`));
      continue;
    }
    seen.add(instanceId);
    held.push({ completion, storedLength: num(row.history_length) });
    outcomes.push(undefined);
  }
  if (held.length === 0) return { outcomes, leased: Promise.resolve([]) };

  const written = await writeSteps(ctx, tx, now, held, dispatch, false);
  // Messages that arrived during the lease wait in the inbox: say so, or nobody would look before the next poll.
  const waiting = await written.waiting;
  if (waiting !== undefined) notices.push({ kind: "orchestration-work", visibleAt: waiting });

  // New instances see the statuses this batch just wrote.
  const statuses: StatusMap = new Map();
  for (const id of sorted) {
    const row = rows.get(id);
    statuses.set(id, row ? (String(row.status) as RuntimeStatus) : undefined);
  }
  for (const { completion } of held) statuses.set(completion.workItem.instanceId, completion.instance.status);
  const { created, refused } = await createInstances(
    ctx,
    tx,
    now,
    held.flatMap(({ completion }) => completion.newInstances),
    statuses,
  );

  const messages: NewInboxMessage[] = held.flatMap(({ completion }) => completion.messages);
  for (const { event, visibleAt } of created)
    messages.push({ instanceId: event.instanceId, event, visibleAt: visibleAt ?? now });
  for (const { request, status } of refused) {
    const parent = request.event.parent;
    if (!parent) continue;
    messages.push(refusedSubOrchestration(request, status, parent, now));
  }
  // Every target is locked (lockInstances above) or was just created, so ready_at moves without an inbox read.
  await deliverMessages(ctx, tx, now, messages);
  const idle = held.filter(({ completion }) => completion.deleteIfIdle === true);
  if (idle.length > 0) {
    const ids = idle.map(({ completion }) => completion.workItem.instanceId);
    const deleted = await sql.deleteIdleInstances.query(tx, { ids: dialect.listParam(ids) });
    if (deleted.length > 0)
      await sql.deleteInstancesHistory.run(tx, {
        ids: dialect.listParam(deleted.map((r) => String(r.instance_id))),
      });
  }
  pushNotices(
    notices,
    now,
    held,
    messages,
    created.map(({ event }) => event.instanceId),
    written.leasedCount,
  );
  return { outcomes, leased: written.leased };
}

/**
 * Writes the steps' history, consumed messages, activities (the first visible ones leased to the committing worker,
 * as `dispatch` asks) and instance rows (releasing the leases), and counts the quarantined steps. With `defer`, every
 * statement is deferred, and the promises settle once the statements ran.
 */
export async function writeSteps(
  ctx: HubContext,
  tx: SqlExecutor,
  now: number,
  held: readonly HeldStep[],
  dispatch: DispatchRequest | undefined,
  defer: boolean,
): Promise<Written & { readonly leasedCount: number }> {
  const { sql, dialect } = ctx;
  // History to replace (continue-as-new, rewind); a new instance's first step has none to delete.
  const replaced = held
    .filter(({ completion, storedLength }) => completion.replaceHistory && storedLength > 0)
    .map(({ completion }) => completion.workItem.instanceId);
  if (replaced.length > 0) {
    const params = { ids: dialect.listParam(replaced) };
    if (defer) void sql.deleteInstancesHistory.defer(tx, params);
    else await sql.deleteInstancesHistory.run(tx, params);
  }
  const historyRows: RowOf<Statements["insertHistory"]>[] = [];
  const consumedRows: RowOf<Statements["deleteMessages"]>[] = [];
  const instanceRows: RowOf<Statements["updateInstances"]>[] = [];
  const activityRows: RowOf<Statements["insertActivities"]>[] = [];
  const leased: Omit<ActivityWorkItem, "id">[] = [];
  const leaseExpiresAt = now + (dispatch?.leaseMs ?? 0);
  let leasable = dispatch?.maxActivities ?? 0;
  for (const { completion, storedLength } of held) {
    const id = completion.workItem.instanceId;
    const base = completion.replaceHistory ? 0 : storedLength;
    completion.newHistory.forEach((event, i) =>
      historyRows.push({ instance_id: id, seq: base + i, event: eventText(event), ...taskColumns(event) }),
    );
    if (!completion.createsInstance)
      for (const messageId of completion.consumedMessageIds)
        consumedRows.push({ instance_id: id, id: messageId });
    const s = completion.instance;
    instanceRows.push({
      instance_id: id,
      status: s.status,
      execution_id: s.executionId,
      name: s.name,
      input: orNull(s.input),
      output: orNull(s.output),
      failure: failureText(s.failure),
      custom_status: orNull(s.customStatus),
      completed_at: orNull(s.completedAt),
      history_length: base + completion.newHistory.length,
      now,
      keep_lease: completion.keepLease ? 1 : 0,
      version: orNull(s.version),
    });
    for (const a of completion.activities) {
      const visibleAt = a.visibleAt ?? now;
      const lease =
        dispatch && leasable > 0 && visibleAt <= now
          ? { lockToken: randomUUID(), lockExpiresAt: leaseExpiresAt, deliveryCount: 1 }
          : undefined;
      if (lease) {
        leasable--;
        leased.push({ ...a, visibleAt, ...lease });
      }
      activityRows.push({
        instance_id: a.instanceId,
        execution_id: a.executionId,
        task_id: a.taskId,
        name: a.name,
        input: orNull(a.input),
        attempt: a.attempt,
        idempotency_key: a.idempotencyKey,
        visible_at: lease ? lease.lockExpiresAt : visibleAt, // a leased message is out of the claim range until it expires
        created_at: now,
        lock_token: lease?.lockToken ?? null,
        locked_by: lease ? dispatch!.workerId : null,
        lock_expires_at: lease?.lockExpiresAt ?? null,
        delivery_count: lease ? 1 : 0,
        timeout_ms: a.timeoutMs ?? null,
        heartbeat_timeout_ms: a.heartbeatTimeoutMs ?? null,
        parent_trace_context: traceContextColumn(a.parentTraceContext),
      });
    }
  }
  // One round trip on PostgreSQL; then the instance rows, whose ready_at comes from the inbox left.
  await sql.stepWrites.run(tx, [historyRows, consumedRows, activityRows], defer);
  await countQuarantined(ctx, tx, held.filter(({ completion }) => completion.quarantined).length, defer);
  // Activities whose results the steps took directly (their leases were checked); the guarded way deletes them itself.
  const consumed = held.flatMap(({ completion }) => completion.consumedActivities ?? []);
  if (consumed.length > 0 && !defer)
    await queryBulk(tx, sql.completeActivities, consumed.map(leaseRow), { now });
  const updated = defer
    ? deferBulk(tx, sql.updateInstances, instanceRows)
    : Promise.resolve(await queryBulk(tx, sql.updateInstances, instanceRows));
  // Instances still leased (`keepLease`) are their worker's: no notice of their waiting messages.
  const waiting = updated.then((rows) =>
    earliestOrUndefined(
      rows
        .filter((row) => row.lock_token === null || row.lock_token === undefined)
        .map((row) => optNum(row.ready_at))
        .filter((at): at is number => at !== undefined),
    ),
  );
  waiting.catch(() => undefined); // a failed update fails the transaction
  return { waiting, leased: leasedItems(ctx, tx, leased, defer), leasedCount: leased.length };
}

/** The leased activities' work items, once their IDs are read (in the same round trip as the writes). */
function leasedItems(
  ctx: HubContext,
  tx: SqlExecutor,
  leased: readonly Omit<ActivityWorkItem, "id">[],
  defer: boolean,
): Promise<ActivityWorkItem[]> {
  if (leased.length === 0) return Promise.resolve([]);
  const { sql, dialect } = ctx;
  const params = {
    ids: dialect.listParam([...new Set(leased.map((a) => a.instanceId))]),
    lockTokens: dialect.listParam(leased.map((a) => a.lockToken)),
  };
  const rows = defer ? sql.leasedActivityIds.defer(tx, params) : sql.leasedActivityIds.query(tx, params);
  const items = rows.then((found) => {
    const ids = new Map(found.map((row) => [String(row.lock_token), num(row.id)]));
    return leased.map((a): ActivityWorkItem => ({ ...a, id: ids.get(a.lockToken) ?? NaN }));
  });
  items.catch(() => undefined); // a failed read fails the transaction
  return items;
}

/** The notices of a committed batch: new work (messages, activities) and the instances' new statuses. */
export function pushNotices(
  notices: TaskHubNotice[],
  now: number,
  held: readonly HeldStep[],
  messages: readonly NewInboxMessage[],
  createdIds: readonly string[],
  leasedActivities: number,
): void {
  if (messages.length > 0)
    notices.push({
      kind: "orchestration-work",
      visibleAt: earliest(messages.map((m) => m.visibleAt ?? now)),
    });
  const activityTimes = held.flatMap(({ completion }) =>
    completion.activities.map((a) => a.visibleAt ?? now),
  );
  // Activities leased to the committing worker need nobody else; the others (or their later times) are announced.
  if (activityTimes.length > leasedActivities)
    notices.push({ kind: "activity-work", visibleAt: earliest(activityTimes) });
  for (const { completion, storedLength } of held) {
    const { workItem, instance } = completion;
    notices.push({
      kind: "instance-updated",
      instanceId: workItem.instanceId,
      status: instance.status,
      // A waiting client in this process needs no read for the result.
      ...(isTerminalStatus(instance.status)
        ? { record: instanceAfterStep(completion, storedLength, now) }
        : {}),
    });
  }
  for (const instanceId of createdIds)
    notices.push({ kind: "instance-updated", instanceId, status: "Pending" });
}

function earliestOrUndefined(times: readonly number[]): number | undefined {
  return times.length > 0 ? earliest(times) : undefined;
}

function earliest(times: readonly number[]): number {
  let min = Infinity;
  for (const t of times) if (t < min) min = t;
  return min;
}
