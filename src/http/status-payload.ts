/**
 * The status object of the management API, in Durable Functions' exact shape (`StatusResponsePayload`):
 * `{ name, instanceId, runtimeStatus, input, customStatus, output, createdTime, lastUpdatedTime, historyEvents? }`,
 * plus `version` (Taskhub's; camelCase like the rest) for an instance that has one, `scheduledStartTime` for one
 * started with a delayed start, and `tags` (as in the Durable Task Scheduler's status) for one started with tags.
 * @module
 */
import type { OrchestrationStatus } from "../client/orchestration-status.js";
import { describeFailure } from "../core/failure.js";
import type { HistoryEvent } from "../core/history-event.js";
import { toHistoryEventsPayload } from "./history-events.js";

/** The JSON status object of one instance. */
export interface StatusPayload {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: string;
  readonly input: unknown;
  readonly customStatus: unknown;
  readonly output: unknown;
  /** `yyyy-MM-ddTHH:mm:ssZ` (second precision, as Durable Functions formats it). */
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  /** When a delayed start was due (same format); absent for an instance started at once. */
  readonly scheduledStartTime?: string;
  /** The instance's version; absent when it has none (as in Durable Functions' payload, which has no such field). */
  readonly version?: string;
  /** The instance's tags; absent when it has none. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly historyEvents?: readonly Record<string, unknown>[];
}

/** Formats a time as Durable Functions does: `ToString("s") + "Z"`, i.e. second precision in UTC. */
export function formatStatusTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/**
 * The output shown for an instance: the result when Completed, the reason when Terminated, and for a Failed instance
 * the failure as one line (`Orchestrator function 'X' failed: TypeError: ...`), never its stack trace.
 */
export function statusOutput(status: OrchestrationStatus): unknown {
  if (status.runtimeStatus === "Failed" && status.failureDetails)
    return `Orchestrator function '${status.name}' failed: ${describeFailure(status.failureDetails)}`;
  return status.output ?? null;
}

/** Options of {@link toStatusPayload}. */
export interface StatusPayloadOptions {
  /** Include `historyEvents` built from this history (omitted for Pending instances, as Durable Functions does). */
  readonly history?: readonly HistoryEvent[] | undefined;
  /** Include results in history events (`showHistoryOutput`). */
  readonly showHistoryOutput?: boolean;
}

/** Builds the status object of `status`. */
export function toStatusPayload(
  status: OrchestrationStatus,
  options: StatusPayloadOptions = {},
): StatusPayload {
  const payload: StatusPayload = {
    name: status.name,
    instanceId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    input: status.input ?? null,
    customStatus: status.customStatus ?? null,
    output: statusOutput(status),
    createdTime: formatStatusTime(status.createdTime),
    lastUpdatedTime: formatStatusTime(status.lastUpdatedTime),
    ...(status.scheduledStartTime !== undefined
      ? { scheduledStartTime: formatStatusTime(status.scheduledStartTime) }
      : {}),
    ...(status.version !== undefined ? { version: status.version } : {}),
    ...(status.tags !== undefined ? { tags: status.tags } : {}),
  };
  if (!options.history || status.runtimeStatus === "Pending") return payload;
  return {
    ...payload,
    historyEvents: toHistoryEventsPayload(options.history, {
      showHistoryOutput: options.showHistoryOutput ?? false,
    }),
  };
}

/** Options of {@link statusResponse}. */
export interface StatusResponseOptions extends StatusPayloadOptions {
  /** The request URL, sent back as `Location` while the instance runs. */
  readonly location: string;
  /** Answer 500 instead of 200 for a Failed instance. */
  readonly returnInternalServerErrorOnFailure?: boolean;
}

/**
 * The response of `GET /instances/{id}` for a known instance: 202 with `Location` and `Retry-After: 5` while
 * Pending, Running, ContinuedAsNew or Suspended; 200 when Completed, Terminated or Failed (500 for Failed with
 * `returnInternalServerErrorOnFailure`).
 */
export function statusResponse(status: OrchestrationStatus, options: StatusResponseOptions): Response {
  const body = JSON.stringify(toStatusPayload(status, options));
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  let code = 200;
  switch (status.runtimeStatus) {
    case "Pending":
    case "Running":
    case "ContinuedAsNew":
    case "Suspended":
      code = 202;
      headers.location = options.location;
      headers["retry-after"] = "5";
      break;
    case "Failed":
      code = options.returnInternalServerErrorOnFailure ? 500 : 200;
      break;
    case "Completed":
    case "Terminated":
      break;
  }
  return new Response(body, { status: code, headers });
}
