/**
 * Instance rows computed without a read: a new instance's, and the one an orchestration step's commit leaves (what
 * backends put in the in-process notice of a finished instance, what a worker continues from when it keeps the lease).
 * @module
 */
import type { SubOrchestrationInstanceFailed } from "../core/history-event.js";
import type {
  InstanceRecord,
  NewInboxMessage,
  NewInstance,
  OrchestrationCompletion,
} from "../core/records.js";

/** The row `request` creates at `now`: Pending, empty history, scheduled when its start is due later. */
export function pendingInstance(request: NewInstance, now: number): InstanceRecord {
  const { event, visibleAt } = request;
  return {
    instanceId: event.instanceId,
    name: event.name,
    executionId: event.executionId,
    status: "Pending",
    input: event.input,
    createdAt: now,
    lastUpdatedAt: now,
    scheduledStartAt: visibleAt !== undefined && visibleAt > now ? visibleAt : undefined,
    parentInstanceId: event.parent?.instanceId,
    version: event.version,
    ...(event.tags !== undefined && Object.keys(event.tags).length > 0 ? { tags: event.tags } : {}),
    historyLength: 0,
  };
}

/**
 * The instance after `completion` committed, given the length of its stored history before the step and the commit's
 * time.
 */
export function instanceAfterStep(
  completion: OrchestrationCompletion,
  storedLength: number,
  now: number,
): InstanceRecord {
  const s = completion.instance;
  const base = completion.replaceHistory ? 0 : storedLength;
  return {
    ...completion.workItem.instance,
    name: s.name,
    executionId: s.executionId,
    status: s.status,
    input: s.input,
    output: s.output,
    failure: s.failure,
    customStatus: s.customStatus,
    completedAt: s.completedAt,
    version: s.version ?? completion.workItem.instance.version,
    lastUpdatedAt: now,
    historyLength: base + completion.newHistory.length,
  };
}

/**
 * The message a parent gets, at `now`, when its sub-orchestration `request` was refused because an active instance
 * (in `status`) holds the ID: a `SubOrchestrationInstanceFailed` with an `InstanceAlreadyExistsError` failure.
 */
export function refusedSubOrchestration(
  request: NewInstance,
  status: string,
  parent: NonNullable<NewInstance["event"]["parent"]>,
  now: number,
): NewInboxMessage {
  const failed: SubOrchestrationInstanceFailed = {
    type: "SubOrchestrationInstanceFailed",
    timestamp: new Date(now).toISOString(),
    taskScheduledId: parent.taskScheduledId,
    failure: {
      errorType: "InstanceAlreadyExistsError",
      message:
        `An orchestration instance with ID '${request.event.instanceId}' already exists and is ${status}; ` +
        `the sub-orchestration could not be started.`,
    },
  };
  return { instanceId: parent.instanceId, executionId: parent.executionId, event: failed, visibleAt: now };
}
