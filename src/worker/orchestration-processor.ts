/**
 * Turns one orchestration work item into one completion: picks the execution, gets a session (cached or replayed),
 * runs the episode and applies it. All I/O here is reading history; the write is the caller's (group commit).
 * @module
 */
import { isTaskHubUnavailableError, TaskHubError, VersionMismatchError } from "../core/errors.js";
import { toFailureDetails, type FailureDetails } from "../core/failure.js";
import type { ExecutionStarted, HistoryEvent } from "../core/history-event.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { versionMismatch, type WorkerVersioning } from "../core/versioning.js";
import { applyEpisode } from "../orchestration/apply-episode.js";
import type { EpisodeResult } from "../orchestration/episode.js";
import { planRewind } from "../orchestration/rewind.js";
import { OrchestrationSession, type SessionOptions } from "../orchestration/orchestration-session.js";
import type { OrchestrationCompletion, OrchestrationWorkItem, TaskHub } from "../task-hub/task-hub.js";
import type { SessionCache } from "./session-cache.js";
import { systemClock } from "../task-hub/clock.js";
import { poisonFailure, type Quarantine } from "../api/delivery-limit.js";
import { orchestrationTraceContext } from "../tracing/span-ids.js";
import type { StepTrace } from "../tracing/orchestration-spans.js";
import { tracingEnabled } from "../tracing/tracer.js";
import type { WorkerMetrics } from "./worker-metrics.js";
import { REMOTE_WAIT_MS, type RemoteWork } from "./remote-work.js";

/** The result of processing a work item. */
export type ProcessResult =
  | {
      readonly kind: "complete";
      readonly completion: OrchestrationCompletion;
      readonly session?: OrchestrationSession;
      /** The spans to emit once the completion is committed (absent: not traced). */
      readonly trace?: StepTrace;
    }
  /** Nothing can happen yet (events for an instance whose delayed start is not due): retry later. */
  | { readonly kind: "defer"; readonly delayMs: number }
  /**
   * The worker must not run this instance's version and its failure strategy is `Reject`: leave the work item for a
   * compatible worker. `reason` names both versions.
   */
  | { readonly kind: "reject"; readonly reason: string; readonly version: string | undefined };

/** Processes orchestration work items. */
export class OrchestrationProcessor {
  constructor(
    private readonly hub: TaskHub,
    private readonly sessionOptions: SessionOptions,
    private readonly cache: SessionCache,
    /** Reads the hub's clock: the time of each episode (its `OrchestratorStarted` event). */
    private readonly clock: () => number = systemClock.now,
    /** The worker's versioning: which instance versions it runs (`undefined`: all). */
    private readonly versioning?: WorkerVersioning | undefined,
    /** Where episodes, replays and session-cache lookups are recorded. */
    private readonly metrics?: WorkerMetrics | undefined,
    /** Where orchestrators the registry does not have run (SDK workers connected to a sidecar); absent: none. */
    private readonly remote?: RemoteWork | undefined,
  ) {}

  /** True when orchestrations named `name` run on a remote executor (the registry does not have them). */
  runsRemotely(name: string): boolean {
    return this.remote !== undefined && this.sessionOptions.resolve(name) === undefined;
  }

  /**
   * Runs the episode for `item`. Never throws for user-code problems: those become a Failed instance.
   * @param quarantine When set, `item` is poison work (past its `maxDeliveryCount`): no orchestrator code runs (no
   *   replay either), and the step fails the instance with a `PoisonMessageError` (its parent is told, as for any
   *   failure); the completion is marked `quarantined`. Steps that run no orchestrator code anyway (events for a
   *   finished instance, a delayed start not due, a rewind) are processed as usual.
   */
  async process(item: OrchestrationWorkItem, quarantine?: Quarantine): Promise<ProcessResult> {
    const began = performance.now(); // a duration, on the monotonic clock
    const result = await this.processItem(item, quarantine);
    if (result.kind === "complete")
      this.metrics?.episodeRan(result.completion.instance.name, (performance.now() - began) / 1000);
    return result;
  }

