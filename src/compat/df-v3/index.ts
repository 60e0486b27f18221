/**
 * `taskhub/durable-functions`: run a Durable Functions JavaScript v3 app on Taskhub with only its import changed,
 * `import * as df from "taskhub/durable-functions"`. Orchestrators are `function*` generators of `context`
 * (`yield context.df.callActivity(...)`, `context.df.Task.all/any`, retries, timers, external events,
 * sub-orchestrations, entities, custom status); activities and entities register with `df.app.activity` /
 * `df.app.entity`. What it does not provide throws a {@link NotSupportedError} naming the API, at registration or at
 * the first call. The client: `df.getClient(host)` with `host = await df.app.start({ taskHub })`.
 * @module
 */
export {
  app,
  type ActivityContext,
  type ActivityHandler,
  type ActivityOptions,
  type EntityOptions,
  type OrchestrationOptions,
} from "./app.js";
export {
  DurableClient,
  getClient,
  type DurableOrchestrationStatus,
  type EntityStateResponse,
  type GetStatusOptions,
  type OrchestrationFilter,
  type StartNewOptions,
} from "./client.js";
export { type DurableEntityContext, type EntityContext, type EntityHandler } from "./entity.js";
export { NotSupportedError } from "./not-supported.js";
export {
  DurableOrchestrationContext,
  type CallHttpOptions,
  type InvocationContextLike,
  type OrchestrationContext,
  type OrchestrationHandler,
  type TaskSet,
} from "./orchestration-context.js";
export { RetryOptions } from "./retry-options.js";
export { AnyTask, Task, TimerTask } from "./tasks.js";
export { EntityId } from "../../core/entity-id.js";
export { RUNTIME_STATUSES, type RuntimeStatus } from "../../core/runtime-status.js";

/** Runtime statuses by name, as DF v3's `df.OrchestrationRuntimeStatus` enum (the values are the same strings). */
export const OrchestrationRuntimeStatus = Object.freeze({
  Running: "Running",
  Completed: "Completed",
  ContinuedAsNew: "ContinuedAsNew",
  Failed: "Failed",
  Terminated: "Terminated",
  Pending: "Pending",
  Suspended: "Suspended",
} as const);
