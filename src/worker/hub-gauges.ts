/**
 * The hub's queue gauges, observed when a metric reader collects: queue depths, the age of the oldest pending work
 * item, leased work items and instances by status, read with one `getStats()` of the hub's health capability
 * ({@link TaskHubHealth}) and kept for a few seconds, so that frequent collections (several readers, several
 * scrapers) cost one query per interval and work items cost none. Hub-wide values: every worker on the hub reports
 * the same ones.
 * @module
 */
import type { BatchObservableCallback, Meter, MeterProvider, Observable } from "@opentelemetry/api";
import type { Clock } from "../task-hub/clock.js";
import type { TaskHubHealth, TaskHubStats } from "../task-hub/health.js";
import { METER_NAME } from "./worker-metrics.js";

/** How long a `getStats()` result is reused by collections (real time). */
export const HUB_GAUGES_CACHE_MS = 5000;

/** The queue gauges of one worker's hub, observed between {@link HubGauges.start} and {@link HubGauges.stop}. */
export class HubGauges {
  readonly #meter: Meter;
  readonly #observables: Observable[];
  readonly #callback: BatchObservableCallback;
  #stats: { readonly at: number; readonly value: Promise<TaskHubStats | undefined> } | undefined;
  #started = false;

  /**
   * @param provider Where the gauges come from (the worker's).
   * @param hub The hub's health capability.
   * @param clock The hub's clock (the oldest pending item's age is on it).
   * @param cacheMs How long a read is reused.
   */
  constructor(
    provider: MeterProvider,
    private readonly hub: TaskHubHealth,
    private readonly clock: Clock,
    private readonly cacheMs = HUB_GAUGES_CACHE_MS,
  ) {
    const meter = provider.getMeter(METER_NAME);
    this.#meter = meter;
    const depth = meter.createObservableGauge("taskhub.queue.depth", {
      unit: "{message}",
      description:
        "Messages waiting in the hub's queues (inbox: orchestration and entity messages; activity).",
    });
    const age = meter.createObservableGauge("taskhub.queue.oldest_pending.age", {
      unit: "s",
      description: "How long the oldest due inbox or activity message has been waiting (0 when none waits).",
    });
    const leased = meter.createObservableGauge("taskhub.work_items.leased", {
      unit: "{work_item}",
      description: "Instances and activity messages leased by a worker now.",
    });
    const instances = meter.createObservableGauge("taskhub.instances", {
      unit: "{instance}",
      description: "Orchestration instances in the hub by runtime status.",
    });
    this.#observables = [depth, age, leased, instances];
    this.#callback = async (result) => {
      const stats = await this.#read();
      if (!stats) return; // the hub cannot be read now: no data points rather than wrong ones
      result.observe(depth, stats.inboxDepth, { "taskhub.queue": "inbox" });
      result.observe(depth, stats.activityQueueDepth, { "taskhub.queue": "activity" });
      const oldest = stats.oldestPendingAt;
      result.observe(age, oldest === undefined ? 0 : Math.max(0, this.clock.now() - oldest) / 1000);
      result.observe(leased, stats.leasedInstances, { "taskhub.work_item.kind": "instance" });
      result.observe(leased, stats.leasedActivities, { "taskhub.work_item.kind": "activity" });
      for (const [status, count] of Object.entries(stats.instancesByStatus))
        result.observe(instances, count ?? 0, { "taskhub.orchestration.status": status });
    };
  }

  /** Starts observing (idempotent). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#meter.addBatchObservableCallback(this.#callback, this.#observables);
  }

  /** Stops observing (idempotent). */
  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#meter.removeBatchObservableCallback(this.#callback, this.#observables);
  }

  /** The hub's stats, read at most once per `cacheMs`; `undefined` when the read failed. */
  #read(): Promise<TaskHubStats | undefined> {
    const now = performance.now();
    if (this.#stats && now - this.#stats.at < this.cacheMs) return this.#stats.value;
    const value = this.hub.getStats().catch(() => undefined);
    this.#stats = { at: now, value };
    return value;
  }
}
