/**
 * The app used by the crash tests: a worker process runs it; the test kills that process with SIGKILL.
 * Activities append "start"/"end" lines to a journal file so the test can see where the worker was.
 */
import { appendFileSync } from "node:fs";
import { DurableApp } from "../../src/index.js";

/** Builds the crash-test app; `journal` is the file activities write to. */
export function crashApp(journal: string, activityMs: number): ReturnType<typeof build> {
  return build(journal, activityMs);
}

function build(journal: string, activityMs: number) {
  const app = new DurableApp();
  const step = app.activity("Step", async (input: { order: string; step: number }, ctx) => {
    appendFileSync(journal, `start ${ctx.idempotencyKey} ${process.pid}\n`);
    await new Promise((resolve) => setTimeout(resolve, activityMs));
    appendFileSync(journal, `end ${ctx.idempotencyKey} ${process.pid}\n`);
    return `${input.order}:${input.step}`;
  });
  const workflow = app.orchestration("CrashWorkflow", async (ctx, order: string) => {
    const results: string[] = [];
    for (let i = 0; i < 3; i++) results.push(await ctx.callActivity(step, { order, step: i }));
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1500));
    results.push(await ctx.callActivity(step, { order, step: 3 }));
    return results;
  });
  return { app, step, workflow };
}
