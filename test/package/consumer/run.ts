/**
 * Runs the Hello orchestration through the installed package on a SQLite file and prints the result as JSON
 * (`node build/run.js <hub file>`, after tsc has compiled the consumer project).
 */
import { sqliteTaskHub } from "taskhub";
import { history } from "taskhub/testing";
import { app, hello } from "./app.js";

const hubFile = process.argv[2] ?? "hub.db";
const host = await app.start({ taskHub: sqliteTaskHub(hubFile) });
try {
  const instanceId = await host.client.startNew(hello, { input: ["Ada", "Grace"] });
  const status = await host.client.waitForCompletion(instanceId, { timeoutMs: 60_000 });
  const fixture = history()
    .started("Hello", { input: ["Ada"] })
    .build();
  console.log(
    JSON.stringify({
      instanceId,
      status: status.runtimeStatus,
      output: status.output,
      events: fixture.length,
    }),
  );
} finally {
  await host.stop();
}
