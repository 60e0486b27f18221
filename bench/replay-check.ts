/**
 * The replay checker's speed (`--only=replay-check`): a SQLite hub is seeded with `count` instances of
 * `replay-check-app.ts` (3 activities, then waiting for an event: 15 history events each), then checked against the
 * same code in this process (`replayHubInstances`, pages read and replayed as `taskhub replay-check` does) and by
 * the `taskhub replay-check` command as a child process (its wall time includes starting Node.js and tsx and loading
 * the app).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { sqliteTaskHub } from "../src/index.js";
import { replayHubInstances } from "../src/host/hub-replay.js";
import { openTaskHubForReading } from "../src/host/open-task-hub.js";
import { replayOptions } from "../src/orchestration/replay-check.js";
import { statsOf } from "../src/task-hub/health.js";
import app from "./replay-check-app.js";
import { silent } from "./workloads.js";

const BIN = fileURLToPath(new URL("../bin/taskhub.js", import.meta.url));
const APP = fileURLToPath(new URL("./replay-check-app.ts", import.meta.url));

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Seeds `count` waiting instances into a SQLite hub in `dir`, then measures the check; returns the figures. */
export async function runReplayCheckBenchmark(dir: string, count: number): Promise<Record<string, unknown>> {
  const path = join(dir, "replay-check.db");
  const seedStart = performance.now();
  const host = await app.start({ taskHub: sqliteTaskHub(path), logger: silent });
  try {
    for (let i = 0; i < count; i += 500)
      await Promise.all(
        Array.from({ length: Math.min(500, count - i) }, (_, j) =>
          host.client.startNew("BenchOrder", {
            instanceId: `order-${String(i + j).padStart(6, "0")}`,
            input: i + j,
          }),
        ),
      );
    for (;;) {
      const stats = await statsOf(host.taskHub);
      if (stats.inboxDepth === 0 && stats.activityQueueDepth === 0 && stats.leasedInstances === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await host.stop();
  }
  const seedMs = performance.now() - seedStart;

  const runs: { ms: number; replayed: number; events: number }[] = [];
  for (let run = 0; run < 3; run++) {
    const hub = openTaskHubForReading(path, "taskhub");
    try {
      await hub.checkSchema();
      let events = 0;
      const began = performance.now();
      const report = await replayHubInstances(
        hub,
        replayOptions(app.registry),
        {},
        {
          onResult: (result) => {
            if (result.kind === "replayed") events += result.events;
          },
        },
      );
      runs.push({ ms: performance.now() - began, replayed: report.summary.replayed, events });
      if (report.summary.replayed !== count)
        throw new Error(`replayed ${report.summary.replayed} of ${count}`);
    } finally {
      await hub.close();
    }
  }
  const best = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));

  const cliStart = performance.now();
  const cli = spawnSync(process.execPath, [BIN, "replay-check", APP, "--hub", path, "--json"], {
    encoding: "utf8",
  });
  const cliMs = performance.now() - cliStart;
  if (cli.status !== 0) throw new Error(`taskhub replay-check exited ${cli.status}: ${cli.stderr}`);
  const cliReport = JSON.parse(cli.stdout) as { elapsedMs: number; summary: { replayed: number } };

  return {
    hub: "sqlite (file)",
    instances: count,
    eventsPerInstance: best.events / count,
    seedMs: Math.round(seedMs),
    inProcess: {
      bestMs: round(best.ms),
      runsMs: runs.map((r) => round(r.ms)),
      instancesPerSecond: Math.round((count * 1000) / best.ms),
      microsecondsPerEvent: round((best.ms * 1000) / best.events),
    },
    cli: {
      wallMs: Math.round(cliMs),
      checkMs: cliReport.elapsedMs,
      replayed: cliReport.summary.replayed,
    },
  };
}
