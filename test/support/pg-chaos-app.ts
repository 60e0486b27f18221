/**
 * The app of the PostgreSQL chaos test: 5-activity sequences, fan-outs of 50, durable timers, sub-orchestrations and
 * entity counters. Worker processes run it (`pg-chaos-worker.ts`); the test starts instances and checks the results.
 */
import { DurableApp } from "../../src/index.js";

/** How many instances of each kind the chaos test starts (300 in all). */
export const CHAOS_MIX = { sequence: 100, fanOut: 20, timer: 70, parent: 50, count: 60 } as const;
/** Counter entities the `Count` orchestrations add to, and how many adds each orchestration makes. */
export const COUNTERS = 5;
export const ADDS_PER_COUNT = 3;

/** Builds the chaos app. `stepMs`: how long each activity takes (so kills land mid-activity). */
export function chaosApp(stepMs = 40) {
  const app = new DurableApp();
  const step = app.activity("ChaosStep", async (n: number) => {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    return n + 1;
  });
  const sequence = app.orchestration("ChaosSequence", async (ctx, start: number) => {
    let value = start;
    for (let i = 0; i < 5; i++) value = await ctx.callActivity(step, value);
    return value;
  });
  const fanOut = app.orchestration("ChaosFanOut", async (ctx, n: number) => {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => ctx.callActivity(step, i)));
    return results.reduce((sum, x) => sum + x, 0);
  });
  const timer = app.orchestration("ChaosTimer", async (ctx, ms: number) => {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + ms));
    return ctx.callActivity(step, ms);
  });
  const parent = app.orchestration("ChaosParent", async (ctx, base: number) => {
    const a = ctx.callSubOrchestrator(sequence, base, { instanceId: `${ctx.instanceId}:a` });
    const b = ctx.callSubOrchestrator(sequence, base + 100, { instanceId: `${ctx.instanceId}:b` });
    const [x, y] = await Promise.all([a, b]);
    return x + y;
  });
  const counter = app.entity("ChaosCounter", {
    initialState: (): number => 0,
    operations: {
      add: (state, by: number) => state + by,
      get: (state) => state,
    },
  });
  const count = app.orchestration("ChaosCount", async (ctx, key: string) => {
    let last = 0;
    for (let i = 0; i < ADDS_PER_COUNT; i++) {
      await ctx.callActivity(step, i);
      await ctx.callEntity(counter, key, "add", 1);
      last = await ctx.callEntity(counter, key, "get");
    }
    return last;
  });
  return { app, step, sequence, fanOut, timer, parent, counter, count };
}
