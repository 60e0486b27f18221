/**
 * The main job (`npm start`): runs the Taskhub host for `examples/http-app.ts` — worker + HTTP server on the
 * embedded SQLite hub (./.taskhub/hub.db) — then places one order over real HTTP with the async HTTP pattern
 * (POST → 202 → poll the status URL → 200), printing each step. The host keeps serving until Ctrl-C;
 * `npm start -- --once` stops after the demo order.
 *
 * The same host without the demo: `npx taskhub start examples/http-app.ts` (see docs/http-api.md).
 */
import { resolveConfig, startHost } from "taskhub";
import app from "./http-app.js";

const once = process.argv.includes("--once");
const config = resolveConfig({
  flags: {},
  env: process.env,
  defaults: { host: "127.0.0.1", localDev: true, logRequests: false },
});
const host = await startHost(app, config);
const stop = async (): Promise<void> => {
  await host.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());

const order = {
  customer: "Ada Lovelace",
  email: "ada@example.com",
  items: ["punch cards", "a manual"],
  amount: 42.5,
};
console.log(`\nPOST ${host.url}/api/orders ${JSON.stringify(order)}`);
const started = await fetch(`${host.url}/api/orders`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(order),
});
const payload = (await started.json()) as { id: string; statusQueryGetUri: string };
console.log(`← ${started.status} ${started.statusText}: instance ${payload.id}`);
console.log(`  Location: ${started.headers.get("location")}`);

for (;;) {
  const poll = await fetch(payload.statusQueryGetUri);
  const status = (await poll.json()) as { runtimeStatus: string; customStatus?: unknown; output?: unknown };
  console.log(
    `GET status ← ${poll.status}: ${status.runtimeStatus} ${JSON.stringify(status.customStatus ?? null)}`,
  );
  if (poll.status !== 202) {
    console.log(`Output: ${JSON.stringify(status.output)}`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

if (once) await stop();
else
  console.log(
    `\nServing on ${host.url} (Ctrl-C to stop). Try: curl ${host.url}/runtime/webhooks/durabletask/instances`,
  );
