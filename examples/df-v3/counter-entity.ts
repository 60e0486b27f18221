/**
 * The counter entity, the Durable Functions JavaScript v3 sample, and an orchestration that signals and calls it.
 * Only the import is changed.
 */
import * as df from "taskhub/durable-functions";

df.app.entity("Counter", (context) => {
  const currentValue = context.df.getState(() => 0) as number;
  switch (context.df.operationName) {
    case "add": {
      const amount = context.df.getInput<number>() ?? 0;
      context.df.setState(currentValue + amount);
      break;
    }
    case "reset":
      context.df.setState(0);
      break;
    case "get":
      context.df.return(currentValue);
      break;
    case "delete":
      context.df.destructOnExit();
      break;
    default:
      throw new Error(`The counter has no operation '${context.df.operationName}'.`);
  }
});

df.app.orchestration("CounterOrchestration", function* (context) {
  const entityId = new df.EntityId("Counter", context.df.getInput<string>());
  context.df.signalEntity(entityId, "add", 1);
  const value: number = yield context.df.callEntity(entityId, "get");
  return value;
});
