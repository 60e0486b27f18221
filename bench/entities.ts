/**
 * Entity benchmarks (called by `run.ts`), per task hub configuration:
 * - signals → operations/s: a client sends N `add` signals (10 senders in parallel) while the worker runs, over 1
 *   entity and over 100 entities; measured from the first send to the last operation applied. Also the processing
 *   rate alone: the same signals queued with no worker running, then a worker started.
 * - callEntity latency: one orchestration calls an entity N times in sequence; each call's latency is the time
 *   between the episode that issued it and the episode that received the response (the orchestration's clock) →
 *   median / p95.
 * @module
 */
import { performance } from "node:perf_hooks";
import { DurableApp, Worker, type DurableClient, type TaskHub } from "../src/index.js";

/** A task hub configuration, as in `run.ts`. */
export interface EntityBenchConfig {
  readonly name: string;
  readonly make: (dir: string) => TaskHub;
}

const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

function entityBenchApp() {
  const app = new DurableApp();
  const counter = app.entity("Counter", {
    initialState: () => 0,
    operations: { add: (n, by: number) => n + by },
    queries: { get: (n) => n },
  });
  /** Returns the latency of each call in ms, from the orchestration's episode times. */
  const caller = app.orchestration("EntityCaller", async (ctx, calls: number) => {
    const latencies: number[] = [];
    for (let i = 0; i < calls; i++) {
      const before = ctx.currentUtcDateTime.getTime();
      await ctx.callEntity(counter, "latency", "add", 1);
      latencies.push(ctx.currentUtcDateTime.getTime() - before);
    }
    return latencies;
  });
  return { app, counter, caller };
}

/** Waits until the entities `prefix0..prefix{n-1}` sum up to `total`. */
async function waitForTotal(client: DurableClient, prefix: string, total: number): Promise<void> {
  for (;;) {
    let sum = 0;
    let continuationToken: string | undefined;
    do {
      const page = await client.listEntities({
        name: "Counter",
        keyPrefix: prefix,
        includeState: true,
        pageSize: 1000,
        continuationToken,
      });
      for (const e of page.entities) sum += e.state as number;
      continuationToken = page.continuationToken;
    } while (continuationToken);
    if (sum >= total) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function sendSignals(
  client: DurableClient,
  prefix: string,
  entities: number,
  count: number,
): Promise<void> {
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await client.signalEntity("Counter", `${prefix}${i % entities}`, "add", 1);
    }
  };
  await Promise.all(Array.from({ length: 10 }, sender));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function runOne(
  config: EntityBenchConfig,
  dir: string,
  quick: boolean,
): Promise<Record<string, unknown>> {
  const { app, caller } = entityBenchApp();
  const signals = quick ? 500 : 2000;
  const host = await app.start({ taskHub: config.make(dir), logger: silent });
  const out: Record<string, unknown> = {};
  try {
    const { client } = host;
    await client.signalEntity("Counter", "warmup", "add", 1);
    await waitForTotal(client, "warmup", 1);
    for (const entities of [1, 100]) {
      const prefix = `live${entities}-`;
      const t0 = performance.now();
      await sendSignals(client, prefix, entities, signals);
      await waitForTotal(client, prefix, signals);
      const seconds = (performance.now() - t0) / 1000;
      out[`signalsOver${entities}`] = {
        operations: signals,
        seconds: round(seconds),
        opsPerSecond: round(signals / seconds),
      };
    }
    const calls = quick ? 50 : 200;
    const id = await client.startNew(caller, { input: calls });
    const status = await client.waitForCompletion(id, { timeoutMs: 300_000 });
    const samples = (status.output as number[]).slice().sort((a, b) => a - b);
    out.callEntityLatency = {
      samples: samples.length,
      medianMs: samples[Math.floor(samples.length / 2)],
      p95Ms: samples[Math.floor(samples.length * 0.95)],
    };

    // Processing rate alone: queue first, then start a worker.
    await host.worker.stop();
    for (const entities of [1, 100]) {
      const prefix = `queued${entities}-`;
      await sendSignals(client, prefix, entities, signals);
      const worker = new Worker(host.taskHub, app.registry, { logger: silent });
      const t0 = performance.now();
      worker.start();
      await waitForTotal(client, prefix, signals);
      const seconds = (performance.now() - t0) / 1000;
      await worker.stop();
      out[`processingOver${entities}`] = {
        operations: signals,
        seconds: round(seconds),
        opsPerSecond: round(signals / seconds),
      };
    }
  } finally {
    await host.stop();
  }
  return out;
}

/** Runs the entity benchmarks on each configuration; `cleanup` runs after each (e.g. drops a PostgreSQL schema). */
export async function runEntityBenchmarks(
  configs: readonly EntityBenchConfig[],
  dir: string,
  quick: boolean,
  cleanup?: (name: string) => Promise<void>,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const config of configs) {
    try {
      results[config.name] = await runOne(config, dir, quick);
    } finally {
      await cleanup?.(config.name);
    }
  }
  return results;
}
