/**
 * Where the scale benchmark (`scale.ts`) runs: a task hub configuration that builds a new hub per label, and for
 * PostgreSQL the server's transaction counter of the hub's database.
 * @module
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { TaskHub } from "../src/index.js";
import { round } from "./workloads.js";

/** One configuration of the scale benchmark. */
export interface ScaleTarget {
  /** `sqlite-full`, `postgres-local`, `postgres-cluster`. */
  readonly name: string;
  /** A new hub (a new file or schema per label). */
  readonly make: (label: string) => TaskHub;
  /** Drops what `make(label)` created (a PostgreSQL schema). */
  readonly drop?: (label: string) => Promise<void>;
  /** PostgreSQL: the URL of the hub's database, whose transactions the idle-waiter workload counts. */
  readonly url?: string;
  /** Notes on the server (settings), reported with the figures. */
  readonly server?: Record<string, string>;
}

/**
 * A measured window: this process's CPU (% of one core, from `process.cpuUsage`) and, on PostgreSQL, the database's
 * committed and rolled-back transactions per second (`pg_stat_database`), read every 5 s, less the readings' own
 * transactions. The server's statistics lag by up to a second or so at both ends, which a long window dilutes.
 */
export async function measureWindow(
  seconds: number,
  url: string | undefined,
): Promise<{
  seconds: number;
  cpuPercentOfCore: number;
  serverTransactionsPerSecond?: number;
  serverTransactionsBy5s?: number[];
}> {
  const admin = url ? new pg.Client({ connectionString: url }) : undefined;
  await admin?.connect();
  try {
    const read = async () => {
      const { rows } = await admin!.query<{ n: string }>(
        `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`,
      );
      return Number(rows[0]!.n);
    };
    const before = admin ? await read() : 0;
    let last = before;
    const series: number[] = [];
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let readings = 1;
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(5000, Math.max(0, end - performance.now()))),
      );
      if (admin && performance.now() < end) {
        const now = await read();
        series.push(now - last - 1);
        last = now;
        readings++;
      }
    }
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    const after = admin ? await read() : 0;
    readings++;
    const out = {
      seconds: round(wall),
      cpuPercentOfCore: round(((used.user + used.system) / 1e6 / wall) * 100),
    };
    if (!admin) return out;
    // Each reading is one transaction; all but the last are counted by the last.
    series.push(after - last - 1);
    return {
      ...out,
      serverTransactionsPerSecond: round((after - before - (readings - 1)) / wall),
      // Per reading (about every 5 s), the readings' own transactions left out: where a window was disturbed.
      serverTransactionsBy5s: series,
    };
  } finally {
    await admin?.end();
  }
}

/** The settings of the server at `url` that the figures depend on. */
export async function serverSettings(url: string): Promise<Record<string, string>> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'autovacuum', 'fsync',
         'synchronous_commit', 'shared_buffers', 'max_connections')`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await admin.end();
  }
}
