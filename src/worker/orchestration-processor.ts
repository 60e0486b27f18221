/**
 * Turns one orchestration work item into one completion: picks the execution, gets a session (cached or replayed),
 * runs the episode and applies it. All I/O here is reading history; the write is the caller's (group commit).
 * @module
 */
import { TaskHubError, VersionMismatchError } from "../core/errors.js";
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

/** The result of processing a work item. */
export type ProcessResult =
  | {
      readonly kind: "complete";
      readonly completion: OrchestrationCompletion;
      readonly session?: OrchestrationSession;
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
  ) {}

  /** Runs the episode for `item`. Never throws for user-code problems: those become a Failed instance. */
  async process(item: OrchestrationWorkItem): Promise<ProcessResult> {
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
    const rewinds = !start && rewind !== undefined && instance.status === "Failed";
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
      if (rewinds)
        return { kind: "complete", completion: this.unchanged(item, consumed, toFailureDetails(refused)) };
    }
    if (rewinds && rewind) {
      return { kind: "complete", completion: await this.rewind(item, consumed, rewind.event) };
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

    let session: OrchestrationSession | undefined;
    let startEvent = start;
    let result: EpisodeResult;
    try {
      if (refused) {
        // The instance fails without running any code; its parent (if any) is told, from its ExecutionStarted.
        this.cache.take(item.instanceId);
        startEvent ??= (await this.hub.getHistory(item.instanceId)).find(
          (e): e is ExecutionStarted => e.type === "ExecutionStarted",
        );
        throw refused;
      }
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
        if (
          !session ||
          session.historyLength !== instance.historyLength ||
          session.executionId !== executionId
        ) {
          // Storage errors other than corruption propagate: the caller abandons the item and retries later.
          const history = await this.hub.getHistory(item.instanceId);
          session = new OrchestrationSession(this.sessionOptions);
          await session.replay(history);
        }
        startEvent = session.startEvent;
      }
      result = await session.execute(newEvents);
    } catch (error) {
      if (!(error instanceof TaskHubError) && error !== refused) throw error;
      session = undefined;
      result = failedResult(toFailureDetails(error), instance.customStatus);
    }

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
      },
      result,
    );
    const completion: OrchestrationCompletion = { workItem: item, consumedMessageIds: consumed, ...changes };
    const keep = session && !result.outcome ? session : undefined;
    if (keep)
      keep.historyLength = (changes.replaceHistory ? 0 : instance.historyLength) + changes.newHistory.length;
    return { kind: "complete", completion, ...(keep ? { session: keep } : {}) };
  }

  /** Rewinds a Failed instance (see `planRewind`); a self-addressed `ExecutionRewound` wakes the new episode. */
  private async rewind(
    item: OrchestrationWorkItem,
    consumed: number[],
    event: HistoryEvent,
  ): Promise<OrchestrationCompletion> {
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

/** A new execution's start followed by the events carried over from the previous one. */
function startEvents(start: ExecutionStarted): HistoryEvent[] {
  const { carryoverEvents, ...recorded } = start;
  return [recorded, ...(carryoverEvents ?? [])];
}

function failedResult(failure: FailureDetails, customStatus: string | undefined): EpisodeResult {
  return { actions: [], customStatus, suspended: false, outcome: { status: "Failed", failure } };
}
