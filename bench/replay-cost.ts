/**
 * Replay cost of the pure executor: time to rebuild an orchestrator from histories of growing length.
 * The cost per event must stay flat (linear total), not grow with the history (quadratic).
 */
import { performance } from "node:perf_hooks";
import type { HistoryEvent } from "../src/index.js";
import { OrchestrationSession } from "../src/orchestration/orchestration-session.js";

/** A history of a sequential-activity orchestrator with about `events` events. */
function sequentialHistory(events: number): { history: HistoryEvent[]; steps: number } {
  const steps = Math.max(1, Math.floor(events / 4));
  const t = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const history: HistoryEvent[] = [
    { type: "OrchestratorStarted", timestamp: t(0) },
    {
      type: "ExecutionStarted",
      timestamp: t(0),
      name: "Loop",
      instanceId: "bench",
      executionId: "e1",
      input: `${steps}`,
    },
  ];
  for (let i = 0; i < steps; i++) {
    if (i > 0) {
      history.push({ type: "OrchestratorStarted", timestamp: t(i) });
      history.push({ type: "TaskCompleted", timestamp: t(i), taskScheduledId: i - 1, result: `${i}` });
    }
    history.push({ type: "TaskScheduled", timestamp: t(i), eventId: i, name: "Step", input: `${i}` });
    history.push({ type: "OrchestratorCompleted", timestamp: t(i) });
  }
  return { history, steps };
}

const loop = async (ctx: { callActivity(name: string, input: unknown): PromiseLike<unknown> }, n: number) => {
  let value: unknown = 0;
  for (let i = 0; i < n; i++) value = await ctx.callActivity("Step", i);
  return value;
};

/** Measures replay cost per event for each history size. */
export async function measureReplay(sizes: readonly number[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const size of sizes) {
    const { history } = sequentialHistory(size);
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const session = new OrchestrationSession({ resolve: () => loop as never });
      const t0 = performance.now();
      await session.replay(history);
      runs.push(performance.now() - t0);
    }
    const best = Math.min(...runs);
    out[String(size)] = {
      events: history.length,
      totalMs: Math.round(best * 100) / 100,
      microsecondsPerEvent: Math.round(((best * 1000) / history.length) * 100) / 100,
    };
  }
  return out;
}
