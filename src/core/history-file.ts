/**
 * The history file: one instance's current execution, as `taskhub history export` writes it and `replayHistories`
 * (`taskhub/testing`) reads it, to replay it against new code in a unit test. A JSON document:
 *
 * ```json
 * {
 *   "format": "taskhub-history/1",
 *   "exportedAt": "2024-05-01T08:00:00.000Z",
 *   "instance": {
 *     "instanceId": "order-42", "name": "ProcessOrder", "executionId": "…", "status": "Running",
 *     "createdAt": "2024-05-01T07:59:58.120Z", "lastUpdatedAt": "2024-05-01T07:59:59.004Z"
 *   },
 *   "events": [{ "type": "OrchestratorStarted", "timestamp": "2024-05-01T07:59:58.120Z" }, …]
 * }
 * ```
 *
 * `instance` also has `version`, `completedAt` and `parentInstanceId` when the instance has them. `events` are the
 * history events exactly as the task hub stores them (`core/history-event.ts`; payloads are JSON text). A reader
 * refuses another `format`: a later version of the format gets a new number.
 * @module
 */
import { HistoryFileError } from "./errors.js";
import type { HistoryEvent } from "./history-event.js";
import type { InstanceRecord } from "./records.js";
import { isRuntimeStatus, type RuntimeStatus } from "./runtime-status.js";

/** The `format` of the history files this version writes and reads. */
export const HISTORY_FILE_FORMAT = "taskhub-history/1";

/** The instance a history file holds the history of. Times are ISO-8601. */
export interface HistoryFileInstance {
  readonly instanceId: string;
  /** The orchestrator's name. */
  readonly name: string;
  /** The execution the events belong to. */
  readonly executionId: string;
  /** The status when the file was written. */
  readonly status: RuntimeStatus;
  readonly version?: string | undefined;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly completedAt?: string | undefined;
  readonly parentInstanceId?: string | undefined;
}

/** A history file (see the module comment). */
export interface HistoryFile {
  readonly format: typeof HISTORY_FILE_FORMAT;
  /** When the file was written. */
  readonly exportedAt: string;
  readonly instance: HistoryFileInstance;
  /** The execution's history events, in order, as stored. */
  readonly events: readonly HistoryEvent[];
}

/** Every history event type: a reader refuses others (a type added to the union must be added here). */
const EVENT_TYPES = {
  ExecutionStarted: true,
  ExecutionCompleted: true,
  ExecutionTerminated: true,
  ExecutionSuspended: true,
  ExecutionResumed: true,
  ExecutionRewound: true,
  OrchestratorStarted: true,
  OrchestratorCompleted: true,
  TaskScheduled: true,
  TaskCompleted: true,
  TaskFailed: true,
  SubOrchestrationInstanceCreated: true,
  SubOrchestrationInstanceCompleted: true,
  SubOrchestrationInstanceFailed: true,
  TimerCreated: true,
  TimerFired: true,
  EventRaised: true,
  EventSent: true,
  EntityOperationSignaled: true,
  EntityOperationCalled: true,
  EntityOperationCompleted: true,
  EntityOperationFailed: true,
  EntityLockRequested: true,
  EntityLockGranted: true,
  EntityUnlockSent: true,
  PatchMarkerRecorded: true,
} satisfies Record<HistoryEvent["type"], true>;

const iso = (time: number): string => new Date(time).toISOString();

/** The history file of `instance` with its current execution's `events`, written at `exportedAt` (epoch ms). */
export function toHistoryFile(
  instance: InstanceRecord,
  events: readonly HistoryEvent[],
  exportedAt: number,
): HistoryFile {
  return {
    format: HISTORY_FILE_FORMAT,
    exportedAt: iso(exportedAt),
    instance: {
      instanceId: instance.instanceId,
      name: instance.name,
      executionId: instance.executionId,
      status: instance.status,
      ...(instance.version !== undefined ? { version: instance.version } : {}),
      createdAt: iso(instance.createdAt),
      lastUpdatedAt: iso(instance.lastUpdatedAt),
      ...(instance.completedAt !== undefined ? { completedAt: iso(instance.completedAt) } : {}),
      ...(instance.parentInstanceId !== undefined ? { parentInstanceId: instance.parentInstanceId } : {}),
    },
    events,
  };
}

/**
 * Reads a history file: its JSON text, or the value it parses to. `source` names it in errors (a path).
 * @throws HistoryFileError when it is not JSON, is in another format, or lacks a field or has one of the wrong type.
 */
export function parseHistoryFile(input: unknown, source = "the history file"): HistoryFile {
  const fail = (problem: string): never => {
    throw new HistoryFileError(`${source} ${problem}`);
  };
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      fail(`is not JSON: ${(error as Error).message}`);
    }
  }
  if (!isObject(value)) return fail("is not a JSON object.");
  const { format, exportedAt, instance, events } = value;
  if (format === undefined)
    fail(`has no "format": it is not a Taskhub history file (taskhub history export writes them).`);
  if (format !== HISTORY_FILE_FORMAT)
    fail(`is in format ${JSON.stringify(format)}; this version of Taskhub reads "${HISTORY_FILE_FORMAT}".`);
  if (typeof exportedAt !== "string") fail(`has no "exportedAt" time.`);
  if (!isObject(instance)) return fail(`has no "instance" object.`);
  for (const field of ["instanceId", "name", "executionId", "createdAt", "lastUpdatedAt"])
    if (typeof instance[field] !== "string") fail(`has no string "instance.${field}".`);
  for (const field of ["version", "completedAt", "parentInstanceId"])
    if (instance[field] !== undefined && typeof instance[field] !== "string")
      fail(`has an "instance.${field}" that is not a string.`);
  if (typeof instance.status !== "string" || !isRuntimeStatus(instance.status))
    fail(`has no valid "instance.status" (one of Pending, Running, Completed, ...).`);
  if (!Array.isArray(events)) return fail(`has no "events" array.`);
  events.forEach((event: unknown, index) => {
    if (!isObject(event)) return fail(`has an event that is not an object: events[${index}].`);
    if (typeof event.type !== "string" || !Object.hasOwn(EVENT_TYPES, event.type))
      fail(`has an event of unknown type ${JSON.stringify(event.type)}: events[${index}].`);
    if (typeof event.timestamp !== "string") fail(`has an event without a "timestamp": events[${index}].`);
  });
  return value as unknown as HistoryFile;
}

/** The text of `file`: indented JSON, ending with a newline. */
export function formatHistoryFile(file: HistoryFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
