/**
 * A small app as a user writes it against the installed package (copied into a fresh project by
 * package.test.ts): typed activities, an orchestration with a retry policy, an entity and an HTTP starter.
 */
import { DurableApp, RetryPolicy, type OrchestrationContext } from "taskhub";

export const app = new DurableApp();

export const greet = app.activity("Greet", async (name: string): Promise<string> => `Hello, ${name}!`);

export const counter = app.entity("Counter", {
  initialState: () => 0,
  operations: {
    add: (state: number, amount: number) => state + amount,
    get: (state: number) => state,
  },
});

export const hello = app.orchestration(
  "Hello",
  async (ctx: OrchestrationContext, names: readonly string[] | undefined): Promise<string[]> => {
    const retry = new RetryPolicy({ maxNumberOfAttempts: 3, firstRetryIntervalMs: 10 });
    const greetings: string[] = [];
    for (const name of names ?? ["Tokyo", "Seattle", "London"])
      greetings.push(await ctx.callActivity(greet, name, { retry }));
    ctx.signalEntity(counter, "counted", "add", greetings.length);
    return greetings;
  },
);

app.http("StartHello", { route: "hello", methods: ["POST"] }, async (request, { client }) => {
  const instanceId = await client.startNew(hello, { input: ["package"] });
  return client.createCheckStatusResponse(request, instanceId);
});

export default app;
