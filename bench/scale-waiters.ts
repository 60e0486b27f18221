/**
 * Waiters at scale (`--only=scale-waiters`, `--only=scale-idle`; issue #17 requirements 1 and 6):
 * - W1 (N concurrently started 5-activity sequences) counted by one hub subscription (as `runSequences`) and, in the
 *   same run on the same hub, with one `waitForCompletion` per instance (how users write it), at each N; at the
 *   largest N a second pair in the other order, so that a drift of the shared machine's speed does not favour one.
 *   Per run: orchestrations/s, this process's CPU ms per orchestration, and when the first instance finished.
 * - Idle waiters: instances waiting for an external event that never comes, first without waiters, then with one
 *   `waitForCompletion` each: this process's CPU (% of a core) and on PostgreSQL the database's transactions/s over a
 *   window (`measureWindow`), and the raised-event latency (raise → completion, seen by a wait on the instance) of
 *   probe instances without and with the waiters. At the end every idle instance gets its event and every wait must
 *   resolve with the instance Completed; then the latency again, without waiters.
 * @module
 */
import { performance } from "node:perf_hooks";
import { DurableApp, type DurableClient, type TaskHub } from "../src/index.js";
import { measureWindow, type ScaleTarget } from "./scale-target.js";
import { benchApp, round, silent, summary } from "./workloads.js";

/** Sizes of the waiter workloads. */
export interface WaiterSizes {
  /** W1 sizes, in order; the largest gets a second pair. */
  readonly w1: readonly number[];
  /** Pairs (subscription, waiters) at the largest size. */
  readonly pairsAtLargest: number;
  /** The unmeasured W1 round first (JIT, statements, connections). */
  readonly warmUp: number;
  readonly idle: number;
  readonly probes: number;
  readonly windowSeconds: number;
  /** Pause after the waiters start, before the window (their first reads). */
  readonly settleSeconds: number;
}

export const FULL_WAITERS: WaiterSizes = {
  w1: [500, 2000, 10_000],
  warmUp: 500,
  pairsAtLargest: 2,
  idle: 10_000,
  probes: 100,
  windowSeconds: 30,
  settleSeconds: 10,
};
export const QUICK_WAITERS: WaiterSizes = {
  w1: [100, 500],
  warmUp: 100,
  pairsAtLargest: 2,
  idle: 500,
  probes: 10,
  windowSeconds: 2,
  settleSeconds: 0.5,
};

const LONG_WAIT_MS = 3_600_000;

type Mode = "subscription" | "waiters";

interface W1Run {
  mode: Mode;
  orchestrations: number;
  seconds: number;
  orchestrationsPerSecond: number;
  firstCompletionSeconds: number;
  cpuMsEach: number;
}

