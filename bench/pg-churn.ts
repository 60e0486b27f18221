/**
 * PostgreSQL under churn (`--only=pg-churn`): fills a new hub with 100,000 five-activity sequences (the `sequences`
 * workload's orchestration; 500 in flight, a new one started as each finishes) and reports, per 10,000 finished, the
 * rate, the server's buffer reads in the hub's tables and this process's CPU time per orchestration (both steady
 * whatever else runs on the machine, unlike the rate), and what the claims cost at that point: `EXPLAIN (ANALYZE,
 * BUFFERS)` of the worker's two claim statements, as the hub runs them, in a transaction rolled back
 * (`test/support/pg-claim-cost.ts`); the hot tables' dead rows, size and vacuums (by autovacuum or the hub); and the
 * time the hub's own vacuums took. Runs on the configured server (the
 * local one runs with `autovacuum = off`) and on a throwaway cluster started here with production-like settings
 * (autovacuum on, `fsync` on, the defaults otherwise). One line of JSON per 10,000 goes to stderr as it is measured.
 * @module
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { postgresTaskHub } from "../src/index.js";
import { claimCostProbe, hotTableStats, hubBuffers } from "../test/support/pg-claim-cost.js";
import { startThrowawayCluster } from "../test/support/pg-cluster.js";
import { benchApp, round, silent } from "./workloads.js";

/** Sizes of the fill: orchestrations in all, finished per reported chunk, in flight at once. */
export const FULL_CHURN = { total: 100_000, chunk: 10_000, window: 500 };
export const QUICK_CHURN: ChurnSizes = { total: 20_000, chunk: 2_000, window: 500 };
export type ChurnSizes = typeof FULL_CHURN;

/**
 * The fill on the server at `localUrl` (with the hub's maintenance as `vacuum` says) and on a throwaway cluster with
 * autovacuum on.
 */
export async function runChurnBenchmarks(
  localUrl: string,
  sizes: ChurnSizes,
  vacuum: "auto" | "off",
): Promise<Record<string, unknown>> {
  const local = await runPgChurn(localUrl, `local (vacuum: ${vacuum})`, sizes, vacuum);
  const cluster = await startThrowawayCluster({ fsync: "on" });
  try {
    const autovacuumOn = await runPgChurn(cluster.url, "throwaway cluster, autovacuum on", sizes, vacuum);
    return { local, autovacuumOn };
  } finally {
    await cluster.destroy();
  }
}

/** The fill on the server at `url` (a new hub, dropped afterwards); `label` names the run in the progress lines. */
export async function runPgChurn(
  url: string,
  label: string,
  sizes: ChurnSizes,
  vacuum: "auto" | "off",
): Promise<Record<string, unknown>> {
  const hubName = `churn_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const { app, sequence } = benchApp();
  const warnings: string[] = [];
  const vacuumMs: Record<string, number> = {};
  const hubLog = {
    debug: (message: string, fields?: { table?: string; ms?: number }) => {
      if (fields?.table !== undefined && message.includes(" vacuumed "))
        vacuumMs[fields.table] = (vacuumMs[fields.table] ?? 0) + (fields.ms ?? 0);
    },
    info() {},
    warn: (message: string) => warnings.push(message),
    error: console.error,
  };
  const hub = postgresTaskHub({ connectionString: url, hubName, logger: hubLog, maintenance: { vacuum } });
  const host = await app.start({ taskHub: hub, logger: silent });
  const probe = await claimCostProbe(admin, hubName);
  const sample = async () => ({ claims: await probe(), tables: await hotTableStats(admin, hubName) });
  const server = await serverSettings(admin);
  const chunks: Record<string, unknown>[] = [];
  try {
    let started = 0;
    let finished = 0;
    const t0 = performance.now();
    let chunkStart = t0;
    let buffersBefore = await hubBuffers(admin, hubName);
    let cpuBefore = process.cpuUsage();
    await new Promise<void>((resolve, reject) => {
      const startOne = () => {
        const n = started++;
        host.client.startNew(sequence, { instanceId: `c-${n}`, input: 0 }).catch(reject);
      };
      let sampling = Promise.resolve();
      hub.subscribe((notice) => {
        if (notice.kind !== "instance-updated" || notice.status !== "Completed") return;
        finished++;
        if (started < sizes.total) startOne();
        if (finished % sizes.chunk === 0) {
          const now = performance.now();
          const seconds = (now - chunkStart) / 1000;
          chunkStart = now;
          const cpu = process.cpuUsage(cpuBefore);
          cpuBefore = process.cpuUsage();
          const line = {
            run: label,
            finished,
            seconds: round(seconds),
            perSecond: Math.round(sizes.chunk / seconds),
            // This process's CPU time (client, worker, orchestrations) per orchestration.
            nodeCpuMsEach: round((cpu.user + cpu.system) / 1000 / sizes.chunk),
          };
          sampling = sampling
            .then(async () => {
              // The server's buffer reads in the hub's tables per orchestration (counters lag by about a second).
              const buffers = await hubBuffers(admin, hubName);
              const serverBuffersEach = round((buffers - buffersBefore) / sizes.chunk);
              buffersBefore = buffers;
              const measured = {
                ...line,
                serverBuffersEach,
                ...(await sample()),
                hubVacuumMs: { ...vacuumMs },
              };
              chunks.push(measured);
              console.error(JSON.stringify(measured));
            })
            .catch(reject);
        }
        if (finished === sizes.total) void sampling.then(resolve, reject);
      });
      for (let i = 0; i < Math.min(sizes.window, sizes.total); i++) startOne();
    });
    const seconds = (performance.now() - t0) / 1000;
    const first = chunks[0]!;
    const last = chunks[chunks.length - 1]!;
    const ratio = (key: string) => round((last[key] as number) / (first[key] as number));
    return {
      server,
      hubWarnings: warnings,
      sizes,
      seconds: round(seconds),
      perSecond: Math.round(sizes.total / seconds),
      lastToFirst: {
        perSecond: ratio("perSecond"),
        serverBuffersEach: ratio("serverBuffersEach"),
        nodeCpuMsEach: ratio("nodeCpuMsEach"),
      },
      hubVacuumSeconds: round(Object.values(vacuumMs).reduce((a, b) => a + b, 0) / 1000),
      chunks,
      // The hub idle after the fill: what a claim that finds nothing costs.
      idle: await sample(),
    };
  } finally {
    await host.stop();
    await admin.query(`DROP SCHEMA IF EXISTS "${hubName}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

async function serverSettings(admin: pg.Client): Promise<Record<string, string>> {
  const { rows } = await admin.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'autovacuum', 'autovacuum_naptime',
       'shared_buffers', 'fsync', 'synchronous_commit')`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}
