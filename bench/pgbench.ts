/**
 * PostgreSQL's own yardstick on the same machine and server: `pgbench` simple-update TPS (`-N`, 2 clients) on a
 * scratch database created and dropped here.
 * @module
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

function pgbenchBinary(): string {
  for (const version of ["17", "16", "15", "14", "13"]) {
    const path = `/usr/lib/postgresql/${version}/bin/pgbench`;
    if (existsSync(path)) return path;
  }
  return "pgbench";
}

/** Runs `pgbench -N -T seconds -c 2` on a fresh scratch database; returns TPS (or the error). */
export async function runPgbench(config: pg.PoolConfig, seconds: number): Promise<Record<string, unknown>> {
  const database = `taskhub_pgbench_${process.pid}`;
  const admin = new pg.Client(config);
  await admin.connect();
  const url = new URL(config.connectionString ?? "postgres://postgres@127.0.0.1:5432/test");
  url.pathname = `/${database}`;
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
    const binary = pgbenchBinary();
    await run(binary, ["-i", "-s", "1", "-q", url.toString()]);
    const { stdout } = await run(binary, ["-N", "-T", String(seconds), "-c", "2", "-j", "2", url.toString()]);
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
    return {
      command: `pgbench -N -T ${seconds} -c 2 -j 2 (scale 1)`,
      tps: tps ? Number(tps) : undefined,
      latencyAverageMs: latency ? Number(latency) : undefined,
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
    await admin.end();
  }
}
