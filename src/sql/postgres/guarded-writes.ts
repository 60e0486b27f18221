/**
 * The guarded write strategy of PostgreSQL ({@link guardedWrites}): claims in one statement each (`pg-claims.ts`), and
 * commits whose checks are guards (`pg-guards.ts`), so that the check, every write, the notifications and the
 * `COMMIT` travel in one round trip. When a guard fails (a lease lost after a takeover, an instance ID in use) the
 * transaction rolls back and the write is done again the checked way (`../checked-writes.ts`), which finds out what
 * to do. Orchestration steps that start sub-orchestrations or may delete their instance need the current rows first,
 * so they take the checked way at once.
 * @module
 */
import type {
  ActivityCompletion,
  LockOptions,
  NewInstance,
  OrchestrationWorkItem,
  TaskHubNotice,
} from "../../task-hub/task-hub.js";
import type { DispatchRequest, FastPathCompletion } from "../../task-hub/local-dispatch.js";
import type { Dialect } from "../dialect.js";
import type { HubContext, LeasedInTransaction, WriteStrategy } from "../hub-context.js";
import { checkedWrites } from "../checked-writes.js";
import { announceResults, dispatchInstances, resultMessage, toWorkItem } from "../sql-activities.js";
import { deferBulk } from "../sql-bulk.js";
import type { SqlExecutor, SqlRow } from "../sql-driver.js";
import { deliverMessages, dueInstanceRow, messageRows, startNotices } from "../sql-instances.js";
import {
  newInstanceRows,
  pushNotices,
  touchedInstances,
  writeSteps,
  type Written,
} from "../sql-orchestration-commit.js";
import { readMessages } from "../sql-orchestrations.js";
import { num, optStr, toInstanceRecord } from "../sql-rows.js";
import { withDispatched, dispatchedWork, leaseRow } from "../work-items.js";
import { countQuarantined } from "../sql-workers.js";
import { pgClaimStatements } from "./pg-claims.js";
import { isGuardFailure, pgGuardStatements } from "./pg-guards.js";

/** The statements only the guarded strategy runs. */
type GuardedStatements = ReturnType<typeof pgGuardStatements> & ReturnType<typeof pgClaimStatements>;

/** The guarded {@link WriteStrategy} for the PostgreSQL dialect `d` (its statements built once, here). */
export function guardedWrites(d: Dialect): WriteStrategy {
  const s: GuardedStatements = { ...pgGuardStatements(d), ...pgClaimStatements(d) };
  return {
    createInstance: (ctx, instance, dispatch) =>
      // A guard failure: the ID is in use; the checked way replaces a finished instance, refuses an active one.
      orChecked(
        async () => {
          const { items } = await ctx.writeGrouped((tx, notices) =>
            createGuarded(s, ctx, tx, notices, instance, dispatch),
          );
          return dispatchedWork(dispatch, { orchestrations: await items });
        },
        () => checkedWrites.createInstance(ctx, instance, dispatch),
      ),

    completeOrchestrations: (ctx, completions, dispatch) =>
      !completions.every(guardable)
        ? checkedWrites.completeOrchestrations(ctx, completions, dispatch)
        : // A guard failure: some lease is lost; the checked way finds which, and commits the others.
          orChecked(
            async () => {
              const { waiting, leased } = await ctx.write((tx, notices) =>
                commitOrchestrationsGuarded(s, ctx, tx, notices, completions, dispatch),
              );
              // Messages that arrived during the leases: this process's worker takes them (others poll for them).
              const at = await waiting;
              if (at !== undefined) ctx.announce([{ kind: "orchestration-work", visibleAt: at }]);
              return withDispatched(allCommitted(completions), dispatch, { activities: await leased });
            },
            () => checkedWrites.completeOrchestrations(ctx, completions, dispatch),
          ),

    completeActivities: (ctx, completions, dispatch) =>
      // A guard failure: some lease is lost; the checked way finds which, and commits the others.
      orChecked(
        async () => {
          const { items } = await ctx.write((tx, notices) =>
            commitActivitiesGuarded(s, ctx, tx, notices, completions, dispatch),
          );
          return withDispatched(allCommitted(completions), dispatch, { orchestrations: await items });
        },
        () => checkedWrites.completeActivities(ctx, completions, dispatch),
      ),

    async lockOrchestrations(ctx, options) {
      const now = ctx.clock.now();
      const claim = claimParams(now, options);
      const rows = await s.claimAndLeaseInstances.query(ctx.driver, claim.params);
      return fromClaimedRows(rows, claim.lockExpiresAt);
    },

    claimAmong(ctx, tx, options, ids): Promise<LeasedInTransaction> {
      const now = ctx.clock.now();
      const claim = claimParams(now, options);
      const items = s.claimAndLeaseInstancesAmong
        .defer(tx, { ...claim.params, ids })
        .then((rows) => fromClaimedRows(rows, claim.lockExpiresAt));
      items.catch(() => undefined); // a failed claim fails the transaction
      return Promise.resolve({ items });
    },

    async lockActivities(ctx, options) {
      // One round trip.
      const now = ctx.clock.now();
      const claim = claimParams(now, options);
      const rows = await s.claimAndLeaseActivities.query(ctx.driver, claim.params);
      return rows
        .map((row) => toWorkItem(row, String(row.lock_token), claim.lockExpiresAt))
        .sort((a, b) => a.visibleAt! - b.visibleAt! || a.id - b.id);
    },
  };
}

