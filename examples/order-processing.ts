/**
 * The main job: the seed workflow ChargeCreditCard → SendToWarehouse → SendConfirmationEmail, on the embedded
 * SQLite task hub (./.taskhub/hub.db). Run it with `npm start`. Run it twice: the second run reuses the hub.
 */
import { DurableApp, NonRetryableError, RetryPolicy, sqliteTaskHub } from "../src/index.js";

interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly email: string;
  readonly items: readonly string[];
  readonly amount: number;
}

const app = new DurableApp();
const charged = new Set<string>(); // stands in for the payment provider's own idempotency store

const chargeCreditCard = app.activity("ChargeCreditCard", async (order: Order, ctx) => {
  if (order.amount <= 0) throw new NonRetryableError(`Order ${order.orderId} has a non-positive amount.`);
  if (charged.has(ctx.idempotencyKey))
    console.log(`  [activity] card already charged for ${ctx.idempotencyKey}`);
  charged.add(ctx.idempotencyKey);
  console.log(
    `  [activity] charging ${order.customer} ${order.amount.toFixed(2)} EUR (attempt ${ctx.attempt})`,
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

const processOrder = app.orchestration("ProcessOrder", async (ctx, order: Order) => {
  const retry = new RetryPolicy({
    firstRetryIntervalMs: 1000,
    maxNumberOfAttempts: 3,
    backoffCoefficient: 2,
  });
  ctx.log.info(`processing order ${order.orderId}`);
  const transactionId = await ctx.callActivity(chargeCreditCard, order, { retry });
  ctx.setCustomStatus({ step: "charged", transactionId });
  const shipmentId = await ctx.callActivity(sendToWarehouse, { order, transactionId });
  ctx.setCustomStatus({ step: "shipped", shipmentId });
  await ctx.callActivity(sendConfirmationEmail, { email: order.email, shipmentId });
  ctx.log.info(`order ${order.orderId} done`);
  return { orderId: order.orderId, transactionId, shipmentId };
});

const hubPath = process.env.TASKHUB_SQLITE_PATH ?? "./.taskhub/hub.db";
const host = await app.start({ taskHub: sqliteTaskHub(hubPath) });
try {
  const order: Order = {
    orderId: `order-${Date.now().toString(36)}`,
    customer: "Ada Lovelace",
    email: "ada@example.com",
    items: ["analytical engine manual", "punch cards"],
    amount: 42.5,
  };
  console.log(`Task hub: ${host.taskHub.description}`);
  const instanceId = await host.client.startNew(processOrder, { input: order });
  console.log(`Started ProcessOrder instance ${instanceId}`);
  const status = await host.client.waitForCompletion(instanceId, { timeoutMs: 30_000 });
  console.log(`Instance ${instanceId} is ${status.runtimeStatus}:`, status.output ?? status.failureDetails);
  const history = await host.client.getStatus(instanceId, { showHistory: true });
  console.log(`History: ${history?.history?.map((e) => e.type).join(" → ")}`);
  if (status.runtimeStatus !== "Completed") process.exitCode = 1;
} finally {
  await host.stop();
}