/** One W1 run: N sequences started at once, counted by one subscription or by one wait each. */
async function w1(
  client: DurableClient,
  hub: TaskHub,
  n: number,
  prefix: string,
  mode: Mode,
): Promise<W1Run> {
  const { sequence } = benchApp();
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  let first = Number.POSITIVE_INFINITY;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  if (mode === "subscription") {
    const pending = new Set(ids);
    const allDone = new Promise<void>((resolve) => {
      const off = hub.subscribe((notice) => {
        if (
          notice.kind !== "instance-updated" ||
          notice.status !== "Completed" ||
          !pending.delete(notice.instanceId)
        )
          return;
        first = Math.min(first, performance.now());
        if (pending.size === 0) {
          off();
          resolve();
        }
      });
    });
    await Promise.all(ids.map((id) => client.startNew(sequence, { instanceId: id, input: 0 })));
    await allDone;
  } else {
    await Promise.all(
      ids.map(async (id) => {
        await client.startNew(sequence, { instanceId: id, input: 0 });
        const status = await client.waitForCompletion(id, { timeoutMs: LONG_WAIT_MS });
        first = Math.min(first, performance.now());
        if (status.output !== 5) throw new Error(`sequence ${id} returned ${JSON.stringify(status.output)}`);
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    mode,
    orchestrations: n,
    seconds: round(seconds),
    orchestrationsPerSecond: round(n / seconds),
    firstCompletionSeconds: round((first - t0) / 1000),
    cpuMsEach: round((used.user + used.system) / 1000 / n),
  };
}

/** W1 by subscription and with one waiter per instance, at each size, on one new hub of `target`. */
export async function runW1Waiters(
  target: ScaleTarget,
  sizes: WaiterSizes,
): Promise<Record<string, unknown>> {
  const { app } = benchApp();
  const host = await app.start({ taskHub: target.make("w1"), logger: silent });
  try {
    await w1(host.client, host.taskHub, sizes.warmUp, "warm", "subscription");
    const out: Record<string, unknown> = {};
    const largest = Math.max(...sizes.w1);
    let round_ = 0;
    for (const n of sizes.w1) {
      const pairs: [W1Run, W1Run][] = [];
      // Pairs in alternate order (subscription first, then waiters first).
      for (let k = 0; k < (n === largest ? sizes.pairsAtLargest : 1); k++) {
        const r = round_++;
        if (k % 2 === 0) {
          const sub = await w1(host.client, host.taskHub, n, `s${r}`, "subscription");
          pairs.push([sub, await w1(host.client, host.taskHub, n, `w${r}`, "waiters")]);
        } else {
          const wait = await w1(host.client, host.taskHub, n, `w${r}`, "waiters");
          pairs.push([await w1(host.client, host.taskHub, n, `s${r}`, "subscription"), wait]);
        }
      }
      const mean = (runs: W1Run[], key: "orchestrationsPerSecond" | "cpuMsEach") =>
        round(runs.reduce((a, r) => a + r[key], 0) / runs.length);
      const subs = pairs.map((p) => p[0]);
      const waits = pairs.map((p) => p[1]);
      out[String(n)] = {
        runs: pairs.flat(),
        subscriptionPerSecond: mean(subs, "orchestrationsPerSecond"),
        waitersPerSecond: mean(waits, "orchestrationsPerSecond"),
        // Target at the largest N: at least 0.9.
        waitersToSubscription: round(
          mean(waits, "orchestrationsPerSecond") / mean(subs, "orchestrationsPerSecond"),
        ),
        // The median of the pairs' own ratios: less moved by the shared machine's drift.
        medianPairRatio: median(
          pairs.map(([sub, wait]) => wait.orchestrationsPerSecond / sub.orchestrationsPerSecond),
        ),
        cpuMsEach: { subscription: mean(subs, "cpuMsEach"), waiters: mean(waits, "cpuMsEach") },
      };
    }
    return out;
  } finally {
    await host.stop();
    await target.drop?.("w1");
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

function idleApp() {
  const app = new DurableApp();
  const idle = app.orchestration("Idle", async (ctx) => ctx.waitForExternalEvent<number>("go"));
  return { app, idle };
}

/** Resolves when every one of `ids` has been seen `Running` (its first episode committed). */
function allRunning(hub: TaskHub, ids: readonly string[]): Promise<void> {
  const pending = new Set(ids);
  return new Promise((resolve) => {
    const off = hub.subscribe((notice) => {
      if (
        notice.kind === "instance-updated" &&
        notice.status === "Running" &&
        pending.delete(notice.instanceId)
      )
        if (pending.size === 0) {
          off();
          resolve();
        }
    });
  });
}

async function raisedLatency(client: DurableClient, ids: readonly string[]) {
  const samples: number[] = [];
  for (const id of ids) {
    const done = client.waitForCompletion(id, { timeoutMs: 60_000 });
    const t = performance.now();
    await client.raiseEvent(id, "go", 1);
    const status = await done;
    samples.push(performance.now() - t);
    if (status.runtimeStatus !== "Completed") throw new Error(`probe ${id} is ${status.runtimeStatus}`);
  }
  return summary(samples);
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The idle-waiter workload on one new hub of `target`. */
export async function runIdleWaiters(
  target: ScaleTarget,
  sizes: WaiterSizes,
): Promise<Record<string, unknown>> {
  const { app, idle } = idleApp();
  const host = await app.start({ taskHub: target.make("idle"), logger: silent });
  const { client, taskHub } = host;
  try {
    const idleIds = Array.from({ length: sizes.idle }, (_, i) => `idle-${i}`);
    const probes = Array.from({ length: sizes.probes * 3 }, (_, i) => `probe-${i}`);
    const running = allRunning(taskHub, [...idleIds, ...probes]);
    for (let i = 0; i < idleIds.length; i += 1000)
      await Promise.all(idleIds.slice(i, i + 1000).map((id) => client.startNew(idle, { instanceId: id })));
    await Promise.all(probes.map((id) => client.startNew(idle, { instanceId: id })));
    await running;
    const latencyWithout = await raisedLatency(client, probes.slice(0, sizes.probes));
    // The server's statistics of what ran before come in late: each window starts after a pause.
    await sleep(sizes.settleSeconds);
    const withoutWaiters = await measureWindow(sizes.windowSeconds, target.url);

    const t0 = performance.now();
    const waits = idleIds.map((id) => client.waitForCompletion(id, { timeoutMs: LONG_WAIT_MS }));
    await sleep(sizes.settleSeconds);
    const withWaiters = await measureWindow(sizes.windowSeconds, target.url);
    const latencyWith = await raisedLatency(client, probes.slice(sizes.probes, sizes.probes * 2));

    // Release: every idle instance gets its event; every wait must end Completed.
    const t1 = performance.now();
    for (let i = 0; i < idleIds.length; i += 500)
      await Promise.all(idleIds.slice(i, i + 500).map((id) => client.raiseEvent(id, "go", 2)));
    const statuses = await Promise.all(waits);
    const releaseSeconds = (performance.now() - t1) / 1000;
    const notCompleted = statuses.filter((s) => s.runtimeStatus !== "Completed" || s.output !== 2).length;
    if (notCompleted > 0)
      throw new Error(`${notCompleted} idle waits did not end with their instance Completed`);
    // Again without waiters (the idle instances now finished), to bracket the shared machine's drift.
    const latencyAfter = await raisedLatency(client, probes.slice(sizes.probes * 2));
    return {
      idleInstances: sizes.idle,
      windowSeconds: sizes.windowSeconds,
      withoutWaiters,
      withWaiters,
      // What the waiters add (target: under 3 % of a core, under 10 transactions/s).
      waitersCost: {
        cpuPercentOfCore: round(withWaiters.cpuPercentOfCore - withoutWaiters.cpuPercentOfCore),
        ...(withWaiters.serverTransactionsPerSecond !== undefined
          ? {
              serverTransactionsPerSecond: round(
                withWaiters.serverTransactionsPerSecond - (withoutWaiters.serverTransactionsPerSecond ?? 0),
              ),
            }
          : {}),
      },
      raisedEventLatency: {
        withoutWaiters: latencyWithout,
        withWaiters: latencyWith,
        afterRelease: latencyAfter,
      },
      waitsStartedToReleasedSeconds: round((t1 - t0) / 1000),
      releaseAllSeconds: round(releaseSeconds),
    };
  } finally {
    await host.stop();
    await target.drop?.("idle");
  }
}