/** Runs the guarded write; when a guard fails (rolling it back), runs the checked one instead. */
async function orChecked<T>(guarded: () => Promise<T>, checked: () => Promise<T>): Promise<T> {
  try {
    return await guarded();
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
  }
  return checked();
}

/** The outcomes of a batch committed whole. */
function allCommitted(completions: readonly unknown[]): undefined[] {
  return completions.map(() => undefined);
}

/** Whether a step can commit guarded (it starts no sub-orchestration and cannot delete its instance). */

function guardable(completion: FastPathCompletion): boolean {
  return completion.newInstances.length === 0 && completion.deleteIfIdle !== true;
}

/**
 * A new ID's instance row and start message, in one round trip with the commit: the insert fails the transaction
 * (a guard, see `pg-guards.ts`) when the ID is in use.
 */
async function createGuarded(
  s: GuardedStatements,
  ctx: HubContext,
  tx: SqlExecutor,
  notices: TaskHubNotice[],
  instance: NewInstance,
  dispatch: DispatchRequest | undefined,
): Promise<{ readonly items: Promise<OrchestrationWorkItem[]> }> {
  const now = ctx.clock.now();
  const { event } = instance;
  void deferBulk(tx, s.insertNewInstancesGuarded, [dueInstanceRow(instance, now)], { expected: 1 });
  const start = { instanceId: event.instanceId, event, visibleAt: instance.visibleAt ?? now };
  void deferBulk(tx, ctx.sql.insertMessages, messageRows(now, [start]));
  return startNotices(ctx, tx, notices, now, instance, dispatch);
}

/** The guarded orchestration commit: every statement deferred to the `COMMIT`'s round trip. */
async function commitOrchestrationsGuarded(
  s: GuardedStatements,
  ctx: HubContext,
  tx: SqlExecutor,
  notices: TaskHubNotice[],
  completions: readonly FastPathCompletion[],
  dispatch: DispatchRequest | undefined,
): Promise<Written> {
  const { dialect } = ctx;
  const now = ctx.clock.now();
  const items = completions.map((c) => c.workItem);
  const created = newInstanceRows(completions, dispatch);
  if (created.length > 0)
    void deferBulk(tx, s.insertLeasedInstancesGuarded, created, { expected: created.length });
  const touched = touchedInstances(completions);
  // Instances this batch just created are leased by it, unless the insert failed (which fails the transaction): a batch
  // of first steps that touch nothing else needs no lease check.
  if (created.length < completions.length || touched.length > created.length)
    void s.checkInstanceLeases.defer(tx, {
      touched: dialect.listParam(touched),
      ids: dialect.listParam(items.map((w) => w.instanceId)),
      lockTokens: dialect.listParam(items.map((w) => w.lockToken)),
      lengths: dialect.listParam(items.map((w) => w.instance.historyLength)),
      now,
    });
  // Activities whose results the steps took directly: deleted here, failing the transaction unless all were held.
  const consumed = completions.flatMap((c) => c.consumedActivities ?? []);
  if (consumed.length > 0)
    void deferBulk(tx, s.completeActivitiesGuarded, consumed.map(leaseRow), {
      now,
      expected: consumed.length,
    });
  const held = completions.map((completion) => ({
    completion,
    storedLength: completion.workItem.instance.historyLength, // as the guard checks
  }));
  const written = await writeSteps(ctx, tx, now, held, dispatch, true);
  const messages = completions.flatMap((c) => c.messages);
  await deliverMessages(ctx, tx, now, messages, true);
  pushNotices(notices, now, held, messages, [], written.leasedCount);
  return written;
}

/**
 * The guarded activity commit (see `pg-guards.ts`): the lease check, the deletes, the results and the `COMMIT` in one
 * round trip; the check raises (rolling back everything) unless every lease is held.
 */
async function commitActivitiesGuarded(
  s: GuardedStatements,
  ctx: HubContext,
  tx: SqlExecutor,
  notices: TaskHubNotice[],
  completions: readonly ActivityCompletion[],
  dispatch: DispatchRequest | undefined,
): Promise<{ readonly items: Promise<OrchestrationWorkItem[]> }> {
  const { sql, dialect } = ctx;
  const now = ctx.clock.now();
  const items = completions.map((c) => c.workItem);
  void s.checkActivityLeases.defer(tx, {
    instanceIds: dialect.listParam([...new Set(items.map((w) => w.instanceId))].sort()),
    ids: dialect.listParam(items.map((w) => w.id)),
    lockTokens: dialect.listParam(items.map((w) => w.lockToken)),
    now,
  });
  void deferBulk(tx, sql.completeActivities, items.map(leaseRow), { now });
  const messages = completions.map(resultMessage(now));
  await deliverMessages(ctx, tx, now, messages, true);
  await countQuarantined(ctx, tx, completions.filter((c) => c.quarantined).length, true);
  announceResults(notices, now, dispatch, messages);
  return dispatchInstances(ctx, tx, dispatch, messages);
}

/** Parameters of the one-statement claims (see `pgClaimStatements`; `claimAndLeaseInstancesAmong` adds `ids`). */
function claimParams(now: number, options: LockOptions) {
  const lockExpiresAt = now + options.leaseMs;
  return { params: { now, max: options.max, workerId: options.workerId, lockExpiresAt }, lockExpiresAt };
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
      deliveryCount: num(row.delivery_count) + 1,
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
