/**
 * The seed workflow without HTTP: ChargeCreditCard → SendToWarehouse → SendConfirmationEmail on the embedded SQLite
 * task hub (./.taskhub/hub.db), started and awaited with the client. `npx tsx examples/order-processing.ts`
 */
import { DurableApp, sqliteTaskHub } from "taskhub";
import { addOrderWorkflow, type Order } from "./order-workflow.js";

const app = new DurableApp();
const { processOrder } = addOrderWorkflow(app);

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
