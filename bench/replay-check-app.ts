/**
 * The app of the replay-check benchmark (`replay-check.ts`): an order workflow of three activities that then waits
 * for an approval, so each seeded instance stops with a history of 15 events.
 */
import { DurableApp } from "../src/index.js";

const app = new DurableApp();
app.activity("Charge", (order: number) => `tx-${order}`);
app.activity("Reserve", (order: number) => `r-${order}`);
app.activity("Notify", (order: number) => `n-${order}`);
app.orchestration("BenchOrder", async (ctx, order: number) => {
  const tx = await ctx.callActivity<string>("Charge", order);
  await ctx.callActivity("Reserve", order);
  await ctx.callActivity("Notify", order);
  const approved = await ctx.waitForExternalEvent<boolean>("Approval");
  return { tx, approved };
});

export default app;
