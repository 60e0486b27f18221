/**
 * Benchmarks (`npm run bench`): prints one JSON document. Not a test: figures go into bench/README.md.
 *
 * Per task hub configuration (SQLite normal / full / memory, PostgreSQL), one in-process worker runs the workloads of
 * `workloads.ts` (5-activity sequences → orchestrations/s, fan-out/in of 1,000 activities, 1-activity latency,
 * activity dispatch latency), after a warm-up round. Then, on one PostgreSQL hub, 1, 2 and 4 worker *processes* run
 * the sequences (`multi-process.ts`), and `pgbench` measures the server's simple-update TPS for scale
 * (`pgbench.ts`). Plus the executor's replay cost per event for histories of 100 / 1,000 / 10,000 events, and, per
 * configuration, entity operations/s for signals over 1 and 100 entities and `callEntity` latency (`entities.ts`).
 * And list filters on a 100,000-instance hub, with the 1-activity latency on top of it (`list-filters.ts`), and the
 * replay checker over 10,000 stored instances on SQLite (`replay-check.ts`). And W1 and W3 through the Durable Task SDK
 * against `taskhub sidecar` in a child process, on SQLite `full` and PostgreSQL (`sidecar.ts`; `--sidecar-cpu-prof=DIR`
 * profiles the sidecar process).
 *
 * `pg-churn` (`pg-churn.ts`) fills a PostgreSQL hub with 100,000 sequences, on the configured server and on a
 * throwaway cluster with autovacuum on, and reports the rate and the claims' cost per 10,000 (`--churn-vacuum=off`:
 * without the hub's own vacuuming).
 *
 * `scale` (`scale.ts`, issue #17 requirement 6) measures costs as the work grows, on SQLite, the configured server
 * and a throwaway cluster with production settings: W1 at 500 / 2,000 / 10,000 with one waiter per instance against
 * one subscription (`scale-waiters`), 10,000 idle waiters (`scale-idle`), a 10,000-step history with the session cache
 * on and off (`scale-history`), 10,000 concurrently active instances (`scale-active`), and `list-filters` (which then
 * also runs on the throwaway cluster).
 *
 * Options: `--only=sqlite-normal,postgres,fresh-latency,entities,workers,pgbench,replay,replay-check,list-filters,stats,pg-churn,sidecar`
 * (and `scale`, or its parts `scale-waiters,scale-idle,scale-history,scale-active`) picks parts (fresh-latency: the
 * latency workload alone on a new hub, for the hubs named, or all); `--quick` shrinks the workloads; `--workers=1,2,4`
 * sets the process counts; `--scale-pairs=2` the W1 pairs at 10,000 of `scale-waiters`. `--telemetry` turns traces
 * and metrics on, exported over OTLP to a local receiver (`telemetry.ts`), for their cost (issue #13: at most 15% of
 * W1). PostgreSQL comes from `TASKHUB_POSTGRES_URL` / `DATABASE_URL` / the local default.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { postgresTaskHub, sqliteTaskHub, type TaskHub } from "../src/index.js";
import { resolvePostgresConfig } from "../src/sql/postgres/postgres-task-hub.js";
import { runMultiProcess } from "./multi-process.js";
import { FULL_CHURN, QUICK_CHURN, runChurnBenchmarks } from "./pg-churn.js";
import { runPgbench } from "./pgbench.js";
import { runEntityBenchmarks } from "./entities.js";
import { runListFilters } from "./list-filters.js";
import { runHubStats } from "./hub-stats.js";
import { measureReplay } from "./replay-cost.js";
import { runReplayCheckBenchmark } from "./replay-check.js";
import { runSidecarBenchmarks } from "./sidecar.js";
import { openScaleTargets, runScale, SCALE_PARTS, type ScaleTargets } from "./scale.js";
import { startBenchTelemetry, type BenchTelemetry, type TelemetrySignals } from "./telemetry.js";
import { benchApp, FULL_SIZES, QUICK_SIZES, runFreshLatency, runWorkloads, silent } from "./workloads.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const workerCounts = (args.find((a) => a.startsWith("--workers="))?.slice("--workers=".length) ?? "1,2,4")
  .split(",")
  .map(Number);
const sizes = quick ? QUICK_SIZES : FULL_SIZES;
const pgConfig = resolvePostgresConfig({});
const benchHubName = `bench_${process.pid}`;

interface HubConfig {
  readonly name: string;
  readonly make: (dir: string) => TaskHub;
}

const configs: HubConfig[] = [
  { name: "sqlite-normal", make: (dir) => sqliteTaskHub(join(dir, "normal.db"), { synchronous: "normal" }) },
  { name: "sqlite-full", make: (dir) => sqliteTaskHub(join(dir, "full.db"), { synchronous: "full" }) },
  { name: "sqlite-memory", make: () => sqliteTaskHub(":memory:") },
  { name: "postgres", make: () => postgresTaskHub({ pool: pgConfig, hubName: benchHubName }) },
];

const inScale = (name: string) =>
  (SCALE_PARTS as readonly string[]).includes(name) || name === "list-filters";
const selected = (name: string) => !only || only.includes(name) || (only.includes("scale") && inScale(name));
const localUrl = pgConfig.connectionString ?? "postgres://postgres@127.0.0.1:5432/test";

async function runConfig(config: HubConfig, dir: string): Promise<Record<string, unknown>> {
  const { app } = benchApp();
  const host = await app.start({ taskHub: config.make(dir), logger: silent });
  try {
    return await runWorkloads(host.client, host.taskHub, sizes);
  } finally {
    await host.stop();
  }
}

async function dropSchema(name: string, url?: string): Promise<void> {
  const client = new pg.Client(url ? { connectionString: url } : pgConfig);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}

const dir = mkdtempSync(join(tmpdir(), "taskhub-bench-"));
const results: Record<string, unknown> = {};
let scale: ScaleTargets | undefined;
// Traces and metrics on, exported to a local OTLP receiver (see telemetry.ts); off (no SDK at all) by default.
const telemetryArg = args.find((a) => a === "--telemetry" || a.startsWith("--telemetry="));
const telemetry: BenchTelemetry | undefined = telemetryArg
  ? await startBenchTelemetry((telemetryArg.split("=")[1] as TelemetrySignals | undefined) ?? "both")
  : undefined;
try {
  for (const config of configs) {
    if (!selected(config.name)) continue;
    try {
      results[config.name] = await runConfig(config, dir);
    } finally {
      if (config.name === "postgres") await dropSchema(benchHubName);
    }
  }
  if (selected("fresh-latency")) {
    // On the hubs named in --only, or on all of them.
    const named = configs.filter((config) => only?.includes(config.name));
    const fresh: Record<string, unknown> = {};
    const freshDir = join(dir, "fresh");
    mkdirSync(freshDir);
    for (const config of named.length > 0 ? named : configs) {
      const { app } = benchApp();
      const host = await app.start({ taskHub: config.make(freshDir), logger: silent });
      try {
        fresh[config.name] = await runFreshLatency(host.client, sizes.latencySamples);
      } finally {
        await host.stop();
        if (config.name === "postgres") await dropSchema(benchHubName);
      }
    }
    results.freshLatency = fresh;
  }
  if (selected("entities"))
    results.entities = await runEntityBenchmarks(configs, dir, quick, async (name) => {
      if (name === "postgres") await dropSchema(benchHubName);
    });
  if (selected("workers"))
    results.postgresWorkerProcesses = await runMultiProcess(pgConfig, workerCounts, sizes);
  if (selected("pgbench")) results.pgbench = await runPgbench(pgConfig, quick ? 5 : 10);
  const scaleParts = SCALE_PARTS.filter(selected);
  if (scaleParts.length > 0 || selected("list-filters")) scale = await openScaleTargets(dir, localUrl);
  const pairs = args.find((a) => a.startsWith("--scale-pairs="))?.slice("--scale-pairs=".length);
  if (scaleParts.length > 0)
    results.scale = await runScale(scale!.targets, scaleParts, quick, pairs ? Number(pairs) : undefined);
  if (selected("list-filters")) {
    const listDir = join(dir, "list-filters");
    mkdirSync(listDir);
    const hubName = (label: string) => `${benchHubName}_list_${label}`;
    results.listFilters = await runListFilters(
      [
        {
          name: "sqlite-full",
          make: (label) => sqliteTaskHub(join(listDir, `${label}.db`), { synchronous: "full" }),
        },
        {
          name: "postgres",
          make: (label) => postgresTaskHub({ pool: pgConfig, hubName: hubName(label) }),
          drop: (label) => dropSchema(hubName(label)),
        },
        {
          name: "postgres-cluster",
          make: (label) => postgresTaskHub({ connectionString: scale!.clusterUrl, hubName: hubName(label) }),
          drop: (label) => dropSchema(hubName(label), scale!.clusterUrl),
        },
      ],
      quick,
    );
  }
  if (selected("stats")) {
    const statsDir = join(dir, "stats");
    mkdirSync(statsDir);
    const hubName = (label: string) => `${benchHubName}_stats_${label}`;
    results.stats = await runHubStats(
      [
        {
          name: "sqlite-full",
          make: (label) => sqliteTaskHub(join(statsDir, `${label}.db`), { synchronous: "full" }),
        },
        {
          name: "postgres",
          make: (label) => postgresTaskHub({ pool: pgConfig, hubName: hubName(label) }),
          drop: (label) => dropSchema(hubName(label)),
        },
      ],
      quick,
    );
  }
  if (selected("pg-churn"))
    results.pgChurn = await runChurnBenchmarks(
      pgConfig.connectionString ?? "postgres://postgres@127.0.0.1:5432/test",
      quick ? QUICK_CHURN : FULL_CHURN,
      args.includes("--churn-vacuum=off") ? "off" : "auto",
    );
  if (selected("replay"))
    results.replayCostPerEvent = await measureReplay(quick ? [100, 1000] : [100, 1000, 10_000]);
  if (selected("replay-check"))
    results.replayCheck = await runReplayCheckBenchmark(dir, quick ? 1000 : 10_000);
  if (selected("sidecar"))
    results.sidecar = await runSidecarBenchmarks(sizes, {
      cpuProfDir: args.find((a) => a.startsWith("--sidecar-cpu-prof="))?.slice("--sidecar-cpu-prof=".length),
    });
  if (telemetry) results.telemetryReceived = await telemetry.stop();
} finally {
  await scale?.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      date: new Date().toISOString(),
      quick,
      results,
    },
    null,
    2,
  ),
);
