/**
 * The app of the OTLP export test, run by `taskhub start` in two processes on one SQLite hub: an order workflow of
 * three activities behind an HTTP starter, and a "Block" orchestration whose activity holds its worker's activity slot
 * until the worker stops (so that, with `--max-concurrent-activities 1`, the other process runs every other activity).
 */
import { writeFileSync } from "node:fs";
import { DurableApp } from "../../src/index.js";

const app = new DurableApp();
for (const name of ["Charge", "Reserve", "Email"])
  app.activity(name, async (order: { id: string }) => `${name}:${order.id}:${process.pid}`);
app.activity("Hold", async (marker: string, ctx) => {
  writeFileSync(marker, String(process.pid));
  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
});
app.orchestration("Order", async (ctx, order: { id: string }) => {
  const results: string[] = [];
  for (const name of ["Charge", "Reserve", "Email"])
    results.push(await ctx.callActivity<string>(name, order));
  return results;
});
app.orchestration("Block", async (ctx, marker: string) => ctx.callActivity("Hold", marker));
app.http("StartOrder", { route: "orders", methods: ["POST"] }, async (request, { client }) => {
  const id = await client.startNew("Order", { input: (await request.json()) as unknown });
  return client.createCheckStatusResponse(request, id);
});
app.http("Block", { route: "block", methods: ["POST"] }, async (request, { client }) => {
  const id = await client.startNew("Block", { input: (await request.json()) as unknown });
  return client.createCheckStatusResponse(request, id);
});

export default app;
