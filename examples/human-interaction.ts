/**
 * Human interaction: wait for an approval event, escalate when a durable timer fires first.
 * `npx tsx examples/human-interaction.ts`
 */
import { DurableApp, sqliteTaskHub } from "taskhub";

const app = new DurableApp();
const escalate = app.activity("Escalate", (request: string) => `escalated ${request} to the manager`);

const approval = app.orchestration(
  "ApprovalWorkflow",
  async (ctx, input: { request: string; timeoutMs: number }) => {
    const answer = ctx.waitForExternalEvent<boolean>("Approval");
    const deadline = ctx.createTimer(ctx.currentUtcDateTime.getTime() + input.timeoutMs);
    const winner = await ctx.whenAny([answer, deadline]);
    if (winner === answer) {
      deadline.cancel();
      return (await answer) ? "approved" : "rejected";
    }
    return ctx.callActivity(escalate, input.request);
  },
);

const host = await app.start({ taskHub: sqliteTaskHub(":memory:") });
try {
  const answered = await host.client.startNew(approval, { input: { request: "laptop", timeoutMs: 60_000 } });
  await host.client.raiseEvent(answered, "Approval", true);
  console.log("answered in time:", (await host.client.waitForCompletion(answered)).output);

  const ignored = await host.client.startNew(approval, { input: { request: "yacht", timeoutMs: 500 } });
  console.log("nobody answered:", (await host.client.waitForCompletion(ignored)).output);
} finally {
  await host.stop();
}
