/**
 * The app the dashboard tests (and the screenshot script) run: an order workflow with retries, a failure with a
 * cause chain, a wait for an approval event raced with a timer, a sub-orchestration and a counter entity.
 */
import { DurableApp, RetryPolicy } from "../../src/index.js";

/** Builds the app. */
export function dashboardApp(): DurableApp {
  const app = new DurableApp();
  const charge = app.activity("ChargeCard", async (order: { id: string; amount: number }, ctx) => {
    // The first attempt of each order fails: the retry policy retries it (two bars on the timeline).
    if (ctx.attempt === 1) throw new Error(`card gateway timed out for ${order.id}`);
    return `tx-${order.id}`;
  });
  const reserve = app.activity("ReserveStock", async (item: string) => `reserved ${item}`);
  const ship = app.activity("Ship", async (order: { id: string; amount: number }) => {
    if (order.amount > 1000)
      throw new Error("shipping refused", {
        cause: new RangeError(`amount ${order.amount} over the limit 1000`),
      });
    return `ship-${order.id}`;
  });
  const pack = app.orchestration("PackOrder", async (ctx, items: string[]) => {
    return Promise.all(items.map((i) => ctx.callActivity(reserve, i)));
  });
  app.orchestration("ProcessOrder", async (ctx, order: { id: string; amount: number; items: string[] }) => {
    ctx.setCustomStatus({ step: "charging" });
    const retry = new RetryPolicy({ firstRetryIntervalMs: 50, maxNumberOfAttempts: 3 });
    const tx = await ctx.callActivity(charge, order, { retry });
    ctx.setCustomStatus({ step: "packing" });
    const packed = await ctx.callSubOrchestrator(pack, order.items);
    ctx.setCustomStatus({ step: "shipping" });
    const shipment = await ctx.callActivity(ship, order);
    ctx.setCustomStatus({ step: "shipped" });
    return { tx, packed, shipment };
  });
  app.orchestration("AwaitApproval", async (ctx, request: { who: string }) => {
    ctx.setCustomStatus(`awaiting approval from ${request.who}`);
    const approval = ctx.waitForExternalEvent<{ approved: boolean }>("Approval");
    const deadline = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 3_600_000));
    const winner = await ctx.whenAny([approval, deadline]);
    if (winner === approval) deadline.cancel();
    ctx.setCustomStatus(winner === approval ? "decided" : "timed out");
    return winner === approval ? await approval : { approved: false };
  });
  const noop = app.activity("Noop", async (n: number) => n);
  // A large history: n activities fanned out (2n + a few events).
  app.orchestration("FanOut", async (ctx, n: number) => {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => ctx.callActivity(noop, i)));
    return results.length;
  });
  app.entity("Counter", {
    initialState: (): number => 0,
    operations: { add: (state, by: number) => state + by },
  });
  return app;
}