  private async processItem(item: OrchestrationWorkItem, quarantine?: Quarantine): Promise<ProcessResult> {
    const now = this.clock();
    const consumed = [...item.messages.map((m) => m.id), ...item.corruptMessages.map((m) => m.id)];
    const start = item.messages.find((m) => m.event.type === "ExecutionStarted")?.event as
      ExecutionStarted | undefined;
    const instance = item.instance;

    if (!start && instance.historyLength === 0 && !isTerminalStatus(instance.status)) {
      // Events arrived before a delayed start is due: keep them until it is.
      const due = instance.scheduledStartAt ?? now + 1000;
      return { kind: "defer", delayMs: Math.max(50, Math.min(1000, due - now)) };
    }
    const rewind = item.messages.find((m) => m.event.type === "ExecutionRewound");
    // A rewound instance is Pending from the client's append on (Failed when the rewind came from its parent).
    const rewinds =
      !start &&
      rewind !== undefined &&
      (instance.status === "Failed" || (instance.status === "Pending" && instance.historyLength > 0));
    const version = start ? start.version : instance.version;
    const mismatch = versionMismatch(version, this.versioning);
    let refused: VersionMismatchError | undefined;
    if (mismatch !== undefined && (start || rewinds || !isTerminalStatus(instance.status))) {
      if (this.versioning!.failureStrategy === "Reject") return { kind: "reject", reason: mismatch, version };
      refused = new VersionMismatchError(
        version,
        this.versioning!.version,
        `Orchestration '${start?.name ?? instance.name}' (instance '${item.instanceId}') cannot run on this ` +
          `worker: ${mismatch}`,
      );
      // A Failed instance stays Failed: the rewind is refused, and its failure says why.
      if (rewinds) {
        const unchanged = this.unchanged(item, consumed, toFailureDetails(refused));
        return {
          kind: "complete",
          completion: { ...unchanged, instance: { ...unchanged.instance, status: "Failed" } },
        };
      }
    }
    if (rewinds && rewind) {
      return { kind: "complete", completion: await this.rewind(item, consumed, rewind) };
    }
    if (!start && isTerminalStatus(instance.status)) {
      // Events for a finished instance: consumed and dropped.
      return { kind: "complete", completion: this.unchanged(item, consumed) };
    }

    const executionId = start?.executionId ?? instance.executionId;
    const events = item.messages
      .filter((m) => m.executionId === undefined || m.executionId === executionId)
      .map((m) => m.event)
      .filter((e) => e !== start);
    const newEvents: HistoryEvent[] = [
      { type: "OrchestratorStarted", timestamp: new Date(now).toISOString() },
      ...(start ? startEvents(start) : []),
      ...events,
    ];

    // An orchestrator the registry does not have runs on a remote executor, once one that takes it is connected.
    const name = start?.name ?? instance.name;
    const remote = !quarantine && !refused && this.runsRemotely(name) ? this.remote : undefined;
    if (remote && !remote.accepts("orchestration", name)) return { kind: "defer", delayMs: REMOTE_WAIT_MS };
    // Nothing new for the execution (only messages for an earlier one): consumed, no code runs.
    if (remote && !start && events.length === 0)
      return { kind: "complete", completion: this.unchanged(item, consumed) };

    // Spans only with a tracer provider registered; stored trace contexts are passed on in any case.
    const tracing = tracingEnabled();
    const { session, startEvent, result, timers } = quarantine
      ? await this.failWithoutCode(item, start, (name) =>
          poisonFailure(`Orchestration '${name}' (instance '${item.instanceId}')`, quarantine),
        )
      : refused
        ? await this.failWithoutCode(item, start, () => toFailureDetails(refused))
        : remote
          ? await this.remoteEpisode(remote, item, start, executionId, name, newEvents)
          : await this.episode(item, start, executionId, newEvents, tracing);
    const parentTraceContext = startEvent?.parentTraceContext;
    const traceContext =
      startEvent && (tracing || parentTraceContext)
        ? (session?.traceContext ??
          orchestrationTraceContext(item.instanceId, executionId, parentTraceContext))
        : undefined;

    const changes = applyEpisode(
      {
        instanceId: item.instanceId,
        executionId,
        name: startEvent?.name ?? instance.name,
        input: startEvent?.input ?? instance.input,
        parent: startEvent?.parent,
        version: startEvent?.version ?? instance.version,
        now,
        newEvents,
        newExecution: start !== undefined,
        parentTraceContext,
        traceContext,
      },
      result,
    );
    const completion: OrchestrationCompletion = {
      workItem: item,
      consumedMessageIds: consumed,
      ...changes,
      ...(quarantine ? { quarantined: true } : {}),
    };
    const keep = session && !result.outcome ? session : undefined;
    if (keep) {
      keep.historyLength = (changes.replaceHistory ? 0 : instance.historyLength) + changes.newHistory.length;
      keep.traceContext = traceContext;
    }
    const trace =
      tracing && traceContext && startEvent && hasSpans(result, timers)
        ? stepTrace(startEvent, executionId, traceContext, now, result, timers)
        : undefined;
    return { kind: "complete", completion, ...(keep ? { session: keep } : {}), ...(trace ? { trace } : {}) };
  }

