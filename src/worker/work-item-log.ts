/**
 * The fields of the worker's log lines about work items: `instanceId`, `executionId` and `name` (the orchestration's)
 * on every line about an instance; activity lines add `activity` (its name), `attempt` (the retry policy's, 1 first)
 * and `taskId`. Lease takeovers are `warn` lines with `errorType` `LeaseExpired`.
 * @module
 */
import type { LogFields, Logger } from "../core/logger.js";
import type { ActivityWorkItem, OrchestrationWorkItem, TaskHub } from "../task-hub/task-hub.js";

/** The fields of lines about an orchestration (or entity) work item. */
export function instanceFields(item: OrchestrationWorkItem): LogFields {
  return {
    instanceId: item.instanceId,
    executionId: item.instance.executionId,
    name: item.instance.name,
  };
}

/** The fields of lines about an activity work item; `name` is its orchestration's, when known. */
export function activityFields(item: ActivityWorkItem, name: string | undefined): LogFields {
  return {
    instanceId: item.instanceId,
    executionId: item.executionId,
    ...(name !== undefined ? { name } : {}),
    activity: item.name,
    attempt: item.attempt,
    taskId: item.taskId,
  };
}

/**
 * The name of the orchestration an activity belongs to, read from the hub (activity messages do not carry it); for
 * the rare lines about an activity (failures, takeovers). `undefined` when it cannot be read.
 */
export async function orchestrationNameOf(hub: TaskHub, instanceId: string): Promise<string | undefined> {
  try {
    return (await hub.getInstance(instanceId))?.name;
  } catch {
    return undefined;
  }
}

/** Logs that `item`'s claim took over the expired lease of another worker (when it did). */
export function logTakeover(
  log: Logger,
  kind: "instance" | "activity",
  item: { readonly takenOverFrom?: string | undefined },
  workerId: string,
): void {
  if (item.takenOverFrom === undefined) return;
  log.warn(
    `Took over the ${kind}'s lease from worker ${item.takenOverFrom}: its lease expired without being released`,
    {
      workerId,
      previousWorkerId: item.takenOverFrom,
      errorType: "LeaseExpired",
      errorMessage: `The lease held by worker ${item.takenOverFrom} expired without being released.`,
    },
  );
}
