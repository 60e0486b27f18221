/**
 * `taskhub health`: prints the health of a task hub as JSON (SQLite or PostgreSQL, chosen as for `taskhub start`):
 * whether the hub is reachable and ready (some worker alive: the outside view of a host's `GET /readyz`), workers seen
 * and whether they are alive, queue depths, leases held, the oldest pending work item, lease takeovers, work
 * quarantined as poison. A hub that cannot be read exits 1 with the reason on stderr.
 * @module
 */
import type { HostConfig } from "../host/config.js";
import { describeHubLocation } from "../host/open-task-hub.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";
import { clockFor } from "../task-hub/clock.js";
import { statsOf } from "../task-hub/health.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { hubReadError, HubReadError, openHubForReading } from "./read-hub.js";
import { UsageError } from "./usage-error.js";

/** A worker is reported alive when its last heartbeat is more recent than this (3 default heartbeat intervals). */
export const ALIVE_WITHIN_MS = 30_000;

/** The health report of `hub` at `now` (default: now on the hub's clock, which its times are on). */
export async function healthReport(
  hub: TaskHub,
  config: Pick<HostConfig, "hub" | "hubName">,
  now = clockFor(hub).now(),
): Promise<Record<string, unknown>> {
  const stats = await statsOf(hub);
  const iso = (time: number) => new Date(time).toISOString();
  const workers = stats.workers.map((worker) => ({
    workerId: worker.workerId,
    alive: now - worker.lastSeenAt <= ALIVE_WITHIN_MS,
    lastSeenAt: iso(worker.lastSeenAt),
    firstSeenAt: iso(worker.firstSeenAt),
    orchestrationsInFlight: worker.orchestrationsInFlight,
    activitiesInFlight: worker.activitiesInFlight,
    leaseTakeovers: worker.leaseTakeovers,
  }));
  const total = Object.values(stats.instancesByStatus).reduce((sum, n) => sum + (n ?? 0), 0);
  const workersAlive = workers.filter((w) => w.alive).length;
  return {
    hub: describeHubLocation(config.hub),
    hubName: config.hubName,
    checkedAt: iso(now),
    // What a host's GET /readyz checks, as seen from outside: the hub answered (this report could be read) and some
    // worker polls it (heartbeat within ALIVE_WITHIN_MS).
    hubReachable: true,
    ready: workersAlive > 0,
    workersAlive,
    workers,
    instances: { total, byStatus: stats.instancesByStatus },
    entities: stats.entities,
    queues: {
      inboxMessages: stats.inboxDepth,
      activityMessages: stats.activityQueueDepth,
      leasedInstances: stats.leasedInstances,
      leasedActivities: stats.leasedActivities,
    },
    oldestPendingWorkItem:
      stats.oldestPendingAt === undefined
        ? null
        : { visibleSince: iso(stats.oldestPendingAt), ageMs: Math.max(0, now - stats.oldestPendingAt) },
    leaseTakeovers: stats.leaseTakeovers,
    quarantinedWorkItems: stats.quarantinedWorkItems,
  };
}

/**
 * Runs `taskhub health`; returns the exit code (0, or 1 when the hub cannot be read; a {@link UsageError} for
 * arguments). The hub is only read: a SQLite
 * file that does not exist is not created, a PostgreSQL schema is not created, and no migration runs.
 */
export async function runHealthCommand(positionals: readonly string[], config: HostConfig): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, "health");
  let hub: SqlTaskHub | undefined;
  try {
    hub = await openHubForReading(config);
    process.stdout.write(`${JSON.stringify(await healthReport(hub, config), null, 2)}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof HubReadError ? error.message : hubReadError(config, error).message;
    process.stderr.write(`taskhub health: ${message}\n`);
    return 1;
  } finally {
    await hub?.close();
  }
}
