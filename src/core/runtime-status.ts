/**
 * Runtime statuses of an orchestration instance, named as Durable Functions names them.
 * @module
 */

/** All runtime statuses. */
export const RUNTIME_STATUSES = [
  "Pending",
  "Running",
  "Completed",
  "ContinuedAsNew",
  "Failed",
  "Terminated",
  "Suspended",
] as const;

/** The runtime status of an orchestration instance. */
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

/** Statuses in which an instance is finished and accepts no more events. */
export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated"];

/** Statuses in which an instance still runs (or will run): starting the same ID again is refused. */
export const ACTIVE_STATUSES: readonly RuntimeStatus[] = [
  "Pending",
  "Running",
  "Suspended",
  "ContinuedAsNew",
];

/** True when the status is one of {@link TERMINAL_STATUSES}. */
export function isTerminalStatus(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** True when `value` is a valid {@link RuntimeStatus} name. */
export function isRuntimeStatus(value: string): value is RuntimeStatus {
  return (RUNTIME_STATUSES as readonly string[]).includes(value);
}
