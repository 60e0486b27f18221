/**
 * The scale benchmark (`--only=scale`, issue #17 requirement 6), on three configurations: SQLite (`synchronous:
 * "full"`), the configured PostgreSQL server (in a scratch database created and dropped here, so that its transaction
 * counter is this benchmark's alone) and a throwaway cluster started here with production settings (autovacuum on,
 * `fsync` on, the defaults otherwise). Parts (each also alone with `--only=<part>`):
 * - `scale-waiters`: W1 at 500 / 2,000 / 10,000 by one subscription and with one waiter per instance;
 * - `scale-idle`: 10,000 idle waiters (CPU, server transactions/s, raised-event latency);
 * - `scale-history`: a 10,000-step history with the session cache on and off;
 * - `scale-active`: 10,000 concurrently active instances;
 * - `list-filters` (`list-filters.ts`, also part of `scale`): the 100,000-instance hub's list filters and W3 on it.
 * @module
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { postgresTaskHub, sqliteTaskHub } from "../src/index.js";
import { startThrowawayCluster, type ThrowawayCluster } from "../test/support/pg-cluster.js";
import { FULL_HISTORY, QUICK_HISTORY, runActiveInstances, runLongHistory } from "./scale-history.js";
import { serverSettings, type ScaleTarget } from "./scale-target.js";
import { FULL_WAITERS, QUICK_WAITERS, runIdleWaiters, runW1Waiters } from "./scale-waiters.js";

/** The parts of `--only=scale` run here (`list-filters` runs in `run.ts`). */
export const SCALE_PARTS = ["scale-waiters", "scale-idle", "scale-history", "scale-active"] as const;

/** The three configurations, and how to remove what they created. */
export interface ScaleTargets {
  readonly targets: readonly ScaleTarget[];
  /** The throwaway cluster's URL (its `postgres` database). */
  readonly clusterUrl: string;
  readonly close: () => Promise<void>;
}

function postgresTarget(name: string, url: string, server: Record<string, string>): ScaleTarget {
  const hubName = (label: string) => `scale_${process.pid}_${label}`;
  return {
    name,
    url,
    server,
    make: (label) => postgresTaskHub({ connectionString: url, hubName: hubName(label) }),
    drop: async (label) => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${hubName(label)}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Creates the scratch database on the server at `localUrl` and starts the throwaway cluster. */
export async function openScaleTargets(dir: string, localUrl: string): Promise<ScaleTargets> {
  const database = `taskhub_scale_${process.pid}`;
  const admin = new pg.Client({ connectionString: localUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const scratch = new URL(localUrl);
  scratch.pathname = `/${database}`;
  let cluster: ThrowawayCluster | undefined;
  try {
    cluster = await startThrowawayCluster({ fsync: "on" });
    const targets: ScaleTarget[] = [
      {
        name: "sqlite-full",
        make: (label) => sqliteTaskHub(join(dir, `scale-${label}.db`), { synchronous: "full" }),
      },
      postgresTarget("postgres-local", scratch.toString(), await serverSettings(scratch.toString())),
      postgresTarget("postgres-cluster", cluster.url, await serverSettings(cluster.url)),
    ];
    const started = cluster;
    return {
      targets,
      clusterUrl: cluster.url,
      close: async () => {
        try {
          await started.destroy();
        } finally {
          await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
          await admin.end();
        }
      },
    };
  } catch (error) {
    await cluster?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    throw error;
  }
}

/** Runs the selected parts on every target; one line of JSON per result goes to stderr as it is measured. */
export async function runScale(
  targets: readonly ScaleTarget[],
  parts: readonly string[],
  quick: boolean,
  pairsAtLargest?: number,
): Promise<Record<string, unknown>> {
  const waiters = {
    ...(quick ? QUICK_WAITERS : FULL_WAITERS),
    ...(pairsAtLargest ? { pairsAtLargest } : {}),
  };
  const history = quick ? QUICK_HISTORY : FULL_HISTORY;
  const runs: Record<string, (target: ScaleTarget) => Promise<Record<string, unknown>>> = {
    "scale-waiters": (target) => runW1Waiters(target, waiters),
    "scale-idle": (target) => runIdleWaiters(target, waiters),
    "scale-history": (target) => runLongHistory(target, history),
    "scale-active": (target) => runActiveInstances(target, history),
  };
  const out: Record<string, Record<string, unknown>> = {
    servers: Object.fromEntries(targets.filter((t) => t.server).map((t) => [t.name, t.server])),
  };
  for (const part of SCALE_PARTS) {
    if (!parts.includes(part)) continue;
    const results: Record<string, unknown> = {};
    for (const target of targets) {
      const loadBefore = loadAverage();
      const t0 = performance.now();
      const result = await runs[part]!(target);
      const partSeconds = Math.round((performance.now() - t0) / 100) / 10;
      results[target.name] = { loadAverage: loadBefore, partSeconds, ...result };
      console.error(JSON.stringify({ part, target: target.name, result: results[target.name] }));
    }
    out[part] = results;
  }
  return out;
}

function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}
