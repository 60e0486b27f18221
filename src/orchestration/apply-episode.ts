/**
 * The second pure step: turns an episode's result into the new history events, the instance's new state and the
 * outgoing messages (activities, timers, sub-orchestration starts, events, a result for the parent).
 * @module
 */
import { timeoutsOf } from "../api/activity-timeouts.js";
import type { FailureDetails } from "../core/failure.js";
import { assertNever, type HistoryEvent, type ParentInstanceInfo } from "../core/history-event.js";
import { serialize } from "../core/json.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceUpdate, NewActivityMessage, NewInboxMessage, NewInstance } from "../core/records.js";
import type { TraceContext } from "../core/trace-context.js";
import { entityCreation, entityMessage, releaseMessages } from "./entity-messages.js";
import type { EpisodeResult } from "./episode.js";
import { uuidV5 } from "./new-guid.js";

/** What the engine knows about the execution the episode ran in. */
export interface EpisodeInput {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly input?: string | undefined;
  readonly parent?: ParentInstanceInfo | undefined;
  readonly version?: string | undefined;
  /** The episode's time: the `OrchestratorStarted` timestamp, epoch ms. */
  readonly now: number;
  /** The new events the executor consumed, starting with `OrchestratorStarted`. */
  readonly newEvents: readonly HistoryEvent[];
  /** True when this episode starts a new execution (history is replaced). */
  readonly newExecution: boolean;
  /** The execution's own `parentTraceContext` (from its `ExecutionStarted`): the next execution keeps it. */
  readonly parentTraceContext?: TraceContext | undefined;
  /**
   * The trace context of the execution's orchestration span, given by the worker when it traces: recorded as the
   * `parentTraceContext` of each task the episode schedules and sent with it (absent: nothing is recorded).
   */
  readonly traceContext?: TraceContext | undefined;
}

/** Everything the episode changes, ready for `TaskHub.completeOrchestrationWorkItems`. */
export interface EpisodeChanges {
  readonly replaceHistory: boolean;
  readonly newHistory: HistoryEvent[];
  readonly instance: InstanceUpdate;
  readonly activities: NewActivityMessage[];
  readonly messages: NewInboxMessage[];
  readonly newInstances: NewInstance[];
}

