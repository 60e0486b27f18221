/**
 * Instance creation and inbox writes, shared by the client API (`createInstance`, `appendInboxMessage`) and by
 * orchestration completions (sub-orchestrations, outgoing messages).
 * @module
 */
import { InstanceAlreadyExistsError, InstanceNotFoundError, InvalidArgumentError } from "../core/errors.js";
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";
import { pendingInstance } from "../task-hub/instance-records.js";
import type {
  InstanceRecord,
  NewInboxMessage,
  NewInstance,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../task-hub/task-hub.js";
import type { DispatchRequest, Dispatched } from "../task-hub/local-dispatch.js";
import type { RowOf } from "./dialect.js";
import type { SqlExecutor } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";
import { claimAmong } from "./sql-orchestrations.js";
import { dispatchedWork } from "./work-items.js";
import { eventText, orNull } from "./sql-rows.js";
import { queryBulk, runBulk } from "./sql-bulk.js";
import type { HubContext } from "./hub-context.js";

/** Current status of instance rows, by ID (`undefined`: no row). */
export type StatusMap = Map<string, RuntimeStatus | undefined>;

/** Outcome of {@link createInstances}. */
export interface CreatedInstances {
  /** Requests whose instance row was written (created, or replacing a finished instance). */
  readonly created: NewInstance[];
  /** Requests refused because the ID is held by an instance that is not finished. */
  readonly refused: { readonly request: NewInstance; readonly status: string }[];
}

/** {@inheritDoc LocalDispatchCapability.createAndDispatch} */
export async function createInstance(
  ctx: HubContext,
  instance: NewInstance,
  dispatch?: DispatchRequest,
): Promise<Dispatched | undefined> {
  checkNewInstance(instance);
  return ctx.writes.createInstance(ctx, instance, dispatch);
}

/** The checked creation (`WriteStrategy.createInstance`): reads the ID's status first. */
export async function createInstanceChecked(
  ctx: HubContext,
  instance: NewInstance,
  dispatch: DispatchRequest | undefined,
): Promise<Dispatched | undefined> {
  const instanceId = instance.event.instanceId;
  const { items } = await ctx.writeGrouped(async (tx, notices) => {
    const now = ctx.clock.now();
    const statuses = await readStatuses(ctx, tx, [instanceId]);
    const { refused } = await createInstances(ctx, tx, now, [instance], statuses);
    const refusal = refused[0];
    if (refusal) throw new InstanceAlreadyExistsError(instanceId, refusal.status);
    const visibleAt = instance.visibleAt ?? now;
    await insertMessages(ctx, tx, now, [{ instanceId, event: instance.event, visibleAt }]);
    return startNotices(ctx, tx, notices, now, instance, dispatch);
  });
  return dispatchedWork(dispatch, { orchestrations: await items });
}

/**
 * A new instance's notices, or (eager start) its lease for the dispatching worker, which then needs no notice of the
 * start.
 */
export function startNotices(
  ctx: HubContext,
  tx: SqlExecutor,
  notices: TaskHubNotice[],
  now: number,
  instance: NewInstance,
  dispatch: DispatchRequest | undefined,
): Promise<{ readonly items: Promise<OrchestrationWorkItem[]> }> {
  const instanceId = instance.event.instanceId;
  const visibleAt = instance.visibleAt ?? now;
  notices.push({ kind: "instance-updated", instanceId, status: "Pending" });
  if (dispatch && (dispatch.maxOrchestrations ?? 0) > 0 && visibleAt <= now)
    return claimAmong(ctx, tx, { workerId: dispatch.workerId, leaseMs: dispatch.leaseMs, max: 1 }, [
      instanceId,
    ]);
  notices.push({ kind: "orchestration-work", visibleAt });
  return Promise.resolve({ items: Promise.resolve([]) });
}

/** {@inheritDoc TaskHub.appendInboxMessage} */
export async function appendInboxMessage(ctx: HubContext, message: NewInboxMessage): Promise<void> {
  if (typeof message.instanceId !== "string" || typeof message.event?.type !== "string")
    throw new InvalidArgumentError("An inbox message needs an instanceId and an event with a type.");
  await ctx.writeGrouped(async (tx, notices) => {
    const now = ctx.clock.now();
    const inserted = await insertMessages(ctx, tx, now, [message]);
    // The ready_at bump locks the row; 0 rows means the instance vanished (e.g. purged concurrently).
    if (inserted === 0 || (await runBulk(tx, ctx.sql.bumpReady, bumpRows(now, [message]))) === 0)
      throw new InstanceNotFoundError(message.instanceId);
    if (message.event.type === "ExecutionRewound")
      await ctx.sql.markRewound.run(tx, { instanceId: message.instanceId, now });
    notices.push({ kind: "orchestration-work", visibleAt: message.visibleAt ?? now });
  });
}

/**
 * Reads the status of the given instances, locking their rows in ID order on PostgreSQL (so concurrent writers
 * touching several instances cannot deadlock).
 */
export async function readStatuses(
  ctx: HubContext,
  tx: SqlExecutor,
  ids: Iterable<string>,
): Promise<StatusMap> {
  const sorted = [...new Set(ids)].sort();
  const statuses: StatusMap = new Map(sorted.map((id) => [id, undefined]));
  if (sorted.length === 0) return statuses;
  const rows = await ctx.sql.lockInstances.query(tx, { ids: ctx.dialect.listParam(sorted) });
  for (const row of rows) statuses.set(String(row.instance_id), String(row.status) as RuntimeStatus);
  return statuses;
}

/**
 * Creates instance rows: a new row for an unknown ID, a reset row (after deleting the old history, inbox and queued
 * activities) for a finished instance, a refusal for an instance that is not finished. Processes requests in order and
 * updates `statuses` (a later request for the same ID in one batch is refused). Does not write the start messages.
 */
export async function createInstances(
  ctx: HubContext,
  tx: SqlExecutor,
  now: number,
  requests: readonly NewInstance[],
  statuses: StatusMap,
): Promise<CreatedInstances> {
  const created: NewInstance[] = [];
  const refused: { request: NewInstance; status: string }[] = [];
  const replaced: string[] = [];
  for (const request of requests) {
    const id = request.event.instanceId;
    const status = statuses.get(id);
    if (status !== undefined && !isTerminalStatus(status)) {
      refused.push({ request, status });
      continue;
    }
    if (status !== undefined) replaced.push(id);
    statuses.set(id, "Pending");
    created.push(request);
  }
  if (created.length === 0) return { created, refused };
  if (replaced.length > 0) await deleteInstanceData(ctx, tx, replaced);
  const rows = created.map((request) => dueInstanceRow(request, now));
  const written = new Set(
    (await queryBulk(tx, ctx.sql.upsertInstances, rows)).map((row) => String(row.instance_id)),
  );
  if (written.size === created.length) return { created, refused };
  // Another transaction created the ID between our read and our insert (PostgreSQL): refused as if we had seen it.
  return {
    created: created.filter((request) => written.has(request.event.instanceId)),
    refused: [
      ...refused,
      ...created
        .filter((request) => !written.has(request.event.instanceId))
        .map((request) => ({ request, status: "Pending" })),
    ],
  };
}

/** Deletes the history, inbox and queued activities of the given instances. */
export async function deleteInstanceData(
  ctx: HubContext,
  tx: SqlExecutor,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const list = { ids: ctx.dialect.listParam(ids) };
  await ctx.sql.deleteInstancesHistory.run(tx, list);
  await ctx.sql.deleteInstancesInbox.run(tx, list);
  await ctx.sql.deleteInstancesActivities.run(tx, list);
}

/**
 * Inserts inbox messages for instances that exist (messages to unknown instances are dropped) and returns how many
 * were inserted. The caller refreshes `ready_at` of the targets (`refreshReady` in `work-items.ts`).
 */
export async function insertMessages(
  ctx: HubContext,
  tx: SqlExecutor,
  now: number,
  messages: readonly NewInboxMessage[],
): Promise<number> {
  if (messages.length === 0) return 0;
  return runBulk(tx, ctx.sql.insertMessages, messageRows(now, messages));
}

/**
 * Inserts inbox messages for instances that exist (messages to unknown instances are dropped) and moves the targets'
 * `ready_at` accordingly (statement `bumpReady`), in one round trip on PostgreSQL. The targets must be locked
 * (or be the caller's own leased instances). With `defer`, the statement is deferred ({@link SqlExecutor.defer}).
 */
export async function deliverMessages(
  ctx: HubContext,
  tx: SqlExecutor,
  now: number,
  messages: readonly NewInboxMessage[],
  defer = false,
): Promise<void> {
  if (messages.length === 0) return;
  await ctx.sql.deliverMessages.run(tx, [messageRows(now, messages), bumpRows(now, messages)], defer);
}

/** One `bumpReady` row per target: the earliest visible time of its new messages. */
export function bumpRows(
  now: number,
  messages: readonly NewInboxMessage[],
): RowOf<Statements["bumpReady"]>[] {
  const earliest = new Map<string, number>();
  for (const m of messages) {
    const at = m.visibleAt ?? now;
    const current = earliest.get(m.instanceId);
    if (current === undefined || at < current) earliest.set(m.instanceId, at);
  }
  return [...earliest]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([instanceId, at]) => ({ instance_id: instanceId, visible_at: at }));
}

