/**
 * Real worker processes for the PostgreSQL chaos and outage tests: start, SIGKILL, and collect their logs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../../src/index.js";

const workerScript = fileURLToPath(new URL("./pg-chaos-worker.ts", import.meta.url));

/** A running worker process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** The worker's ID (what the hub records as the holder of its leases). */
  readonly workerId: string;
  /** Everything it wrote on stderr so far. */
  readonly log: () => string;
}

/** Starts a chaos worker on `hubName` (connection `url`); resolves once it prints "ready <worker ID>". */
export function startWorkerProcess(url: string, hubName: string, leaseMs = 2000): Promise<WorkerProcess> {
  return startScriptProcess(workerScript, [hubName, String(leaseMs)], url);
}

/**
 * Starts `script` (a worker script of these tests) with `args`, on the PostgreSQL server at `url`; resolves once it
 * prints "ready <worker ID>".
 */
export function startScriptProcess(
  script: string,
  args: readonly string[],
  url: string,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TASKHUB_POSTGRES_URL: url },
  });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    const early = (code: number | null) => reject(new Error(`worker exited early with ${code}: ${log}`));
    child.once("exit", early);
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\S+)\n/.exec(out);
      if (!ready) return;
      child.off("exit", early);
      resolve({ child, workerId: ready[1]!, log: () => log });
    });
  });
}

/** Kills a worker with SIGKILL and waits for it to be gone. */
export function killWorker(worker: WorkerProcess): Promise<void> {
  const { child } = worker;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Asserts that no step of `history` appears twice: each task scheduled, completed and answered once at most. */
export function assertNoDuplicateSteps(instanceId: string, history: readonly HistoryEvent[]): void {
  const seen = new Map<string, number>();
  const see = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
  for (const event of history) {
    const e = event as HistoryEvent & {
      eventId?: number;
      taskScheduledId?: number;
      timerId?: number;
      requestId?: string;
    };
    if (e.type === "EventRaised") continue;
    if (typeof e.eventId === "number" && e.eventId >= 0) see(`scheduled ${e.eventId}`);
    if (typeof e.taskScheduledId === "number") see(`completed ${e.taskScheduledId}`);
    if (typeof e.timerId === "number") see(`completed ${e.timerId}`);
    if ((e.type === "EntityOperationCompleted" || e.type === "EntityOperationFailed") && e.requestId)
      see(`response ${e.requestId}`);
    if (e.type === "ExecutionStarted" || e.type === "ExecutionCompleted") see(e.type);
  }
  for (const [key, n] of seen) assert.equal(n, 1, `${instanceId}: ${key} appears ${n} times in its history`);
}
