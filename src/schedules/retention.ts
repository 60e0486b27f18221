/**
 * Automatic retention: a built-in timer trigger (`taskhub:retention`) that purges the finished instances the
 * retention policies say are old enough. Being a durable schedule, it runs on exactly one host of a fleet per
 * occurrence, however many hosts share the hub (see `schedule-orchestration.ts`).
 *
 * Each run purges, per policy, in bounded batches (default 500 instances, a pause between batches so that the hub's
 * other work goes on), logs one `info` line with the count per policy, and adds the counts to the
 * `taskhub.retention.purged` counter (attribute `taskhub.orchestration.status`). Age is creation time: the hub filters
 * purges by creation time, not by completion time, so an instance that ran for a long time is purged that much
 * sooner after it finished. Entities are never purged by retention.
 * @module
 */
import { metrics, type Counter, type MeterProvider } from "@opentelemetry/api";
import type { DurableClient } from "../client/durable-client.js";
import { InvalidArgumentError } from "../core/errors.js";
import { toLogger, type LogSink } from "../core/logger.js";
import type { RetentionPolicy } from "./retention-policy.js";
import { registerScheduleFunctions, scheduleInstanceId } from "./schedule-orchestration.js";
import { isTerminalStatus, type RuntimeStatus } from "../core/runtime-status.js";
import { createTimerTrigger, type TimerRegistry } from "./timer-trigger.js";

/** The name of the retention timer (its schedule's instance ID is `schedule:taskhub:retention`). */
export const RETENTION_TIMER = "taskhub:retention";
/** Default schedule of retention runs: every hour, on the hour. */
export const DEFAULT_RETENTION_SCHEDULE = "0 0 * * * *";
/** Default number of instances purged per batch. */
export const DEFAULT_RETENTION_BATCH = 500;
/** Default pause between two batches, in milliseconds. */
export const DEFAULT_RETENTION_PAUSE_MS = 1000;
/** The counter of instances purged by retention. */
export const RETENTION_PURGED_METRIC = "taskhub.retention.purged";

/** Options of a retention run. */
export interface RetentionRunOptions {
  /** Instances purged per batch (1–1,000; default 500). */
  readonly batchSize?: number | undefined;
  /** Pause between two batches in milliseconds (default 1,000; 0 for none). */
  readonly pauseMs?: number | undefined;
  /** Where the run's `info` line goes (default: the console). */
  readonly log?: LogSink | undefined;
  /** Counter the purged counts are added to (default: the global meter provider's). */
  readonly counter?: Counter | undefined;
  /** Stops the run between batches. */
  readonly signal?: AbortSignal | undefined;
}

/** What one retention run purged, per policy. */
export interface RetentionRunResult {
  readonly policies: readonly {
    readonly statuses: readonly RuntimeStatus[];
    readonly olderThan: string;
    readonly purged: number;
  }[];
  /** Total purged. */
  readonly purged: number;
}

/** Options of {@link enableRetention}. */
export interface RetentionOptions extends Omit<RetentionRunOptions, "log" | "counter" | "signal"> {
  readonly policies: readonly RetentionPolicy[];
  /** Six-field cron schedule of the runs (default every hour, `0 0 * * * *`). */
  readonly schedule?: string | undefined;
  /** Where the counter lives (default: the global meter provider). */
  readonly meterProvider?: MeterProvider | undefined;
}

function retentionCounter(provider: MeterProvider = metrics.getMeterProvider()): Counter {
  return provider.getMeter("taskhub").createCounter(RETENTION_PURGED_METRIC, {
    description: "Instances purged by retention policies, by status.",
    unit: "{instance}",
  });
}

const pause = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    // eslint-disable-next-line prefer-const
    let timer: NodeJS.Timeout;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

/**
 * Purges, once, what `policies` say is old (creation time before the client's clock minus the policy's age), in
 * bounded batches; logs one `info` line and adds to the counter. Entities are never purged.
 */
