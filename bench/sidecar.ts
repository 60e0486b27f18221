/**
 * The Durable Task SDK through the sidecar (`--only=sidecar`, issue #16 requirement 6): W1 (N five-activity sequences
 * started at once → orchestrations/s) and W3 (start-to-completion of a 1-activity orchestration, one at a time →
 * median / p95) with `@microsoft/durabletask-js`'s `TaskHubGrpcClient` and `TaskHubGrpcWorker` in this process against
 * `taskhub sidecar` in a child process (the hub, its worker and the gRPC server there), on a SQLite file (the CLI's
 * default `synchronous: "full"`, as native W1 on `sqlite-full`) and on a fresh PostgreSQL schema. A warm-up round of
 * each workload runs first, as in `workloads.ts`. W1 counts completions with one `waitForOrchestrationCompletion` per
 * instance (how SDK users write it). Besides the rates: the CPU per orchestration of each side (this process: the
 * SDK; the child: the sidecar), from `process.cpuUsage` and `/proc/<pid>/stat`.
 *
 * `--sidecar-cpu-prof=DIR` starts the sidecar with `node --cpu-prof --cpu-prof-dir DIR` (the profile is written when
 * it stops); profile this process with `node --cpu-prof --import tsx bench/run.ts --only=sidecar`.
 * @module
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  NoOpLogger,
  TaskHubGrpcClient,
  type ActivityContext,
  type OrchestrationContext,
} from "@microsoft/durabletask-js";
import { TaskHubGrpcWorker } from "@microsoft/durabletask-js";
import {
  postgresBackend,
  removeBackendDirs,
  sqliteBackend,
  startSidecarProcess,
  waitFor,
  type SidecarBackend,
  type SidecarProcess,
} from "../test/support/sidecar-process.js";
import { dropCreatedSchemas } from "../test/task-hub/postgres-support.js";
import { round, sequenceRate, summary, type WorkloadSizes } from "./workloads.js";

/** The SDK worker's functions: the same workloads as the native `benchApp`. */
function sdkWorker(address: string): TaskHubGrpcWorker {
  const worker = new TaskHubGrpcWorker({ hostAddress: address, logger: new NoOpLogger() });
  worker.addNamedActivity("Work", (_ctx: ActivityContext, n: number) => n + 1);
  worker.addNamedOrchestrator("Sequence", async function* (ctx: OrchestrationContext, n: number) {
    let value = n;
    for (let i = 0; i < 5; i++) value = yield ctx.callActivity("Work", value);
    return value;
  });
  worker.addNamedOrchestrator("Single", async function* (ctx: OrchestrationContext) {
    const value: number = yield ctx.callActivity("Work", 1);
    return value;
  });
  return worker;
}

/** CPU time (user + system) of process `pid` so far, in ms (Linux `/proc`; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14 and 15 of stat)
}

async function completed(client: TaskHubGrpcClient, id: string): Promise<string | undefined> {
  const state = await client.waitForOrchestrationCompletion(id, true, 600);
  if (state?.runtimeStatus !== 1) throw new Error(`${id} ended ${String(state?.runtimeStatus)}`);
  return state.serializedOutput;
}

async function sequences(client: TaskHubGrpcClient, sidecar: SidecarProcess, n: number, prefix: string) {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const sdkCpu0 = process.cpuUsage();
  const sidecarCpu0 = processCpuMs(sidecar.child.pid!);
  const t0 = performance.now();
  const outputs = await Promise.all(
    ids.map(async (id) => {
      await client.scheduleNewOrchestration("Sequence", 0, { instanceId: id });
      return completed(client, id);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const sdkCpu = process.cpuUsage(sdkCpu0);
  const sidecarCpuMs = processCpuMs(sidecar.child.pid!) - sidecarCpu0;
  if (outputs.some((o) => o !== "5"))
    throw new Error(`a sequence returned ${outputs.find((o) => o !== "5")}`);
  return {
    ...sequenceRate(n, seconds),
    sdkCpuMsPerOrchestration: round((sdkCpu.user + sdkCpu.system) / 1000 / n),
    sidecarCpuMsPerOrchestration: round(sidecarCpuMs / n),
  };
}

async function latency(client: TaskHubGrpcClient, samples: number, prefix: string) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await completed(
      client,
      await client.scheduleNewOrchestration("Single", undefined, { instanceId: `${prefix}-${i}` }),
    );
    times.push(performance.now() - t);
  }
  return summary(times);
}

async function runOn(backend: SidecarBackend, sizes: WorkloadSizes, cpuProfDir: string | undefined) {
  const sidecar = await startSidecarProcess(backend, {
    nodeArgs: cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfDir] : [],
  });
  const worker = sdkWorker(sidecar.address);
  const client = new TaskHubGrpcClient({ hostAddress: sidecar.address, logger: new NoOpLogger() });
  try {
    await worker.start();
    await waitFor(async () => sidecar.connectedWorkers() > 0, { what: "the SDK worker to connect" });
    await sequences(client, sidecar, sizes.sequences, "warm"); // JIT, statements, connections
    await latency(client, 20, "warm-single");
    const w1 = await sequences(client, sidecar, sizes.sequences, "seq");
    const w3 = await latency(client, sizes.latencySamples, "single");
    return { sequences: w1, latency: w3 };
  } finally {
    await worker.stop();
    await client.stop();
    await sidecar.stop();
  }
}

/** Runs W1 and W3 through the SDK on `taskhub sidecar`, SQLite then PostgreSQL; returns the figures by hub. */
export async function runSidecarBenchmarks(
  sizes: WorkloadSizes,
  options: { readonly cpuProfDir?: string | undefined; readonly hubs?: readonly string[] } = {},
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {
    setup:
      "taskhub sidecar in a child process (hub, worker, gRPC server); the SDK's worker and client in the benchmark process",
  };
  const hubs = options.hubs ?? ["sqlite-full", "postgres"];
  try {
    if (hubs.includes("sqlite-full"))
      results["sqlite-full"] = await runOn(sqliteBackend(), sizes, options.cpuProfDir);
    if (hubs.includes("postgres"))
      results.postgres = await runOn(postgresBackend(), sizes, options.cpuProfDir);
  } finally {
    removeBackendDirs();
    await dropCreatedSchemas();
  }
  return results;
}