  /** Runs the orchestrator on `newEvents` (replaying its history unless the cached session is current). */
  private async episode(
    item: OrchestrationWorkItem,
    start: ExecutionStarted | undefined,
    executionId: string,
    newEvents: HistoryEvent[],
    tracing: boolean,
  ): Promise<Episode> {
    const instance = item.instance;
    let session: OrchestrationSession | undefined;
    let startEvent = start;
    let result: EpisodeResult;
    let timers: Episode["timers"];
    try {
      if (item.corruptMessages.length > 0) {
        const first = item.corruptMessages[0]!;
        throw new TaskHubError(
          `Inbox message #${first.id} of instance '${item.instanceId}' is corrupted: ${first.error}`,
        );
      }
      if (start) {
        this.cache.take(item.instanceId);
        session = new OrchestrationSession(this.sessionOptions);
      } else {
        session = this.cache.take(item.instanceId);
        const current =
          session !== undefined &&
          session.historyLength === instance.historyLength &&
          session.executionId === executionId;
        this.metrics?.sessionLookup(instance.name, current);
        if (!session || !current) {
          // Storage errors other than corruption propagate: the caller abandons the item and retries later.
          const history = await this.hub.getHistory(item.instanceId);
          session = new OrchestrationSession(this.sessionOptions);
          await session.replay(history);
        }
        startEvent = session.startEvent;
      }
      if (tracing) timers = firedTimers(session, newEvents);
      result = await session.execute(newEvents);
    } catch (error) {
      // A corrupted inbox message or history fails the instance; a storage fault (a cut connection, a server
      // restarting) is no fault of the orchestration's: it propagates, and the caller abandons the step and retries.
      if (!(error instanceof TaskHubError) || isTaskHubUnavailableError(error)) throw error;
      session = undefined;
      result = failedResult(toFailureDetails(error), instance.customStatus);
    }

    return { session, startEvent, result, ...(timers ? { timers } : {}) };
  }

