/**
 * Health output, an optional part of a task hub: worker heartbeats and counts (`taskhub health`, tests that look at
 * queue depths). Kept out of {@link TaskHub} because nothing the engine does depends on it: a hub without it is
 * correct and complete; its workers just do not report themselves, and `taskhub health` cannot read it. The SQL hubs
 * and the memory hub implement it (the conformance suite reads counts through it).
 * @module
 */
import { TaskHubError } from "../core/errors.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { TaskHub } from "./task-hub.js";

/** What a worker reports about itself, periodically, through {@link TaskHubHealth.recordWorkerHeartbeat}. */
export interface WorkerHeartbeat {
  /** The worker's ID ({@link LockOptions.workerId}). */
  readonly workerId: string;
  /** Orchestration episodes in flight in the worker. */
  readonly orchestrationsInFlight: number;
  /** Activities running in the worker. */
  readonly activitiesInFlight: number;
  /** True when the worker is stopping: the backend forgets it. */
  readonly stopping?: boolean | undefined;
}

/** A worker as last seen by the hub. */
export interface WorkerInfo {
  readonly workerId: string;
  /** First heartbeat (epoch ms). */
  readonly firstSeenAt: number;
  /** Latest heartbeat (epoch ms). */
  readonly lastSeenAt: number;
  readonly orchestrationsInFlight: number;
  readonly activitiesInFlight: number;
  /** Work items this worker took over from another worker whose lease had expired. */
  readonly leaseTakeovers: number;
}

/** Counts for health output. */
export interface TaskHubStats {
  /** Orchestration instances by runtime status (entities not included). */
  readonly instancesByStatus: Readonly<Partial<Record<RuntimeStatus, number>>>;
  /** Entities (instance IDs `@name@key`) the hub holds state or messages for. */
  readonly entities: number;
  readonly inboxDepth: number;
  readonly activityQueueDepth: number;
  /** Visible time of the oldest due inbox or activity message, when there is one. */
  readonly oldestPendingAt?: number | undefined;
  /** Instances and activity messages currently leased by a worker (lease not expired). */
  readonly leasedInstances: number;
  readonly leasedActivities: number;
  /**
   * Workers that sent a heartbeat in the last 24 hours and did not stop cleanly, most recently seen first (a worker
   * is alive when its `lastSeenAt` is within a few heartbeat intervals).
   */
  readonly workers: readonly WorkerInfo[];
  /**
   * Work items (orchestration instances and activity messages) taken over after the lease of another worker
   * expired, since the hub was created. Each is a worker that died, hung or lost its database for longer than the
   * lease.
   */
  readonly leaseTakeovers: number;
  /**
   * Work items quarantined as poison work since the hub was created (commits with `quarantined` set): activity
   * attempts failed with a `PoisonMessageError`, orchestration instances failed with one, entity operations failed
   * with one. Each is work that crashed or hung its workers `maxDeliveryCount` times.
   */
  readonly quarantinedWorkItems: number;
}

/** Heartbeats and counts: what a task hub implements to appear in health output. */
export interface TaskHubHealth {
  /**
   * Records that a worker is alive (`taskhub health` lists workers seen). Workers call it when they start, every few
   * seconds while they run, and with `stopping: true` when they stop (which forgets the worker). Workers not seen for
   * 24 hours are forgotten too.
   * @throws InvalidArgumentError when `workerId` is empty; otherwise only storage faults.
   */
  recordWorkerHeartbeat(heartbeat: WorkerHeartbeat): Promise<void>;

  /**
   * Counts for health output: queue depths, oldest pending work, leases, workers seen, lease takeovers. Throws only
   * storage faults.
   */
  getStats(): Promise<TaskHubStats>;
}

/** True when `hub` implements {@link TaskHubHealth}. */
export function hasHealth<H extends TaskHub>(hub: H): hub is H & TaskHubHealth {
  const h = hub as H & Partial<TaskHubHealth>;
  return typeof h.recordWorkerHeartbeat === "function" && typeof h.getStats === "function";
}

/**
 * The hub's counts.
 * @throws TaskHubError when the hub does not implement {@link TaskHubHealth}.
 */
export async function statsOf(hub: TaskHub): Promise<TaskHubStats> {
  if (!hasHealth(hub)) throw new TaskHubError(`The task hub ${hub.description} does not report health.`);
  return hub.getStats();
}
