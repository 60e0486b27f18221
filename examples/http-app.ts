/**
 * The main job as a service: the seed order workflow (ChargeCreditCard → SendToWarehouse → SendConfirmationEmail)
 * with an HTTP starter using the async HTTP pattern, and a weekly timer that purges old history.
 *
 *   node bin/taskhub.js start examples/http-app.ts      # or: taskhub dev examples/http-app.ts
 *   curl -i -X POST http://localhost:7071/api/orders -H 'content-type: application/json' \
 *     -d '{"customer":"Ada Lovelace","email":"ada@example.com","items":["punch cards"],"amount":42.5}'
 */
import { DurableApp } from "taskhub";
import { addOrderWorkflow, type Order } from "./order-workflow.js";

const app = new DurableApp();

/** The seed workflow. */
export const { processOrder } = addOrderWorkflow(app);

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
