/**
 * The status of an orchestration instance as the client reports it.
 * @module
 */
import type { FailureDetails } from "../core/failure.js";
import type { HistoryEvent } from "../core/history-event.js";
import { deserialize } from "../core/json.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceRecord } from "../core/records.js";

/** What `client.getStatus` returns. */
export interface OrchestrationStatus<O = unknown> {
  readonly instanceId: string;
  /** Orchestrator name. */
  readonly name: string;
  readonly runtimeStatus: RuntimeStatus;
  /** The input (omitted with `showInput: false`). */
  readonly input?: unknown;
  /** The result, when Completed; the reason, when Terminated. */
  readonly output?: O | undefined;
  /** What went wrong, when Failed. */
  readonly failureDetails?: FailureDetails | undefined;
  /** The value last passed to `ctx.setCustomStatus`. */
  readonly customStatus?: unknown;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  /** When a delayed start (`startNew`'s `startAt`) was due; absent for an instance started at once. */
  readonly scheduledStartTime?: Date | undefined;
  /** The version stamped on the instance (its current execution's); absent when it has none. */
  readonly version?: string | undefined;
  /** The tags the instance was started with; absent when it has none. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Present with `showHistory: true`. */
  readonly history?: readonly HistoryEvent[] | undefined;
}

/** Builds an {@link OrchestrationStatus} from a stored instance row. */
export function toOrchestrationStatus(
  record: InstanceRecord,
  options: { readonly showInput: boolean; readonly history?: readonly HistoryEvent[] | undefined },
): OrchestrationStatus {
  return {
    instanceId: record.instanceId,
    name: record.name,
    runtimeStatus: record.status,
    ...(options.showInput ? { input: deserialize(record.input, "Instance input") } : {}),
    output: deserialize(record.output, "Instance output"),
    failureDetails: record.failure,
    customStatus: deserialize(record.customStatus, "Custom status"),
    createdTime: new Date(record.createdAt),
    lastUpdatedTime: new Date(record.lastUpdatedAt),
    ...(record.scheduledStartAt !== undefined
      ? { scheduledStartTime: new Date(record.scheduledStartAt) }
      : {}),
    ...(record.version !== undefined && record.version !== "" ? { version: record.version } : {}),
    ...(record.tags !== undefined ? { tags: record.tags } : {}),
    history: options.history,
  };
}
