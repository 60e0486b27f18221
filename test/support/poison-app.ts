/**
 * The app of the poison-work crash tests: work that crashes its worker process every time it runs, and healthy work
 * that runs beside it.
 * - `Order`: calls `Crash` (which exits the process, or throws in a timer callback) and compensates with `Refund`
 *   when the call fails.
 * - `Crashing`: an orchestrator that exits the process.
 * - `Healthy`: three `Work` activities in sequence, each taking a while, so that healthy work is in flight when the
 *   process crashes.
 * Every run of crashing code first appends a line to the journal file (`<what> <instance ID> <pid>`).
 */
import { appendFileSync } from "node:fs";
import { DurableApp, isTaskFailedError, type FailureDetails } from "../../src/index.js";

/** How `Crash` takes its process down. */
export type CrashMode = "exit" | "timer";

/** Builds the app; crashing code journals to `journal`. */
export function poisonApp(journal: string) {
  const app = new DurableApp();
  const note = (what: string, instanceId: string) => {
    appendFileSync(journal, `${what} ${instanceId} ${process.pid}\n`);
  };

  const crash = app.activity("Crash", async (mode: CrashMode, ctx) => {
    note("activity", ctx.instanceId);
    if (mode === "exit") process.exit(1);
    setTimeout(() => {
      throw new Error("thrown in a timer callback of activity Crash");
    }, 10);
    return new Promise<never>(() => undefined);
  });
  const refund = app.activity("Refund", (failure: FailureDetails) => `refunded after ${failure.errorType}`);
  const order = app.orchestration("Order", async (ctx, mode: CrashMode) => {
    try {
      return { charged: await ctx.callActivity(crash, mode) };
    } catch (error) {
      if (!isTaskFailedError(error)) throw error;
      return { compensation: await ctx.callActivity(refund, error.failure), failure: error.failure };
    }
  });

  const crashing = app.orchestration("Crashing", async (ctx) => {
    if (!ctx.isReplaying) note("orchestration", ctx.instanceId);
    process.exit(1);
  });

  const work = app.activity("Work", async (n: number) => {
    await new Promise((resolve) => setTimeout(resolve, 150));
    return n + 1;
  });
  const healthy = app.orchestration("Healthy", async (ctx, n: number) => {
    let value = n;
    for (let i = 0; i < 3; i++) value = await ctx.callActivity(work, value);
    return value;
  });
  return { app, order, crashing, healthy };
}