  /**
   * Runs the episode on a remote executor, which gets the execution's history with the new events (no session is
   * kept here: the executor replays every episode). A corrupted inbox message or history fails the instance, as on
   * the local path; the executor going away or a storage fault propagates (the caller releases or retries the item).
   */
  private async remoteEpisode(
    remote: RemoteWork,
    item: OrchestrationWorkItem,
    start: ExecutionStarted | undefined,
    executionId: string,
    name: string,
    newEvents: HistoryEvent[],
  ): Promise<Episode> {
    this.cache.take(item.instanceId);
    let pastEvents: HistoryEvent[] = [];
    try {
      if (item.corruptMessages.length > 0) {
        const first = item.corruptMessages[0]!;
        throw new TaskHubError(
          `Inbox message #${first.id} of instance '${item.instanceId}' is corrupted: ${first.error}`,
        );
      }
      if (!start) pastEvents = await this.hub.getHistory(item.instanceId);
    } catch (error) {
      if (!(error instanceof TaskHubError) || isTaskHubUnavailableError(error)) throw error;
      return { startEvent: start, result: failedResult(toFailureDetails(error), item.instance.customStatus) };
    }
    const startEvent = start ?? pastEvents.find((e): e is ExecutionStarted => e.type === "ExecutionStarted");
    const result = await remote.executeOrchestration({
      instanceId: item.instanceId,
      executionId,
      name,
      instance: item.instance,
      pastEvents,
      newEvents,
      lockExpiresAt: item.lockExpiresAt,
    });
    return { startEvent, result, timers: timersOfHistory(pastEvents, newEvents) };
  }

  /**
   * A step that fails the instance without running (or replaying) orchestrator code: a quarantined one, or one of a
   * version this worker must not run. `failure` is given the orchestration's name.
   */
  private async failWithoutCode(
    item: OrchestrationWorkItem,
    start: ExecutionStarted | undefined,
    failure: (name: string) => FailureDetails,
  ): Promise<Episode> {
    this.cache.take(item.instanceId);
    // The parent to tell comes from the recorded start, read as data.
    const startEvent =
      start ??
      (await this.hub.getHistory(item.instanceId)).find(
        (e): e is ExecutionStarted => e.type === "ExecutionStarted",
      );
    const name = startEvent?.name ?? item.instance.name;
    return { startEvent, result: failedResult(failure(name), item.instance.customStatus) };
  }

  /**
   * Rewinds a Failed instance (see `planRewind`); a self-addressed `ExecutionRewound` wakes the new episode. The other
   * messages of the step (events raised while the rewind waited: the instance is Pending from the rewind's append on)
   * are sent to it again, after that wake-up, so the rewound run gets them.
   */
  private async rewind(
    item: OrchestrationWorkItem,
    consumed: number[],
    rewind: OrchestrationWorkItem["messages"][number],
  ): Promise<OrchestrationCompletion> {
    const event = rewind.event;
    const { instanceId, instance } = item;
    const executionId = instance.executionId;
    this.cache.take(instanceId);
    const plan = planRewind(await this.hub.getHistory(instanceId), instanceId, executionId);
    const timestamp = new Date(this.clock()).toISOString();
    return {
      ...this.unchanged(item, consumed),
      replaceHistory: true,
      newHistory: plan.history,
      instance: {
        status: "Running",
        executionId,
        name: instance.name,
        input: instance.input,
        customStatus: instance.customStatus,
      },
      activities: plan.activities,
      messages: [
        { instanceId, executionId, event },
        ...plan.redeliver.map((e) => ({ instanceId, executionId, event: e })),
        ...item.messages
          .filter((m) => m !== rewind && m.event.type !== "ExecutionRewound")
          .map((m) => ({
            instanceId,
            ...(m.executionId !== undefined ? { executionId: m.executionId } : {}),
            event: m.event,
          })),
        ...plan.children.map((child) => ({
          instanceId: child,
          event: {
            type: "ExecutionRewound" as const,
            timestamp,
            reason: `parent '${instanceId}' was rewound`,
          },
        })),
      ],
    };
  }