/** Applies an episode's result. Pure: the same arguments give the same changes. */
export function applyEpisode(episode: EpisodeInput, result: EpisodeResult): EpisodeChanges {
  const timestamp = new Date(episode.now).toISOString();
  const { instanceId, executionId } = episode;
  const history: HistoryEvent[] = [...episode.newEvents];
  const activities: NewActivityMessage[] = [];
  const messages: NewInboxMessage[] = [];
  const newInstances: NewInstance[] = [];
  const entities = new Set<string>();
  const traceContext = episode.traceContext;
  const traced = traceContext ? { parentTraceContext: traceContext } : {};
  const patches = [...(result.patches ?? [])];
  /** Records the patch markers taken before task `position` (all of them with `Infinity`). */
  const marksBefore = (position: number): void => {
    while (patches.length > 0 && patches[0]!.position <= position) {
      const { patchId, position: at } = patches.shift()!;
      history.push({ type: "PatchMarkerRecorded", timestamp, patchId, position: at });
    }
  };

  for (const action of result.actions) {
    marksBefore(action.id);
    switch (action.type) {
      case "ScheduleTask":
        history.push({
          type: "TaskScheduled",
          timestamp,
          eventId: action.id,
          name: action.name,
          input: action.input,
          ...(action.attempt > 1 ? { attempt: action.attempt, firstAttemptId: action.firstAttemptId } : {}),
          ...timeoutsOf(action),
          ...traced,
        });
        activities.push({
          instanceId,
          executionId,
          taskId: action.id,
          name: action.name,
          input: action.input,
          attempt: action.attempt,
          idempotencyKey: `${instanceId}:${executionId}:${action.firstAttemptId}`,
          ...timeoutsOf(action),
          ...traced,
        });
        break;
      case "CreateTimer":
        history.push({ type: "TimerCreated", timestamp, eventId: action.id, fireAt: action.fireAt });
        messages.push({
          instanceId,
          executionId,
          event: { type: "TimerFired", timestamp: action.fireAt, timerId: action.id, fireAt: action.fireAt },
          visibleAt: Date.parse(action.fireAt),
        });
        break;
      case "CreateSubOrchestration": {
        const version = childVersion(action.version, episode.version);
        history.push({
          type: "SubOrchestrationInstanceCreated",
          timestamp,
          eventId: action.id,
          name: action.name,
          instanceId: action.instanceId,
          input: action.input,
          ...(version !== undefined ? { version } : {}),
          ...traced,
        });
        newInstances.push({
          event: {
            type: "ExecutionStarted",
            timestamp,
            name: action.name,
            instanceId: action.instanceId,
            executionId: uuidV5(`${instanceId}:${executionId}:${action.id}`),
            input: action.input,
            parent: { instanceId, executionId, name: episode.name, taskScheduledId: action.id },
            version,
            ...traced,
          },
        });
        break;
      }
      case "SendEvent":
        history.push({
          type: "EventSent",
          timestamp,
          eventId: action.id,
          instanceId: action.instanceId,
          name: action.name,
          input: action.input,
        });
        messages.push({
          instanceId: action.instanceId,
          event: { type: "EventRaised", timestamp, name: action.name, input: action.input },
        });
        break;
      case "CallEntity":
      case "SignalEntity":
      case "LockEntities":
      case "UnlockEntity": {
        const sent = entityMessage(action, instanceId, executionId, timestamp, traceContext);
        history.push(sent.event);
        messages.push(sent);
        if (action.type !== "UnlockEntity" && !entities.has(sent.instanceId)) {
          entities.add(sent.instanceId);
          newInstances.push(entityCreation(sent.instanceId, timestamp));
        }
        break;
      }
      default:
        assertNever(action, "action");
    }
  }
  marksBefore(Number.POSITIVE_INFINITY);
  if (result.outcome && result.locksToRelease)
    messages.push(...releaseMessages(result.locksToRelease, instanceId, timestamp));

  const base = {
    executionId,
    name: episode.name,
    input: episode.input,
    customStatus: result.customStatus,
    // A new execution's version goes on the row (continue-as-new may change it); other steps leave it as it is.
    ...(episode.newExecution && episode.version !== undefined ? { version: episode.version } : {}),
  };
  const outcome = result.outcome;
  let instance: InstanceUpdate;
  let replaceHistory = episode.newExecution;

  if (!outcome) {
    const status: RuntimeStatus = result.suspended ? "Suspended" : "Running";
    instance = { ...base, status };
  } else if (outcome.status === "ContinuedAsNew") {
    // The history of this execution is discarded; the next one starts from an ExecutionStarted in the inbox.
    replaceHistory = true;
    history.length = 0;
    const nextExecutionId = uuidV5(`${instanceId}:${executionId}:continue`);
    messages.push({
      instanceId,
      event: {
        type: "ExecutionStarted",
        timestamp,
        name: episode.name,
        instanceId,
        executionId: nextExecutionId,
        input: outcome.input,
        parent: episode.parent,
        version: outcome.version ?? episode.version,
        // Carried inside the start message so that they stay ahead of events that arrive meanwhile.
        ...(outcome.carryoverEvents.length > 0 ? { carryoverEvents: [...outcome.carryoverEvents] } : {}),
        // The next execution is another span under the same parent (the request that started the first one).
        ...(episode.parentTraceContext ? { parentTraceContext: episode.parentTraceContext } : {}),
      },
    });
    instance = { ...base, input: outcome.input, status: "ContinuedAsNew" };
  } else {
    let output: string | undefined;
    let failure: FailureDetails | undefined;
    if (outcome.status === "Completed") output = outcome.result;
    else if (outcome.status === "Failed") failure = outcome.failure;
    else output = serialize(outcome.reason ?? "", "Termination reason");
    history.push({ type: "ExecutionCompleted", timestamp, status: outcome.status, result: output, failure });
    instance = { ...base, status: outcome.status, output, failure, completedAt: episode.now };
    if (episode.parent)
      messages.push(resultForParent(episode.parent, timestamp, outcome.status, output, failure));
    // A recursive termination goes on to the running children (and from each, to its own): the whole tree.
    if (outcome.status === "Terminated")
      for (const child of outcome.children ?? [])
        messages.push({
          instanceId: child,
          event: { type: "ExecutionTerminated", timestamp, reason: outcome.reason, recursive: true },
        });
  }
  if (!(outcome?.status === "ContinuedAsNew")) history.push({ type: "OrchestratorCompleted", timestamp });
  return { replaceHistory, newHistory: history, instance, activities, messages, newInstances };
}

/** A child's version: the one its call gave (`""`: none), else its parent's. */
function childVersion(given: string | undefined, parent: string | undefined): string | undefined {
  const version = given ?? parent;
  return version === "" ? undefined : version;
}

function resultForParent(
  parent: ParentInstanceInfo,
  timestamp: string,
  status: "Completed" | "Failed" | "Terminated",
  output: string | undefined,
  failure: FailureDetails | undefined,
): NewInboxMessage {
  const taskScheduledId = parent.taskScheduledId;
  const event: HistoryEvent =
    status === "Completed"
      ? { type: "SubOrchestrationInstanceCompleted", timestamp, taskScheduledId, result: output }
      : {
          type: "SubOrchestrationInstanceFailed",
          timestamp,
          taskScheduledId,
          failure: failure ?? {
            errorType: "OrchestrationTerminated",
            message: `The sub-orchestration was terminated: ${output ?? ""}`,
          },
        };
  return { instanceId: parent.instanceId, executionId: parent.executionId, event };
}
