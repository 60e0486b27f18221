/**
 * Orchestrations/s with 1, 2, 4... worker processes on one PostgreSQL hub: the benchmark process only starts the
 * instances (client, no worker) and counts completions through LISTEN/NOTIFY; child processes do all the work.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { postgresTaskHub } from "../src/index.js";
import type { WorkloadSizes } from "./workloads.js";
import { benchApp, runSequences, silent } from "./workloads.js";

const workerScript = fileURLToPath(new URL("./worker-process.ts", import.meta.url));

function startWorker(hubName: string, config: pg.PoolConfig): Promise<ChildProcess> {
  const env = { ...process.env };
  if (config.connectionString) env.TASKHUB_POSTGRES_URL = config.connectionString;
  const child = spawn(process.execPath, ["--import", "tsx", workerScript, hubName], {
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`benchmark worker exited early with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) {
        child.removeAllListeners("exit");
        resolve(child);
      }
    });
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Runs the sequences workload with each number of worker processes; returns figures keyed by process count. */
export async function runMultiProcess(
  config: pg.PoolConfig,
  counts: readonly number[],
  sizes: WorkloadSizes,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const count of counts) {
    const hubName = `benchmp_${process.pid}_${count}`;
    const { app } = benchApp();
    const host = await app.start({
      taskHub: postgresTaskHub({ pool: config, hubName }),
      runWorker: false,
      logger: silent,
    });
    const children: ChildProcess[] = [];
    try {
      children.push(
        ...(await Promise.all(Array.from({ length: count }, () => startWorker(hubName, config)))),
      );
      host.taskHub.subscribe(() => undefined);
      await (host.taskHub as { notificationsReady?: () => Promise<void> }).notificationsReady?.();
      await runSequences(host.client, host.taskHub, Math.min(200, sizes.sequences), "warm"); // JIT warm-up
      results[`workers${count}`] = await runSequences(host.client, host.taskHub, sizes.sequences, "seq");
    } finally {
      await Promise.all(children.map(stopWorker));
      await host.stop();
      const client = new pg.Client(config);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${hubName}" CASCADE`);
      await client.end();
    }
  }
  return results;
}