  /**
   * A completion that consumes the messages and changes nothing else (events for a finished instance), but the
   * failure when `failure` is given.
   */
  private unchanged(
    item: OrchestrationWorkItem,
    consumed: number[],
    failure?: FailureDetails,
  ): OrchestrationCompletion {
    const i = item.instance;
    return {
      workItem: item,
      consumedMessageIds: consumed,
      replaceHistory: false,
      newHistory: [],
      instance: {
        status: i.status,
        executionId: i.executionId,
        name: i.name,
        input: i.input,
        output: i.output,
        failure: failure ?? i.failure,
        customStatus: i.customStatus,
        completedAt: i.completedAt,
      },
      activities: [],
      messages: [],
      newInstances: [],
    };
  }
}

/** What an episode ran (or, for a quarantined step, would have). */
interface Episode {
  /** The session to cache: absent when it cannot go on (corrupted storage, quarantine). */
  readonly session?: OrchestrationSession | undefined;
  readonly startEvent: ExecutionStarted | undefined;
  readonly result: EpisodeResult;
  /** With tracing: the timers the episode's events fire, with their creation times. */
  readonly timers?: StepTrace["timers"] | undefined;
}

/** The open timers `events` fire, read from the session before it applies them. */
function firedTimers(session: OrchestrationSession, events: readonly HistoryEvent[]): StepTrace["timers"] {
  const timers: { id: number; createdAt: number; fireAt: string }[] = [];
  for (const event of events) {
    if (event.type !== "TimerFired") continue;
    const createdAt = session.scheduledAt(event.timerId);
    if (createdAt) timers.push({ id: event.timerId, createdAt: createdAt.getTime(), fireAt: event.fireAt });
  }
  return timers;
}

/** True when a step has spans to emit: it ended the execution, saw timers fire or sent events (most steps do not). */
function hasSpans(result: EpisodeResult, timers: StepTrace["timers"] | undefined): boolean {
  return (
    result.outcome !== undefined ||
    (timers !== undefined && timers.length > 0) ||
    result.actions.some((action) => action.type === "SendEvent")
  );
}

/** The timers `events` fire, with their creation times read from the recorded `TimerCreated` events. */
function timersOfHistory(
  history: readonly HistoryEvent[],
  events: readonly HistoryEvent[],
): StepTrace["timers"] {
  const timers: { id: number; createdAt: number; fireAt: string }[] = [];
  for (const event of events) {
    if (event.type !== "TimerFired") continue;
    const created = history.find((e) => e.type === "TimerCreated" && e.eventId === event.timerId);
    if (created)
      timers.push({ id: event.timerId, createdAt: Date.parse(created.timestamp), fireAt: event.fireAt });
  }
  return timers;
}

/** What a traced step shows (see `emitStepSpans`). */
function stepTrace(
  start: ExecutionStarted,
  executionId: string,
  orchestration: StepTrace["orchestration"],
  now: number,
  result: EpisodeResult,
  timers: StepTrace["timers"] | undefined,
): StepTrace {
  const outcome = result.outcome;
  const eventsSent: { id: number; name: string; instanceId: string }[] = [];
  for (const action of result.actions)
    if (action.type === "SendEvent")
      eventsSent.push({ id: action.id, name: action.name, instanceId: action.instanceId });
  return {
    instanceId: start.instanceId,
    executionId,
    name: start.name,
    version: start.version,
    orchestration,
    parent: start.parentTraceContext,
    startedAt: Date.parse(start.timestamp),
    now,
    ended: outcome
      ? { status: outcome.status, ...(outcome.status === "Failed" ? { failure: outcome.failure } : {}) }
      : undefined,
    timers: timers ?? [],
    eventsSent,
  };
}

/** A new execution's start followed by the events carried over from the previous one. */
function startEvents(start: ExecutionStarted): HistoryEvent[] {
  const { carryoverEvents, ...recorded } = start;
  return [recorded, ...(carryoverEvents ?? [])];
}

function failedResult(failure: FailureDetails, customStatus: string | undefined): EpisodeResult {
  return { actions: [], customStatus, suspended: false, outcome: { status: "Failed", failure } };
}
