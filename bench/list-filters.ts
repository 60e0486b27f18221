/**
 * List filters on a large hub (`--only=list-filters`, called by `run.ts`), per hub (SQLite `synchronous: "full"`,
 * PostgreSQL):
 * - a hub filled with 100,000 instances (20,000 with `--quick`) by `fillInstances` (`src/testing/sql-instance-fill.ts`:
 *   a direct bulk insert of instance rows with a realistic status / name / version / ID mix, documented there), then,
 *   on PostgreSQL, `VACUUM (ANALYZE)` (what autovacuum does after a bulk load; the local test server runs without it);
 * - the first page (100 instances, with payloads, through `TaskHub.listInstances`) of every filter shape of
 *   `fillQueries` → median / p95 of 25 runs after 3 warm-up runs;
 * - paging through all instances of one status (`Completed`, most of the hub) and through all instances, 100 per page
 *   → mean page time, and the mean of the first and of the last 10 pages (flat when a page costs the same wherever it
 *   starts);
 * - W3 (start-to-completion of a 1-activity orchestration, one at a time, as `runFreshLatency`) on an empty hub and
 *   then on the filled one, in the same run: the hot path's cost of the hub's size and indexes.
 * @module
 */
import { performance } from "node:perf_hooks";
import type { InstanceFilter, TaskHub } from "../src/index.js";
import type { SqlTaskHub } from "../src/sql/sql-task-hub.js";
import { fillInstances, fillQueries } from "../src/testing/sql-instance-fill.js";
import { benchApp, round, runFreshLatency, silent, summary } from "./workloads.js";

/** A hub configuration: `make(dir, label)` builds a new hub (a new file or schema per label). */
export interface ListBenchConfig {
  readonly name: string;
  readonly make: (label: string) => SqlTaskHub;
  /** Drops what `make(label)` created (a PostgreSQL schema); after each hub. */
  readonly drop?: (label: string) => Promise<void>;
}

const RUNS = 25;
const WARM_UP = 3;

async function firstPages(hub: TaskHub, filters: readonly { name: string; filter: InstanceFilter }[]) {
  const out: Record<string, { matches: number; medianMs: number; p95Ms: number }> = {};
  for (const { name, filter } of filters) {
    const samples: number[] = [];
    let matches = 0;
    for (let i = 0; i < WARM_UP + RUNS; i++) {
      const t = performance.now();
      const page = await hub.listInstances({ ...filter, pageSize: 100 });
      if (i >= WARM_UP) samples.push(performance.now() - t);
      matches = page.instances.length;
    }
    const { medianMs, p95Ms } = summary(samples);
    out[name] = { matches, medianMs, p95Ms };
  }
  return out;
}

async function pageThrough(hub: TaskHub, filter: InstanceFilter) {
  const times: number[] = [];
  let rows = 0;
  let continuationToken: string | undefined;
  const t0 = performance.now();
  do {
    const t = performance.now();
    const page = await hub.listInstances({ ...filter, pageSize: 100, continuationToken });
    times.push(performance.now() - t);
    rows += page.instances.length;
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  const mean = (list: number[]) => round(list.reduce((a, b) => a + b, 0) / Math.max(1, list.length));
  return {
    rows,
    pages: times.length,
    totalMs: round(performance.now() - t0),
    meanPageMs: mean(times),
    first10MeanMs: mean(times.slice(0, 10)),
    last10MeanMs: mean(times.slice(-10)),
  };
}

async function latency(hub: SqlTaskHub, samples: number) {
  const { app } = benchApp();
  const host = await app.start({ taskHub: hub, logger: silent });
  try {
    return await runFreshLatency(host.client, samples);
  } finally {
    await host.stop();
  }
}

async function runOne(config: ListBenchConfig, instances: number, samples: number) {
  const emptyW3 = await latency(config.make("empty"), samples);
  await config.drop?.("empty");
  const hub = config.make("filled");
  await hub.init();
  const t0 = performance.now();
  const fill = await fillInstances(hub, instances, { endAt: hub.clock.now() - 60_000 });
  const fillSeconds = (performance.now() - t0) / 1000;
  // What autovacuum does after a bulk load (the local test server runs without it): statistics, and the visibility
  // map that lets a prefix's count read the primary key alone.
  if (hub.dialect.name === "postgres")
    await hub.driver.query(`VACUUM (ANALYZE) ${hub.dialect.table("instances")}`);
  const pages = await firstPages(hub, fillQueries(fill));
  const paging = {
    oneStatus: await pageThrough(hub, { statuses: ["Completed"] }),
    unfiltered: await pageThrough(hub, {}),
  };
  const filledW3 = await latency(hub, samples); // closes the hub
  await config.drop?.("filled");
  const slowest = Object.entries(pages).sort((a, b) => b[1].medianMs - a[1].medianMs)[0];
  return {
    instances,
    fillSeconds: round(fillSeconds),
    byStatus: fill.byStatus,
    firstPage: pages,
    slowestFirstPage: slowest ? { filter: slowest[0], medianMs: slowest[1].medianMs } : undefined,
    paging,
    w3: { emptyHub: emptyW3, filledHub: filledW3 },
  };
}

/** Runs the list-filter workload on each configuration. */
export async function runListFilters(
  configs: readonly ListBenchConfig[],
  quick: boolean,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const config of configs)
    results[config.name] = await runOne(config, quick ? 20_000 : 100_000, quick ? 50 : 200);
  return results;
}