export async function runRetention(
  client: DurableClient,
  policies: readonly RetentionPolicy[],
  options: RetentionRunOptions = {},
): Promise<RetentionRunResult> {
  const batchSize = options.batchSize ?? DEFAULT_RETENTION_BATCH;
  const pauseMs = options.pauseMs ?? DEFAULT_RETENTION_PAUSE_MS;
  const counter = options.counter ?? retentionCounter();
  const now = client.clock.now();
  const results: { statuses: readonly RuntimeStatus[]; olderThan: string; purged: number }[] = [];
  let first = true;
  for (const policy of policies) {
    const createdTo = now - policy.olderThanMs;
    let purged = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      if (!first) await pause(pauseMs, options.signal);
      first = false;
      // The first page each time: what the last batch purged is gone.
      const page = await client.taskHub.listInstances({
        statuses: policy.statuses,
        createdTo,
        excludeEntities: true,
        pageSize: batchSize,
        includePayloads: false,
      });
      const ids = page.instances.map((record) => record.instanceId);
      if (ids.length === 0) break;
      const byStatus = new Map<RuntimeStatus, number>();
      for (const record of page.instances)
        byStatus.set(record.status, (byStatus.get(record.status) ?? 0) + 1);
      // The statuses again: an instance rewound or restarted since the listing is not purged.
      const deleted = await client.taskHub.purgeInstances({
        instanceIds: ids,
        statuses: policy.statuses,
        excludeEntities: true,
      });
      purged += deleted;
      if (deleted === ids.length)
        for (const [status, count] of byStatus)
          counter.add(count, { "taskhub.orchestration.status": status });
      else if (deleted > 0)
        counter.add(deleted, { "taskhub.orchestration.status": policy.statuses.join(",") });
      if (deleted === 0 || ids.length < batchSize) break;
    }
    results.push({ statuses: policy.statuses, olderThan: policy.olderThan, purged });
  }
  const total = results.reduce((sum, r) => sum + r.purged, 0);
  toLogger(options.log ?? console).info(
    `Retention: purged ${total} instance(s): ` +
      results.map((r) => `${r.statuses.join(",")} older than ${r.olderThan}: ${r.purged}`).join("; ") +
      ".",
    {
      retention: results.map((r) => ({
        statuses: r.statuses.join(","),
        olderThan: r.olderThan,
        purged: r.purged,
      })),
    },
  );
  return { policies: results, purged: total };
}

/** The policies a registry's retention timer runs with (the latest {@link enableRetention}'s). */
const settings = new WeakMap<TimerRegistry, RetentionOptions & { readonly counter: Counter }>();

/**
 * Turns automatic retention on for the app of `registry`: registers the `taskhub:retention` timer (once; a later
 * call replaces the policies and options, though the schedule stays the first call's until the next host start).
 * Call before the app starts. With no policies, nothing is registered.
 * @throws InvalidArgumentError for an invalid schedule or batch size.
 */
export function enableRetention(registry: TimerRegistry, options: RetentionOptions): void {
  if (options.policies.length === 0) return;
  const batch = options.batchSize ?? DEFAULT_RETENTION_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000)
    throw new InvalidArgumentError(`retention batch size must be an integer from 1 to 1000, got ${batch}.`);
  const pauseMs = options.pauseMs ?? DEFAULT_RETENTION_PAUSE_MS;
  if (!Number.isFinite(pauseMs) || pauseMs < 0)
    throw new InvalidArgumentError(`retention pause must be a non-negative number of ms, got ${pauseMs}.`);
  const timer = createTimerTrigger(
    RETENTION_TIMER,
    { schedule: options.schedule ?? DEFAULT_RETENTION_SCHEDULE },
    async (_info, context) => {
      const current = settings.get(registry);
      if (!current) return;
      await runRetention(context.client, current.policies, {
        batchSize: current.batchSize,
        pauseMs: current.pauseMs,
        counter: current.counter,
        log: context.log,
        signal: context.signal,
      });
    },
  );
  settings.set(registry, { ...options, counter: retentionCounter(options.meterProvider) });
  if (!registry.timers.get(RETENTION_TIMER)) registry.timers.add(timer);
  registerScheduleFunctions(registry);
}

/**
 * Stops the hub's retention schedule when one runs (a host started without retention policies calls it, so that
 * turning retention off stops the runs instead of leaving a schedule that finds no timer). Returns whether it did.
 */
export async function disableRetention(client: DurableClient): Promise<boolean> {
  const instanceId = scheduleInstanceId(RETENTION_TIMER);
  const status = await client.getStatus(instanceId);
  if (!status || isTerminalStatus(status.runtimeStatus)) return false;
  await client.terminate(instanceId, "Retention is off: no retention policies are configured.");
  return true;
}
