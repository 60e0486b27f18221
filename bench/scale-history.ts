/**
 * Step time at scale (`--only=scale-history`, `--only=scale-active`; issue #17 requirements 5 and 6):
 * - a long history: one orchestration calling N activities in sequence, with the worker's session cache on (the
 *   default) and off (`maxCachedOrchestrations: 0`, every step replays the whole history; capped at fewer steps,
 *   as its total is quadratic): the time per step over each 1,000 steps, from the activity's own start times;
 * - many active instances: I instances of S sequential activities each, all started at once (the cache's default
 *   size, and the former count bound of 2,000 sessions for contrast): the time per step over each tenth of the run,
 *   and the sessions the worker held.
 * The activities record `performance.now()` when they run (in this process's worker).
 * @module
 */
import { performance } from "node:perf_hooks";
import { DurableApp, type WorkerOptions } from "../src/index.js";
import type { ScaleTarget } from "./scale-target.js";
import { round, silent } from "./workloads.js";

/** Sizes of the step-time workloads. */
export interface HistorySizes {
  readonly steps: number;
  /** Steps of the run without the session cache. */
  readonly noCacheSteps: number;
  /** Steps per reported chunk, with the cache and without. */
  readonly chunk: number;
  readonly noCacheChunk: number;
  readonly active: number;
  readonly activeSteps: number;
  /** The count bound of the contrast run (the former default, 2,000 sessions): fewer than the active instances. */
  readonly countBound: number;
}

export const FULL_HISTORY: HistorySizes = {
  steps: 10_000,
  noCacheSteps: 2000,
  chunk: 1000,
  noCacheChunk: 250,
  active: 10_000,
  activeSteps: 10,
  countBound: 2000,
};
export const QUICK_HISTORY: HistorySizes = {
  steps: 500,
  noCacheSteps: 200,
  chunk: 50,
  noCacheChunk: 50,
  active: 500,
  activeSteps: 4,
  countBound: 100,
};

function stepApp(marks: number[]) {
  const app = new DurableApp();
  const step = app.activity("Step", (i: number) => {
    marks.push(performance.now());
    return i + 1;
  });
  const long = app.orchestration("Long", async (ctx, steps: number) => {
    let value = 0;
    for (let i = 0; i < steps; i++) value = await ctx.callActivity(step, value);
    return value;
  });
  return { app, long };
}

/** Mean ms per step over consecutive chunks of `chunk` steps (from sorted step start times; the last may be shorter). */
function perChunk(marks: readonly number[], chunk: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < marks.length - 1; i += chunk) {
    const end = Math.min(i + chunk, marks.length - 1);
    out.push(round((marks[end]! - marks[i]!) / (end - i)));
  }
  return out;
}

async function longHistory(
  target: ScaleTarget,
  label: string,
  steps: number,
  chunk: number,
  options: WorkerOptions,
) {
  const marks: number[] = [];
  const { app, long } = stepApp(marks);
  const host = await app.start({ taskHub: target.make(label), logger: silent, ...options });
  try {
    const t0 = performance.now();
    const id = await host.client.startNew(long, { input: steps });
    const status = await host.client.waitForCompletion(id, { timeoutMs: 3_600_000 });
    const seconds = (performance.now() - t0) / 1000;
    if (status.output !== steps) throw new Error(`long sequence returned ${JSON.stringify(status.output)}`);
    const chunks = perChunk(marks, chunk);
    return {
      steps,
      stepsPerChunk: chunk,
      seconds: round(seconds),
      msPerStepByChunk: chunks,
      lastToFirstChunk: round(chunks[chunks.length - 1]! / chunks[0]!),
    };
  } finally {
    await host.stop();
    await target.drop?.(label);
  }
}

/** One orchestration of `steps` sequential activities, cache on and cache off. */
export async function runLongHistory(
  target: ScaleTarget,
  sizes: HistorySizes,
): Promise<Record<string, unknown>> {
  return {
    cacheOn: await longHistory(target, "long_on", sizes.steps, sizes.chunk, {}),
    cacheOff: await longHistory(target, "long_off", sizes.noCacheSteps, sizes.noCacheChunk, {
      maxCachedOrchestrations: 0,
    }),
  };
}

async function activeRun(target: ScaleTarget, label: string, sizes: HistorySizes, options: WorkerOptions) {
  const marks: number[] = [];
  const { app, long } = stepApp(marks);
  const host = await app.start({ taskHub: target.make(label), logger: silent, ...options });
  try {
    const total = sizes.active * sizes.activeSteps;
    const tenth = Math.floor(total / 10);
    let maxCached = 0;
    const sampler = setInterval(() => {
      maxCached = Math.max(maxCached, host.worker.cachedOrchestrations);
    }, 100);
    const ids = Array.from({ length: sizes.active }, (_, i) => `a-${i}`);
    const pending = new Set(ids);
    const done = new Promise<void>((resolve) => {
      const off = host.taskHub.subscribe((notice) => {
        if (
          notice.kind !== "instance-updated" ||
          notice.status !== "Completed" ||
          !pending.delete(notice.instanceId)
        )
          return;
        if (pending.size === 0) {
          off();
          resolve();
        }
      });
    });
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 1000)
      await Promise.all(
        ids
          .slice(i, i + 1000)
          .map((id) => host.client.startNew(long, { instanceId: id, input: sizes.activeSteps })),
      );
    await done;
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    if (marks.length !== total) throw new Error(`${marks.length} steps ran, expected ${total}`);
    const byTenth = perChunk(marks, tenth).map((ms) => round(ms * 1000));
    return {
      options,
      instances: sizes.active,
      stepsEach: sizes.activeSteps,
      seconds: round(seconds),
      stepsPerSecond: round(total / seconds),
      // Mean µs per step over each tenth of all steps.
      usPerStepByTenth: byTenth,
      maxCachedSessions: maxCached,
    };
  } finally {
    await host.stop();
    await target.drop?.(label);
  }
}

/** Many concurrently active instances: the default cache, and a count bound below the active instances. */
export async function runActiveInstances(
  target: ScaleTarget,
  sizes: HistorySizes,
): Promise<Record<string, unknown>> {
  return {
    defaultCache: await activeRun(target, "active", sizes, {}),
    countBound: await activeRun(target, "active_bound", sizes, { maxCachedOrchestrations: sizes.countBound }),
  };
}
