/**
 * What every part of one worker shares: its hub, ID, settings, logger and clock, and whether it is running.
 * @module
 */
import type { Logger } from "../core/logger.js";
import type { OrchestrationWorkItem, ActivityWorkItem } from "../core/records.js";
import type { Clock } from "../task-hub/clock.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import type { PoisonWork } from "./poison-work.js";
import type { SoloRuns } from "./solo-runs.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/** A worker's settings, every default filled in (see `WorkerOptions`). */
export interface WorkerSettings {
  readonly maxConcurrentOrchestrations: number;
  readonly maxConcurrentActivities: number;
  readonly leaseMs: number;
  readonly maxPollIntervalMs: number;
  readonly maxCachedOrchestrations: number;
  readonly maxCachedHistoryEvents: number;
  readonly maxEntityOperationBatchSize: number;
  readonly shutdownTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly activityHoldMs: number;
  readonly maxOrchestrationActions: number;
  readonly maxHistoryEvents: number;
  readonly maxPayloadBytes: number;
  readonly maxDeliveryCount: number;
}

/** The state one worker's parts share; `running` is set by the worker's `start()` and `stop()`. */
export interface WorkerContext {
  readonly hub: TaskHub;
  readonly workerId: string;
  readonly settings: WorkerSettings;
  readonly log: Logger;
  /** The hub's clock. */
  readonly clock: Clock;
  /** Poison work: which items are quarantined, which are suspects. */
  readonly poison: PoisonWork;
  /** Suspect work runs alone: the worker's state towards it. */
  readonly solo: SoloRuns;
  /** The worker's metrics (no-op instruments when no OpenTelemetry `MeterProvider` is registered). */
  readonly metrics: WorkerMetrics;
  /** True between `start()` and `stop()`. */
  running: boolean;
  /**
   * When each dispatch loop last turned healthily (`performance.now()`): a take that answered, or a wait for a free
   * slot. `-Infinity` before the first. Read by `Worker.isPolling`.
   */
  readonly lastTurnAt: Record<"orchestrations" | "activities", number>;
}

/** Releases a work item's lease at once (its work becomes visible to every worker). Never throws. */
export function releaseWorkItem(hub: TaskHub, item: OrchestrationWorkItem | ActivityWorkItem): Promise<void> {
  return hub.abandonWorkItem(item, 0).catch(() => undefined);
}
