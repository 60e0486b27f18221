/**
 * The text forms of `taskhub instances`: the listing table, one instance's status, and its history as a table.
 * @module
 */
import type { OrchestrationStatus } from "../client/orchestration-status.js";
import { describeFailure, type FailureDetails } from "../core/failure.js";
import type { HistoryEvent } from "../core/history-event.js";

/** Longest payload shown in a table cell or a status line, in characters. */
const MAX_SHOWN = 200;

/** The listing table: ID, name, status, created, last updated, tags. */
export function instancesTable(statuses: readonly OrchestrationStatus[]): string[] {
  return table([
    ["INSTANCE ID", "NAME", "STATUS", "CREATED", "LAST UPDATED", "TAGS"],
    ...statuses.map((s) => [
      s.instanceId,
      s.name,
      s.runtimeStatus,
      iso(s.createdTime),
      iso(s.lastUpdatedTime),
      tagsText(s.tags),
    ]),
  ]);
}

/** One instance's status, a line per field. */
export function statusLines(status: OrchestrationStatus): string[] {
  const lines: [string, string][] = [
    ["Instance", status.instanceId],
    ["Name", status.name],
    ["Status", status.runtimeStatus],
    ...(status.version !== undefined ? ([["Version", status.version]] as [string, string][]) : []),
    ["Created", iso(status.createdTime)],
    ["Last updated", iso(status.lastUpdatedTime)],
    ["Tags", tagsText(status.tags) || "-"],
    ["Input", payload(status.input)],
    ["Output", payload(status.output)],
    ["Custom status", payload(status.customStatus)],
  ];
  if (status.failureDetails) lines.push(["Failure", failureText(status.failureDetails)]);
  const width = Math.max(...lines.map(([label]) => label.length)) + 1;
  return lines.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`);
}

/** The history as a table: position, time, event type, and what it is about. */
export function historyTable(events: readonly HistoryEvent[]): string[] {
  return table([
    ["#", "TIME", "EVENT", "DETAILS"],
    ...events.map((event, i) => [String(i), event.timestamp, event.type, eventDetails(event)]),
  ]);
}

/** What an event is about, in one line: its name and task ID, then its data, result or failure. */
function eventDetails(event: HistoryEvent): string {
  const e = event as unknown as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof e.name === "string") parts.push(e.name);
  for (const key of ["eventId", "taskScheduledId", "timerId"])
    if (typeof e[key] === "number") parts.push(`#${e[key] as number}`);
  if (typeof e.instanceId === "string" && event.type !== "ExecutionStarted")
    parts.push(`instance ${e.instanceId}`);
  if (typeof e.fireAt === "string") parts.push(`fires ${e.fireAt}`);
  for (const key of ["input", "result", "reason"])
    if (typeof e[key] === "string") parts.push(`${key} ${shorten(e[key] as string)}`);
  if (typeof e.status === "string") parts.push(e.status);
  const failure = e.failure as FailureDetails | undefined;
  if (failure !== undefined && typeof failure === "object") parts.push(failureText(failure));
  return parts.join("  ");
}

function failureText(failure: FailureDetails): string {
  return shorten(describeFailure(failure).replace(/\s*\n\s*/g, " "));
}

function tagsText(tags: Readonly<Record<string, string>> | undefined): string {
  return tags === undefined
    ? ""
    : Object.entries(tags)
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
}

function payload(value: unknown): string {
  return value === undefined ? "-" : shorten(JSON.stringify(value) ?? "null");
}

function shorten(text: string): string {
  const line = text.replace(/\n/g, "\\n");
  return line.length > MAX_SHOWN ? `${line.slice(0, MAX_SHOWN - 1)}…` : line;
}

function iso(time: Date): string {
  return time.toISOString();
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}
