/**
 * The main job as a service: the seed order workflow (ChargeCreditCard → SendToWarehouse → SendConfirmationEmail)
 * with an HTTP starter using the async HTTP pattern, and a weekly timer that purges old history.
 *
 *   node bin/taskhub.js start examples/http-app.ts      # or: taskhub dev examples/http-app.ts
 *   curl -i -X POST http://localhost:7071/api/orders -H 'content-type: application/json' \
 *     -d '{"customer":"Ada Lovelace","email":"ada@example.com","items":["punch cards"],"amount":42.5}'
 */
import { DurableApp, NonRetryableError, RetryPolicy } from "../src/index.js";

interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly email: string;
  readonly items: readonly string[];
  readonly amount: number;
}

const app = new DurableApp();

const chargeCreditCard = app.activity("ChargeCreditCard", async (order: Order, ctx) => {
  if (order.amount <= 0) throw new NonRetryableError(`Order ${order.orderId} has a non-positive amount.`);
  console.log(
    `  [activity] charging ${order.customer} ${order.amount.toFixed(2)} EUR (key ${ctx.idempotencyKey})`,
  );
  return `tx-${order.orderId}`;
});

const sendToWarehouse = app.activity(
  "SendToWarehouse",
  async (input: { order: Order; transactionId: string }) => {
    console.log(
      `  [activity] warehouse: ship ${input.order.items.join(", ")} (payment ${input.transactionId})`,
    );
    return `shipment-${input.order.orderId}`;
  },
);

const sendConfirmationEmail = app.activity(
  "SendConfirmationEmail",
  async (input: { email: string; shipmentId: string }) => {
    console.log(`  [activity] email to ${input.email}: your order is on its way (${input.shipmentId})`);
    return true;
  },
);

/** The seed workflow. */
export const processOrder = app.orchestration("ProcessOrder", async (ctx, order: Order) => {
  const retry = new RetryPolicy({
    firstRetryIntervalMs: 1000,
    maxNumberOfAttempts: 3,
    backoffCoefficient: 2,
  });
  const transactionId = await ctx.callActivity(chargeCreditCard, order, { retry });
  ctx.setCustomStatus({ step: "charged", transactionId });
  const shipmentId = await ctx.callActivity(sendToWarehouse, { order, transactionId });
  ctx.setCustomStatus({ step: "shipped", shipmentId });
  await ctx.callActivity(sendConfirmationEmail, { email: order.email, shipmentId });
  return { orderId: order.orderId, transactionId, shipmentId };
});

/** POST /api/orders: starts ProcessOrder and answers 202 with the status URLs (async HTTP pattern). */
app.http("StartOrder", { route: "orders", methods: ["POST"] }, async (request, { client }) => {
  const body = (await request.json().catch(() => undefined)) as Partial<Order> | undefined;
  if (
    !body ||
    typeof body.customer !== "string" ||
    typeof body.amount !== "number" ||
    !Array.isArray(body.items)
  )
    return Response.json(
      { error: "bad_request", message: "Send { customer, email, items[], amount }." },
      { status: 400 },
    );
  const order: Order = {
    orderId: body.orderId ?? `order-${Date.now().toString(36)}`,
    customer: body.customer,
    email: body.email ?? "",
    items: body.items,
    amount: body.amount,
  };
  const instanceId = await client.startNew(processOrder, { input: order });
  return client.createCheckStatusResponse(request, instanceId);
});

/** POST /api/orders/wait: the same, but waits up to 5 s and answers 200 with the result when it is done by then. */
app.http("StartOrderAndWait", { route: "orders/wait", methods: ["POST"] }, async (request, { client }) => {
  const order = (await request.json()) as Order;
  const instanceId = await client.startNew(processOrder, { input: order });
  return client.waitForCompletionOrCreateCheckStatusResponse(request, instanceId, {
    timeoutInMilliseconds: 5000,
  });
});

/** Every Monday at 02:00 UTC: purge the history of instances that finished more than 30 days ago. */
app.timer("PurgeOldHistory", { schedule: "0 0 2 * * MON" }, async (timer, { client, log }) => {
  const { instancesDeleted } = await client.purgeInstanceHistoryBy({
    createdTimeFrom: new Date(0),
    createdTimeTo: new Date(timer.scheduledTime.getTime() - 30 * 24 * 3600_000),
    runtimeStatus: ["Completed", "Failed", "Terminated"],
  });
  log.info(`PurgeOldHistory: purged ${instancesDeleted} instances${timer.isPastDue ? " (late run)" : ""}.`);
});

export default app;