/**
 * The columns every new instance row has (statements `upsertInstances`, `insertNewInstancesGuarded` of `postgres/pg-guards.ts`,
 * `insertLeasedInstances`), from the row it gets.
 */
export function newInstanceRow(
  record: InstanceRecord,
): Omit<RowOf<Statements["upsertInstances"]>, "ready_at"> {
  return {
    instance_id: record.instanceId,
    name: record.name,
    execution_id: record.executionId,
    input: orNull(record.input),
    created_at: record.createdAt,
    scheduled_start_at: orNull(record.scheduledStartAt),
    parent_instance_id: orNull(record.parentInstanceId),
    version: orNull(record.version),
    tags: record.tags === undefined ? null : JSON.stringify(record.tags),
  };
}

/** A row of `upsertInstances` / `insertNewInstancesGuarded`: the new instance, ready when its start is due. */
export function dueInstanceRow(request: NewInstance, now: number): RowOf<Statements["upsertInstances"]> {
  return { ...newInstanceRow(pendingInstance(request, now)), ready_at: request.visibleAt ?? now };
}

/** Rows of `insertMessages`. */
export function messageRows(
  now: number,
  messages: readonly NewInboxMessage[],
): RowOf<Statements["insertMessages"]>[] {
  return messages.map((message) => ({
    instance_id: message.instanceId,
    execution_id: orNull(message.executionId),
    event: eventText(message.event),
    visible_at: message.visibleAt ?? now,
    created_at: now,
  }));
}

function checkNewInstance(instance: NewInstance): void {
  const event = instance?.event;
  if (event?.type !== "ExecutionStarted")
    throw new InvalidArgumentError("A new instance needs an ExecutionStarted event.");
  if (typeof event.instanceId !== "string" || event.instanceId.length === 0)
    throw new InvalidArgumentError("A new instance needs a non-empty instance ID.");
}
