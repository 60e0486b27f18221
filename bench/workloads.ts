/**
 * The benchmark workloads, run on one task hub by one in-process worker (see `run.ts`):
 * - sequences: N concurrently started orchestrations of 5 sequential activities → orchestrations/s;
 * - fanOut: one orchestration fanning out to N activities and in → wall time;
 * - latency: start-to-completion of a 1-activity orchestration, one at a time → median / p95;
 * - activityDispatch: from the start of the episode that schedules an activity to the activity's start at a worker
 *   (the scheduling commit, the wake-up and the claim), one at a time → median / p95;
 * - fresh latency ({@link runFreshLatency}): the latency workload alone on a new hub.
 * @module
 */
import { performance } from "node:perf_hooks";
import { DurableApp, type DurableClient, type TaskHub } from "../src/index.js";

/** Sizes of the workloads. */
export interface WorkloadSizes {
  readonly sequences: number;
  readonly fanOut: number;
  readonly latencySamples: number;
}

export const FULL_SIZES: WorkloadSizes = { sequences: 500, fanOut: 1000, latencySamples: 300 };
export const QUICK_SIZES: WorkloadSizes = { sequences: 100, fanOut: 200, latencySamples: 50 };

/** A log sink that drops debug/info lines. */
export const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

/** The benchmark app: the same functions in the benchmark process and in worker processes. */
export function benchApp() {
  const app = new DurableApp();
  const work = app.activity("Work", (n: number) => n + 1);
  const stamp = app.activity("Stamp", () => Date.now());
  const sequence = app.orchestration("Sequence", async (ctx, n: number) => {
    let value = n;
    for (let i = 0; i < 5; i++) value = await ctx.callActivity(work, value);
    return value;
  });
  const fanOut = app.orchestration("FanOut", async (ctx, n: number) => {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => ctx.callActivity(work, i)));
    return results.length;
  });
  const single = app.orchestration("Single", async (ctx) => ctx.callActivity(work, 1));
  /** Returns [episode start, activity start] in epoch ms. */
  const dispatch = app.orchestration("Dispatch", async (ctx) => {
    const scheduledAt = ctx.currentUtcDateTime.getTime();
    const startedAt = await ctx.callActivity(stamp, undefined);
    return [scheduledAt, startedAt];
  });
  return { app, sequence, fanOut, single, dispatch };
}

/** Resolves when every one of `ids` has reached a terminal status (from the hub's notices). */
export function completionCounter(hub: TaskHub, ids: Set<string>): Promise<void> {
  return new Promise((resolve) => {
    const off = hub.subscribe((notice) => {
      if (notice.kind !== "instance-updated" || !ids.has(notice.instanceId)) return;
      if (notice.status === "Completed" || notice.status === "Failed" || notice.status === "Terminated") {
        ids.delete(notice.instanceId);
        if (ids.size === 0) {
          off();
          resolve();
        }
      }
    });
  });
}

/** Starts `n` 5-activity sequences at once and waits for all; returns the figures. */
export async function runSequences(
  client: DurableClient,
  hub: TaskHub,
  n: number,
  prefix: string,
): Promise<{
  orchestrations: number;
  activitiesEach: number;
  seconds: number;
  orchestrationsPerSecond: number;
  cpuMsPerOrchestration: number;
}> {
  const { sequence } = benchApp();
  const ids = new Set(Array.from({ length: n }, (_, i) => `${prefix}-${i}`));
  const allDone = completionCounter(hub, new Set(ids));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all([...ids].map((id) => client.startNew(sequence, { instanceId: id, input: 0 })));
  await allDone;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const id of [...ids].slice(0, 5)) {
    const status = await client.getStatus(id);
    if (status?.output !== 5) throw new Error(`sequence ${id} returned ${JSON.stringify(status?.output)}`);
  }
  return {
    ...sequenceRate(n, seconds),
    // This process's CPU (user + system) per orchestration: steadier than the rate on a shared machine.
    cpuMsPerOrchestration: round((cpu.user + cpu.system) / 1000 / n),
  };
}

/** The figures of `n` five-activity sequences that took `seconds` (of the sequences workload, also the SDK's). */
export function sequenceRate(
  n: number,
  seconds: number,
): { orchestrations: number; activitiesEach: number; seconds: number; orchestrationsPerSecond: number } {
  return {
    orchestrations: n,
    activitiesEach: 5,
    seconds: round(seconds),
    orchestrationsPerSecond: round(n / seconds),
  };
}

/** Runs every workload on a started host's client. */
export async function runWorkloads(
  client: DurableClient,
  hub: TaskHub,
  sizes: WorkloadSizes,
): Promise<Record<string, unknown>> {
  const { fanOut, single, dispatch } = benchApp();
  // Warm-up round (JIT, prepared statements, pool connections, SQLite page cache), not measured: a full-size round of
  // the sequences, smaller rounds of the others. The figures are steady state.
  await runSequences(client, hub, sizes.sequences, "warm");
  await client.waitForCompletion(await client.startNew(fanOut, { input: 100 }), { timeoutMs: 120_000 });
  for (let i = 0; i < 20; i++) await client.waitForCompletion(await client.startNew(single));

  const sequences = await runSequences(client, hub, sizes.sequences, "seq");

  const t1 = performance.now();
  const fanId = await client.startNew(fanOut, { input: sizes.fanOut });
  const fanStatus = await client.waitForCompletion(fanId, { timeoutMs: 120_000 });
  const fanMs = performance.now() - t1;
  if (fanStatus.output !== sizes.fanOut) throw new Error(`fan-out returned ${String(fanStatus.output)}`);

  const latency: number[] = [];
  for (let i = 0; i < sizes.latencySamples; i++) {
    const t = performance.now();
    await client.waitForCompletion(await client.startNew(single));
    latency.push(performance.now() - t);
  }
  const dispatchMs: number[] = [];
  for (let i = 0; i < Math.min(100, sizes.latencySamples); i++) {
    const status = await client.waitForCompletion(await client.startNew(dispatch));
    const [scheduledAt, startedAt] = status.output as [number, number];
    dispatchMs.push(startedAt - scheduledAt);
  }
  return {
    sequences,
    fanOut: { activities: sizes.fanOut, wallMs: round(fanMs) },
    latency: summary(latency),
    activityDispatch: summary(dispatchMs),
  };
}

/**
 * Start-to-completion of a 1-activity orchestration on a hub that ran nothing else (after `warmUp` unmeasured ones):
 * the `latency` workload of {@link runWorkloads} runs after the throughput workloads, while the database cleans up
 * after them (autovacuum).
 */
export async function runFreshLatency(
  client: DurableClient,
  samples: number,
  warmUp = 50,
): Promise<{ samples: number; medianMs: number; p95Ms: number }> {
  const { single } = benchApp();
  for (let i = 0; i < warmUp; i++) await client.waitForCompletion(await client.startNew(single));
  const latency: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await client.waitForCompletion(await client.startNew(single));
    latency.push(performance.now() - t);
  }
  return summary(latency);
}

/** Median and p95 of samples (ms). */
export function summary(samples: number[]): { samples: number; medianMs: number; p95Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    medianMs: round(sorted[Math.floor(sorted.length / 2)] ?? NaN),
    p95Ms: round(sorted[Math.floor(sorted.length * 0.95)] ?? NaN),
  };
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
