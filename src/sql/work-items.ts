/**
 * Small helpers shared by the work item modules (`sql-orchestrations.ts`, `sql-activities.ts`,
 * `sql-orchestration-commit.ts`, `sql-instances.ts`): argument checks, the lease-only transaction options, the
 * dispatched work of local dispatch, the `ready_at` refresh and the rows naming leased activity messages.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { ActivityWorkItem, CompletionOutcome, LockOptions } from "../task-hub/task-hub.js";
import type { DispatchRequest, DispatchResults, Dispatched } from "../task-hub/local-dispatch.js";
import type { HubContext } from "./hub-context.js";
import type { RowOf } from "./dialect.js";
import type { SqlExecutor } from "./sql-driver.js";
import type { Statements } from "./sql-statements.js";

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

/** The work leased to the committing worker, when it asked for local dispatch. */
export function dispatchedWork(
  dispatch: DispatchRequest | undefined,
  work: Partial<Dispatched>,
): Dispatched | undefined {
  return dispatch
    ? { activities: work.activities ?? [], orchestrations: work.orchestrations ?? [] }
    : undefined;
}

/** `outcomes` as {@link DispatchResults}, with the work dispatched to the committing worker (if it asked). */
export function withDispatched(
  outcomes: CompletionOutcome[],
  dispatch: DispatchRequest | undefined,
  work: Partial<Dispatched>,
): DispatchResults {
  const dispatched = dispatchedWork(dispatch, work);
  return dispatched ? { outcomes, dispatched } : { outcomes };
}

/** The row of `completeActivities` / `heldActivities` for a leased activity message. */
export function leaseRow(
  item: Pick<ActivityWorkItem, "id" | "lockToken">,
): RowOf<Statements["completeActivities"]> {
  return { id: item.id, lock_token: item.lockToken };
}

/** Recomputes `ready_at` of the given instances; returns how many rows exist. */
export async function refreshReady(ctx: HubContext, tx: SqlExecutor, ids: Iterable<string>): Promise<number> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return 0;
  return ctx.sql.refreshReady.run(tx, { ids: ctx.dialect.listParam(unique) });
}

/**
 * Claims work items with `lock` (a `WriteStrategy` claim) after checking the options; nothing for `max` 0.
 */
export async function lockWorkItems<T>(
  ctx: HubContext,
  options: LockOptions,
  lock: (ctx: HubContext, options: LockOptions) => Promise<T[]>,
): Promise<T[]> {
  checkLockOptions(options);
  if (options.max === 0) return [];
  return lock(ctx, options);
}

/** Commits a batch with `commit` (a `WriteStrategy` commit); nothing to write for an empty batch. */
export async function commitBatch<C>(
  ctx: HubContext,
  completions: readonly C[],
  dispatch: DispatchRequest | undefined,
  commit: (
    ctx: HubContext,
    completions: readonly C[],
    dispatch: DispatchRequest | undefined,
  ) => Promise<DispatchResults>,
): Promise<DispatchResults> {
  if (completions.length === 0) return withDispatched([], dispatch, {});
  return commit(ctx, completions, dispatch);
}
