/**
 * Function chaining, the Durable Functions JavaScript v3 sample ("Hello sequence"), with only its import changed
 * (`durable-functions` → `taskhub/durable-functions`).
 */
import * as df from "taskhub/durable-functions";

const activityName = "SayHello";

df.app.orchestration("HelloSequence", function* (context) {
  const outputs: string[] = [];
  outputs.push(yield context.df.callActivity(activityName, "Tokyo"));
  outputs.push(yield context.df.callActivity(activityName, "Seattle"));
  outputs.push(yield context.df.callActivity(activityName, "Cairo"));
  return outputs;
});

df.app.activity(activityName, {
  handler: (input: string) => `Hello, ${input}!`,
});
