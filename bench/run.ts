/**
 * Benchmarks (`npm run bench`): prints one JSON document. Not a test: figures go into bench/README.md.
 *
 * Workloads, per task hub configuration:
 * - sequences: 500 concurrently started orchestrations of 5 sequential activities → orchestrations/s;
 * - fanOut: one orchestration fanning out to 1,000 activities and in → wall time;
 * - latency: start-to-completion of a 1-activity orchestration, one at a time → median / p95;
 * plus the executor's replay cost per event for histories of 100 / 1,000 / 10,000 events.
 *
 * Options: `--only sqlite-normal,sqlite-full` picks configurations; `--quick` shrinks the workloads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DurableApp, sqliteTaskHub, type TaskHub } from "../src/index.js";
import { measureReplay } from "./replay-cost.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");

interface HubConfig {
  readonly name: string;
  readonly make: (dir: string) => TaskHub;
}

const configs: HubConfig[] = [
  { name: "sqlite-normal", make: (dir) => sqliteTaskHub(join(dir, "normal.db"), { synchronous: "normal" }) },
  { name: "sqlite-full", make: (dir) => sqliteTaskHub(join(dir, "full.db"), { synchronous: "full" }) },
  { name: "sqlite-memory", make: () => sqliteTaskHub(":memory:") },
];

const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

function benchApp() {
  const app = new DurableApp();
  const work = app.activity("Work", (n: number) => n + 1);
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
  return { app, sequence, fanOut, single };
}

/** Resolves when `count` of the given instances have reached a terminal status. */
function completionCounter(hub: TaskHub, ids: Set<string>): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    const off = hub.subscribe((notice) => {
      if (notice.kind !== "instance-updated" || !ids.has(notice.instanceId)) return;
      if (notice.status === "Completed" || notice.status === "Failed" || notice.status === "Terminated") {
        ids.delete(notice.instanceId);
        if (++done && ids.size === 0) {
          off();
          resolve();
        }
      }
    });
  });
}

async function runConfig(config: HubConfig, dir: string): Promise<Record<string, unknown>> {
  const { app, sequence, fanOut, single } = benchApp();
  const host = await app.start({ taskHub: config.make(dir), logger: silent });
  const client = host.client;
  try {
    // Warm-up.
    await client.waitForCompletion(await client.startNew(single));

    const n = quick ? 100 : 500;
    const ids = new Set(Array.from({ length: n }, (_, i) => `seq-${i}`));
    const allDone = completionCounter(host.taskHub, new Set(ids));
    const t0 = performance.now();
    await Promise.all([...ids].map((id) => client.startNew(sequence, { instanceId: id, input: 0 })));
    await allDone;
    const sequenceSeconds = (performance.now() - t0) / 1000;

    const fanSize = quick ? 200 : 1000;
    const t1 = performance.now();
    const fanId = await client.startNew(fanOut, { input: fanSize });
    const fanStatus = await client.waitForCompletion(fanId, { timeoutMs: 120_000 });
    const fanMs = performance.now() - t1;
    if (fanStatus.output !== fanSize) throw new Error(`fan-out returned ${String(fanStatus.output)}`);

    const samples: number[] = [];
    for (let i = 0; i < (quick ? 50 : 300); i++) {
      const t = performance.now();
      await client.waitForCompletion(await client.startNew(single));
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return {
      sequences: {
        orchestrations: n,
        activitiesEach: 5,
        seconds: round(sequenceSeconds),
        orchestrationsPerSecond: round(n / sequenceSeconds),
      },
      fanOut: { activities: fanSize, wallMs: round(fanMs) },
      latency: {
        samples: samples.length,
        medianMs: round(samples[Math.floor(samples.length / 2)]!),
        p95Ms: round(samples[Math.floor(samples.length * 0.95)]!),
      },
    };
  } finally {
    await host.stop();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const dir = mkdtempSync(join(tmpdir(), "taskhub-bench-"));
const results: Record<string, unknown> = {};
try {
  for (const config of configs) {
    if (only && !only.includes(config.name)) continue;
    results[config.name] = await runConfig(config, dir);
  }
  results.replayCostPerEvent = await measureReplay(quick ? [100, 1000] : [100, 1000, 10_000]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      node: process.version,
      cpus: (await import("node:os")).cpus().length,
      date: new Date().toISOString(),
      results,
    },
    null,
    2,
  ),
);
