/**
 * Two versions of one app for the replay checker's tests, written into a project folder as app modules, and a hub
 * seeded by the first: instances of an order workflow waiting for an approval (one suspended, one completed), a
 * greeter waiting for an event, an instance of an orchestrator the second version no longer has, and an entity.
 * The second version charges after reserving instead of before: every order that was charged diverges.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DurableApp, TaskHub } from "../../src/index.js";
import { INDEX_URL } from "./cli-process.js";
import { eventually, MemoryLog } from "./test-host.js";

const common = (orderFlow: string, extra = "") => `import { DurableApp } from ${JSON.stringify(INDEX_URL)};
const app = new DurableApp();
app.activity("Charge", async (order: string) => \`tx-\${order}\`);
app.activity("Reserve", async (order: string) => \`reserved-\${order}\`);
app.activity("Ship", async (order: string) => \`shipped-\${order}\`);
app.orchestration("OrderFlow", async (ctx, order: string) => {
${orderFlow}
  ctx.setCustomStatus("awaiting approval");
  await ctx.waitForExternalEvent("Approval");
  return ctx.callActivity("Ship", order);
});
app.orchestration("Greeter", async (ctx, name: string) => {
  ctx.setCustomStatus("waiting");
  await ctx.waitForExternalEvent("Go");
  return \`hello \${name}\`;
});
app.entity("Counter", { initialState: () => 0, operations: { add: (state: number, n: number) => state + n } });
${extra}
export default app;
`;

/** Version 1: charges, then waits for the approval; has the orchestrator 'Legacy'. */
export const APP_V1 = common(
  `  await ctx.callActivity("Charge", order);`,
  `app.orchestration("Legacy", async (ctx) => {
  ctx.setCustomStatus("waiting");
  await ctx.waitForExternalEvent("Never");
});`,
);

/** Version 2: reserves, then charges; 'Legacy' is gone. */
export const APP_V2 = common(`  await ctx.callActivity("Reserve", order);
  await ctx.callActivity("Charge", order);`);

/** Writes `app-v1.ts` and `app-v2.ts` into `dir` (a project with `"type": "module"`). */
export function writeApps(dir: string): { v1: string; v2: string } {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  const v1 = join(dir, "app-v1.ts");
  const v2 = join(dir, "app-v2.ts");
  writeFileSync(v1, APP_V1);
  writeFileSync(v2, APP_V2);
  return { v1, v2 };
}

/** Imports the app module at `path`. */
export async function importApp(path: string): Promise<DurableApp> {
  return ((await import(pathToFileURL(path).href)) as { default: DurableApp }).default;
}

/** The instances {@link seedHub} makes. */
export const SEEDED = {
  /** Charged, waiting for the approval (order-4 suspended). */
  waitingOrders: ["order-1", "order-2", "order-3", "order-4"],
  completedOrder: "order-done",
  greeter: "greet-1",
  legacy: "legacy-1",
  entity: "@counter@a",
} as const;

/** Runs version 1 of the app on `taskHub` until the {@link SEEDED} instances are where they should be. */
export async function seedHub(v1: DurableApp, taskHub: TaskHub): Promise<void> {
  const host = await v1.start({ taskHub, logger: new MemoryLog() });
  try {
    const { client } = host;
    const status = async (id: string) => (await client.getStatus(id))?.customStatus;
    for (const id of [...SEEDED.waitingOrders, SEEDED.completedOrder])
      await client.startNew("OrderFlow", { instanceId: id, input: id });
    await client.startNew("Greeter", { instanceId: SEEDED.greeter, input: "Ada" });
    await client.startNew("Legacy", { instanceId: SEEDED.legacy });
    await client.signalEntity("Counter", "a", "add", 2);
    for (const id of [...SEEDED.waitingOrders, SEEDED.completedOrder, SEEDED.greeter, SEEDED.legacy])
      await eventually(async () => (await status(id)) !== undefined, 30_000);
    await client.suspend(SEEDED.waitingOrders[3]);
    await client.raiseEvent(SEEDED.completedOrder, "Approval", true);
    await client.waitForCompletion(SEEDED.completedOrder, { timeoutMs: 30_000 });
    await eventually(
      async () => (await client.getStatus(SEEDED.waitingOrders[3]))?.runtimeStatus === "Suspended",
      30_000,
    );
    await eventually(
      async () => (await client.readEntityState<number>("Counter", "a")).entityState === 2,
      30_000,
    );
  } finally {
    await host.stop();
  }
}
