/**
 * The worker's remote work (`RemoteWork`) carried out by the SDK workers connected to the sidecar: an episode, an
 * activity attempt or an entity batch becomes a `WorkItem` on a stream, its completion the episode's result, the
 * activity's outcome or the batch's outcome.
 * @module
 */
import { trace } from "@opentelemetry/api";
import type { ExecutionStarted, TaskCompleted, TaskFailed } from "../core/history-event.js";
import { traceContextOf } from "../tracing/span-context.js";
import { orchestrationTraceContext } from "../tracing/span-ids.js";
import { tracingEnabled } from "../tracing/tracer.js";
import { parseTraceParent } from "../core/trace-context.js";
import type { ActivityWorkItem } from "../core/records.js";
import type { EpisodeResult } from "../orchestration/episode.js";
import {
  tracedOperationOf,
  type EntityBatchOutcome,
  type EntityBatchRequest,
} from "../entities/entity-batch.js";
import { traceEntityOperation } from "../tracing/entity-spans.js";
import type { Clock } from "../task-hub/clock.js";
import type { RemoteEpisodeRequest, RemoteWork, RemoteWorkKind } from "../worker/remote-work.js";
import { fromTaskFailureDetails } from "./failure-details.js";
import { toWireHistoryEvent } from "./history-events.js";
import type {
  ActivityResponse,
  EntityBatchResult,
  OrchestrationTraceContext,
  OrchestratorResponse,
} from "./messages.js";
import { entityKey, entityOutcomeOf, toEntityBatchRequest } from "./entity-batches.js";
import { toTimestamp, toWireTraceContext } from "./wire-values.js";
import { episodeOfResponse } from "./orchestrator-response.js";
import { WorkItemStreams } from "./work-item-streams.js";

/** The key a completion without a token is matched by: the instance (orchestrations) or the instance's task. */
export const orchestrationKey = (instanceId: string): string => `o:${instanceId}`;
/** See {@link orchestrationKey}. */
export const activityKey = (instanceId: string, taskId: number): string => `a:${instanceId}:${taskId}`;

/** Remote work on the sidecar's streams. */
export class SidecarRemoteWork implements RemoteWork {
  /** The connected SDK workers' streams. */
  readonly streams: WorkItemStreams;

  /**
   * @param clock The hub's clock.
   * @param options.healthPingMs How often each stream gets a keep-alive `healthPing` (default 30 s).
   */
  constructor(
    private readonly clock: Clock,
    options: { readonly healthPingMs?: number | undefined } = {},
  ) {
    this.streams = new WorkItemStreams(clock, options.healthPingMs);
  }

  accepts(kind: RemoteWorkKind, name: string): boolean {
    return this.streams.accepts(kind, name);
  }

  onExecutorConnected(listener: () => void): () => void {
    return this.streams.onConnected(listener);
  }

  async executeOrchestration(request: RemoteEpisodeRequest): Promise<EpisodeResult> {
    const response = await this.streams.dispatch<OrchestratorResponse>(
      "orchestration",
      request.name,
      (completionToken) => ({
        completionToken,
        orchestratorRequest: {
          instanceId: request.instanceId,
          executionId: { value: request.executionId },
          pastEvents: request.pastEvents.map(toWireHistoryEvent),
          newEvents: request.newEvents.map(toWireHistoryEvent),
          orchestrationTraceContext: orchestrationSpanOf(request),
        },
      }),
      { fallbackKey: orchestrationKey(request.instanceId), expiresAt: request.lockExpiresAt },
    );
    return episodeOfResponse(request, response);
  }

  async executeActivity(item: ActivityWorkItem, signal: AbortSignal): Promise<TaskCompleted | TaskFailed> {
    // The SDK's spans for the attempt are children of the attempt's span (active here when traced), else of the
    // orchestration span that scheduled it.
    const active = trace.getActiveSpan();
    const parent = (active && traceContextOf(active)) ?? item.parentTraceContext;
    const response = await this.streams.dispatch<ActivityResponse>(
      "activity",
      item.name,
      (completionToken) => ({
        completionToken,
        activityRequest: {
          name: item.name,
          input: item.input === undefined ? null : { value: item.input },
          orchestrationInstance: { instanceId: item.instanceId, executionId: { value: item.executionId } },
          taskId: item.taskId,
          ...(parent ? { parentTraceContext: toWireTraceContext(parent) } : {}),
        },
      }),
      { fallbackKey: activityKey(item.instanceId, item.taskId), signal },
    );
    const timestamp = new Date(this.clock.now()).toISOString();
    return response.failureDetails
      ? {
          type: "TaskFailed",
          timestamp,
          taskScheduledId: item.taskId,
          failure: fromTaskFailureDetails(response.failureDetails),
        }
      : {
          type: "TaskCompleted",
          timestamp,
          taskScheduledId: item.taskId,
          ...(response.result && response.result.value !== "" ? { result: response.result.value } : {}),
        };
  }

  async executeEntityBatch(request: EntityBatchRequest): Promise<EntityBatchOutcome> {
    const outcome = this.streams
      .dispatch<EntityBatchResult>(
        "entity",
        request.entityId.name,
        (completionToken) => ({ completionToken, entityRequest: toEntityBatchRequest(request) }),
        { fallbackKey: entityKey(request.entityId.toString()), expiresAt: request.lockExpiresAt },
      )
      .then((result) => entityOutcomeOf(request, result));
    // A span per operation, over the batch's run on the SDK worker (the SDK reports the batch, not each operation).
    await Promise.allSettled(
      request.operations.map((operation, i) =>
        traceEntityOperation(tracedOperationOf(request, operation), async () => {
          const result = (await outcome).results[i];
          return result && !result.ok ? result.failure : undefined;
        }),
      ),
    );
    return outcome;
  }

  /** Ends the streams and gives every pending dispatch up (the worker releases their work items). */
  close(): void {
    this.streams.close();
  }
}

/**
 * The execution's orchestration span as the protocol's `OrchestrationTraceContext` (its span ID, derived from the
 * instance and execution as Taskhub's own spans are, and the execution's start): the SDK records it on the span of
 * each episode it runs, so that its spans name the one orchestration span of the execution. `null` when not traced.
 */
function orchestrationSpanOf(request: RemoteEpisodeRequest): OrchestrationTraceContext | null {
  const start = [...request.newEvents, ...request.pastEvents].find(
    (e): e is ExecutionStarted => e.type === "ExecutionStarted",
  );
  if (!start || (!start.parentTraceContext && !tracingEnabled())) return null;
  const span = parseTraceParent(
    orchestrationTraceContext(request.instanceId, request.executionId, start.parentTraceContext).traceParent,
  );
  return span ? { spanID: { value: span.spanId }, spanStartTime: toTimestamp(start.timestamp) } : null;
}
