/**
 * Workers seen, lease takeovers and quarantined work, for health output: heartbeats (`recordWorkerHeartbeat`), the
 * takeover counts kept when a claim takes a work item whose previous lease expired unreleased, and the count of
 * poison work quarantined.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { WorkerHeartbeat, WorkerInfo } from "../task-hub/task-hub.js";
import type { SqlExecutor } from "./sql-driver.js";
import { num } from "./sql-rows.js";
import type { HubContext } from "./hub-context.js";

/** The names of the hub-wide counters (table `counters`). */
export const COUNTERS = { leaseTakeovers: "lease_takeovers", quarantined: "quarantined_work" } as const;

/** Workers not seen for this long are forgotten (and not listed). */
export const WORKER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** {@inheritDoc TaskHub.recordWorkerHeartbeat} */
export async function recordWorkerHeartbeat(ctx: HubContext, heartbeat: WorkerHeartbeat): Promise<void> {
  if (typeof heartbeat?.workerId !== "string" || heartbeat.workerId === "")
    throw new InvalidArgumentError("A worker heartbeat needs a non-empty workerId.");
  const now = ctx.clock.now();
  const { sql } = ctx;
  if (heartbeat.stopping) {
    await sql.deleteWorker.run(ctx.driver, { workerId: heartbeat.workerId });
    return;
  }
  await ctx.driver.transaction(
    async (tx) => {
      await sql.upsertWorker.run(tx, {
        workerId: heartbeat.workerId,
        now,
        orchestrationsInFlight: Math.max(0, Math.trunc(heartbeat.orchestrationsInFlight) || 0),
        activitiesInFlight: Math.max(0, Math.trunc(heartbeat.activitiesInFlight) || 0),
      });
      await sql.pruneWorkers.run(tx, { seenBefore: now - WORKER_RETENTION_MS });
    },
    { durable: false },
  );
}

/** Counts `count` lease takeovers by `workerId` (inside the claiming transaction). */
export async function countTakeovers(
  ctx: HubContext,
  tx: SqlExecutor,
  workerId: string,
  count: number,
  now: number,
): Promise<void> {
  if (count <= 0) return;
  await ctx.sql.addToCounter.run(tx, { name: COUNTERS.leaseTakeovers, count });
  await ctx.sql.countWorkerTakeovers.run(tx, { workerId, now, count });
}

/**
 * Counts `count` work items quarantined as poison work (inside the committing transaction; with `defer`, deferred to
 * the commit's round trip).
 */
export async function countQuarantined(
  ctx: HubContext,
  tx: SqlExecutor,
  count: number,
  defer = false,
): Promise<void> {
  if (count <= 0) return;
  const params = { name: COUNTERS.quarantined, count };
  if (defer) void ctx.sql.addToCounter.defer(tx, params);
  else await ctx.sql.addToCounter.run(tx, params);
}

/** Workers seen recently and the hub's counters. */
export async function readWorkers(
  ctx: HubContext,
  now: number,
): Promise<{ workers: WorkerInfo[]; leaseTakeovers: number; quarantinedWorkItems: number }> {
  const rows = await ctx.sql.workersSeen.query(ctx.driver, { seenSince: now - WORKER_RETENTION_MS });
  const counters = new Map(
    (await ctx.sql.hubCounters.query(ctx.driver)).map((row) => [String(row.name), num(row.value)]),
  );
  return {
    workers: rows.map((row) => ({
      workerId: String(row.worker_id),
      firstSeenAt: num(row.first_seen_at),
      lastSeenAt: num(row.last_seen_at),
      orchestrationsInFlight: num(row.orchestrations_in_flight),
      activitiesInFlight: num(row.activities_in_flight),
      leaseTakeovers: num(row.lease_takeovers),
    })),
    leaseTakeovers: counters.get(COUNTERS.leaseTakeovers) ?? 0,
    quarantinedWorkItems: counters.get(COUNTERS.quarantined) ?? 0,
  };
}
