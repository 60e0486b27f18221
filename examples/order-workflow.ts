/**
 * The seed workflow, shared by the examples: ChargeCreditCard → SendToWarehouse → SendConfirmationEmail.
 * `addOrderWorkflow(app)` registers its activities and the ProcessOrder orchestration on an app.
 */
import { NonRetryableError, RetryPolicy, type DurableApp } from "taskhub";

export interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly email: string;
  readonly items: readonly string[];
  readonly amount: number;
}

/** Registers the seed workflow on `app` and returns the ProcessOrder orchestration. */
export function addOrderWorkflow(app: DurableApp) {
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
  const processOrder = app.orchestration("ProcessOrder", async (ctx, order: Order) => {
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

  return { processOrder };
}
