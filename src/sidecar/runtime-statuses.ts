/**
 * Runtime statuses between Taskhub ({@link RuntimeStatus}) and the protocol's `OrchestrationStatus` enum.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { RuntimeStatus } from "../core/runtime-status.js";
import type { OrchestrationStatus } from "./messages/wire-types.js";

const TO_WIRE: Readonly<Record<RuntimeStatus, OrchestrationStatus>> = {
  Pending: "ORCHESTRATION_STATUS_PENDING",
  Running: "ORCHESTRATION_STATUS_RUNNING",
  Completed: "ORCHESTRATION_STATUS_COMPLETED",
  ContinuedAsNew: "ORCHESTRATION_STATUS_CONTINUED_AS_NEW",
  Failed: "ORCHESTRATION_STATUS_FAILED",
  Terminated: "ORCHESTRATION_STATUS_TERMINATED",
  Suspended: "ORCHESTRATION_STATUS_SUSPENDED",
};

/** The protocol's status of a Taskhub status (never `CANCELED`, which the JS SDK cannot read). */
export function toOrchestrationStatus(status: RuntimeStatus): OrchestrationStatus {
  return TO_WIRE[status];
}

/**
 * Taskhub's status of a protocol status; `ORCHESTRATION_STATUS_CANCELED` (no Taskhub status) is an
 * `InvalidArgumentError`.
 */
export function fromOrchestrationStatus(status: OrchestrationStatus): RuntimeStatus {
  for (const [taskhub, wire] of Object.entries(TO_WIRE)) if (wire === status) return taskhub as RuntimeStatus;
  throw new InvalidArgumentError(`Orchestration status ${status} has no Taskhub runtime status.`);
}
