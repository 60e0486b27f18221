/**
 * Runs the Hello orchestration through the installed package on a SQLite file, then in the time-skipping test
 * environment with its activity mocked, and prints the results as JSON (`node build/run.js <hub file>`, after tsc has
 * compiled the consumer project).
 */
import { sqliteTaskHub } from "taskhub";
import { createTestEnvironment, history } from "taskhub/testing";
import { app, hello } from "./app.js";

/** Hello in the test environment, Greet mocked; `await using` closes it (and runs the history guardrails). */
async function helloInTestEnvironment(): Promise<unknown> {
  await using env = await createTestEnvironment(app, {
    activities: { Greet: async (name: string) => `Mocked, ${name}!` },
  });
  const id = await env.client.startNew(hello, { input: ["Ada"] });
  return (await env.client.waitForCompletion(id)).output;
}

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
      testEnvironment: await helloInTestEnvironment(),
    }),
  );
} finally {
  await host.stop();
}
