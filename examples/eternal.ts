/**
 * An eternal orchestration: a periodic cleanup that runs every 200 ms and restarts itself with continueAsNew, so
 * its history never grows. Stopped here after five rounds. `npx tsx examples/eternal.ts`
 */
import { DurableApp, sqliteTaskHub } from "taskhub";

const app = new DurableApp();
const cleanup = app.activity("Cleanup", (round: number) => `cleaned up in round ${round}`);

const periodic = app.orchestration("PeriodicCleanup", async (ctx, round: number) => {
  ctx.log.info(await ctx.callActivity(cleanup, round));
  if (round >= 5) return `stopped after ${round} rounds`;
  await ctx.createTimer(ctx.currentUtcDateTime.getTime() + 200);
  ctx.continueAsNew(round + 1);
  return undefined;
});

const host = await app.start({ taskHub: sqliteTaskHub(":memory:") });
try {
  const id = await host.client.startNew(periodic, { instanceId: "cleanup", input: 1 });
  const status = await host.client.waitForCompletion(id);
  const history = await host.client.getStatus(id, { showHistory: true });
  console.log(`${status.output}; the last execution's history has ${history?.history?.length} events`);
} finally {
  await host.stop();
}
