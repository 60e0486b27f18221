/** Sub-orchestrations: provision several devices, each by its own child orchestration. */
import { DurableApp, sqliteTaskHub } from "taskhub";

const app = new DurableApp();
const createKey = app.activity("CreateDeviceKey", (device: string) => `key-${device}`);
const register = app.activity(
  "RegisterDevice",
  (input: { device: string; key: string }) => `${input.device} ok`,
);

const provisionDevice = app.orchestration("ProvisionDevice", async (ctx, device: string) => {
  const key = await ctx.callActivity(createKey, device);
  return ctx.callActivity(register, { device, key });
});

const provisionAll = app.orchestration("ProvisionAll", async (ctx, devices: string[]) =>
  Promise.all(devices.map((d) => ctx.callSubOrchestrator(provisionDevice, d, { instanceId: `device-${d}` }))),
);

const host = await app.start({ taskHub: sqliteTaskHub(":memory:") });
try {
  const id = await host.client.startNew(provisionAll, { input: ["sensor-1", "sensor-2", "gateway"] });
  console.log((await host.client.waitForCompletion(id)).output);
  console.log("child:", (await host.client.getStatus("device-gateway"))?.runtimeStatus);
} finally {
  await host.stop();
}
