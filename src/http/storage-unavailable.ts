/**
 * The HTTP answer to a storage fault: `503 Service Unavailable` with `Retry-After` and
 * `{ "error": "storage_unavailable", "fault": ..., "message": ... }`, when the task hub cannot serve a request (disk
 * full, database read-only or locked beyond its busy timeout, database server gone). The message says what is wrong
 * in general terms; the driver's own message (paths, addresses) goes to the log only.
 * @module
 */
import {
  isTaskHubUnavailableError,
  type StorageFault,
  type TaskHubUnavailableError,
} from "../core/errors.js";

/** `Retry-After` (seconds) by fault: a lock or a restart clears soon, a full disk or a read-only database needs someone. */
export const STORAGE_RETRY_AFTER_SECONDS: Readonly<Record<StorageFault, number>> = {
  busy: 2,
  unreachable: 5,
  full: 30,
  "read-only": 30,
  io: 30,
};

const MESSAGES: Readonly<Record<StorageFault, string>> = {
  busy: "The task hub's database is busy (locked by another writer, or out of connections); retry shortly.",
  unreachable: "The task hub's database server cannot be reached; retry shortly.",
  full: "The task hub's storage is full; retry once space has been freed.",
  "read-only": "The task hub's database is read-only; retry once it is writable again.",
  io: "The task hub's storage failed to read or write; retry later.",
};

/** The public message of a fault. */
export function storageFaultMessage(fault: StorageFault): string {
  return MESSAGES[fault];
}

/** The {@link TaskHubUnavailableError} behind `error`: itself, or one in its `cause` chain (an app's wrapper). */
export function storageFaultOf(error: unknown): TaskHubUnavailableError | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    if (isTaskHubUnavailableError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
