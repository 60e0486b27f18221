/**
 * An instance's stored row (`InstanceRecord`) as the protocol's `OrchestrationState`, what `GetInstance`, the waits and
 * `QueryInstances` return. Every Taskhub status has its protocol status (never `CANCELED`, which the JS SDK cannot
 * read).
 * @module
 */
import type { InstanceRecord } from "../core/records.js";
import { toTaskFailureDetails } from "./failure-details.js";
import type { GetInstanceResponse, MessageInput, OrchestrationState, Timestamp } from "./messages.js";
import { toOrchestrationStatus } from "./runtime-statuses.js";
import { toStringValue } from "./wire-values.js";

/** A `Timestamp` of epoch milliseconds, `null` for `undefined`. */
export function timestampOf(ms: number | undefined): Timestamp | null {
  if (ms === undefined) return null;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/**
 * The protocol's state of an instance. Input, output and custom status only `withPayloads` (the request's
 * `getInputsAndOutputs` / `fetchInputsAndOutputs`); the failure details always (they say why it failed, as the
 * Durable Task Scheduler reports them).
 */
export function toOrchestrationState(
  record: InstanceRecord,
  withPayloads: boolean,
): MessageInput<OrchestrationState> {
  return {
    instanceId: record.instanceId,
    name: record.name,
    version: record.version !== undefined && record.version !== "" ? { value: record.version } : null,
    orchestrationStatus: toOrchestrationStatus(record.status),
    scheduledStartTimestamp: timestampOf(record.scheduledStartAt),
    createdTimestamp: timestampOf(record.createdAt),
    lastUpdatedTimestamp: timestampOf(record.lastUpdatedAt),
    completedTimestamp: timestampOf(record.completedAt),
    input: withPayloads ? toStringValue(record.input) : null,
    output: withPayloads ? toStringValue(record.output) : null,
    customStatus: withPayloads ? toStringValue(record.customStatus) : null,
    failureDetails:
      record.failure && record.status === "Failed" ? toTaskFailureDetails(record.failure) : null,
    executionId: { value: record.executionId },
    parentInstanceId: toStringValue(record.parentInstanceId),
    tags: { ...record.tags },
  };
}

/** The `GetInstanceResponse` of an instance, or of no instance (`exists: false`). */
export function instanceResponse(
  record: InstanceRecord | undefined,
  withPayloads: boolean,
): MessageInput<GetInstanceResponse> {
  return record
    ? { exists: true, orchestrationState: toOrchestrationState(record, withPayloads) }
    : { exists: false, orchestrationState: null };
}
