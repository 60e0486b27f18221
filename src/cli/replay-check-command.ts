/**
 * `taskhub replay-check <app module>`: replays the stored histories of a hub's instances against the app's current
 * orchestrator code, writing nothing, and reports every instance the code no longer matches, in the words of the
 * `NonDeterminismError` a worker would fail it with. Exit code 0 when every instance replays, 1 when one diverges, 2
 * on an error (a wrong command line, an app that does not load, a hub that cannot be read).
 * @module
 */
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { ACTIVE_STATUSES, RUNTIME_STATUSES, type RuntimeStatus } from "../core/runtime-status.js";
import type { HostConfig } from "../host/config.js";
import { replayHubInstances, type HubReplayReport, type HubReplaySelection } from "../host/hub-replay.js";
import { loadApp } from "../host/load-app.js";
import { describeHubLocation } from "../host/open-task-hub.js";
import { describeReplayResult, replayOptions, summaryLine } from "../orchestration/replay-check.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";
import { clockFor } from "../task-hub/clock.js";
import { openHubForReading } from "./read-hub.js";
import { UsageError } from "./usage-error.js";

/** The `format` of the `--json` report. */
export const REPLAY_REPORT_FORMAT = "taskhub-replay-check/1";

const COMMAND = "replay-check";

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/**
 * Runs `taskhub replay-check`; returns the exit code. A wrong command line is a {@link UsageError} (exit code 2 from
 * the caller); every other error is printed and gives 2.
 * @param config Resolves the hub's configuration (flags, environment, config file).
 */
export async function runReplayCheckCommand(
  positionals: readonly string[],
  flags: Flags,
  config: () => HostConfig,
): Promise<number> {
  const [modulePath, ...extra] = positionals;
  if (!modulePath)
    throw new UsageError(
      "'taskhub replay-check' needs the app module, e.g. taskhub replay-check src/app.ts",
      COMMAND,
    );
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, COMMAND);
  const selection = parseSelection(flags);
  let hub: SqlTaskHub | undefined;
  try {
    const settings = config();
    const app = await loadApp(modulePath);
    hub = await openHubForReading(settings);
    const began = performance.now();
    const json = flags.json === true;
    const report = await replayHubInstances(hub, replayOptions(app.registry, settings), selection, {
      onResult: (result) => {
        if (!json && result.kind === "diverged") process.stdout.write(`${describeReplayResult(result)}\n`);
      },
    });
    const elapsedMs = Math.round(performance.now() - began);
    if (json) {
      const checkedAt = new Date(clockFor(hub).now()).toISOString();
      const document = jsonReport(report, { settings, modulePath, selection, checkedAt, elapsedMs });
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else
      process.stdout.write(
        `taskhub replay-check: ${summaryLine(report.summary)}, in ${(elapsedMs / 1000).toFixed(2)} s.\n`,
      );
    return report.summary.diverged > 0 ? 1 : 0;
  } catch (error) {
    process.stderr.write(`taskhub replay-check: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    await hub?.close();
  }
}

/** The instances the flags select. @throws UsageError for a value that is not one. */
function parseSelection(flags: Flags): HubReplaySelection {
  const text = (flag: string): string | undefined => flags[flag] as string | undefined;
  const status = text("status");
  const since = text("since");
  const limit = text("limit");
  const name = text("name");
  if (name !== undefined && name.trim() === "") throw new UsageError("option '--name' needs a name", COMMAND);
  return {
    statuses: status === undefined ? undefined : parseStatuses(status),
    name,
    createdFrom: since === undefined ? undefined : parseSince(since),
    limit: limit === undefined ? undefined : parseLimit(limit),
  };
}

function parseStatuses(text: string): RuntimeStatus[] {
  return text.split(",").map((part) => {
    const status = RUNTIME_STATUSES.find((s) => s.toLowerCase() === part.trim().toLowerCase());
    if (!status)
      throw new UsageError(
        `unknown status '${part.trim()}' in '--status' (use ${RUNTIME_STATUSES.join(", ")}, separated by commas)`,
        COMMAND,
      );
    return status;
  });
}

/** `YYYY-MM-DD`, or that with a time (`T` or a space between) and an optional offset (UTC without one). */
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

function parseSince(text: string): number {
  const trimmed = text.trim();
  const match = DATE.exec(trimmed);
  const [, year, month, day, offset] = match ?? [];
  const iso = trimmed.replace(" ", "T");
  const time = match ? Date.parse(iso.includes("T") && offset === undefined ? `${iso}Z` : iso) : NaN;
  // Date.parse takes 2024-02-30 for March 1st: the day must exist.
  const dayExists =
    new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDate() === Number(day);
  if (!Number.isFinite(time) || !dayExists)
    throw new UsageError(
      `'--since' needs a date, such as 2024-05-01 or 2024-05-01T08:00:00Z (got '${text}')`,
      COMMAND,
    );
  return time;
}

function parseLimit(text: string): number {
  const limit = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new UsageError(`'--limit' needs a whole number of instances, 1 or more (got '${text}')`, COMMAND);
  return limit;
}

interface ReportContext {
  readonly settings: HostConfig;
  readonly modulePath: string;
  readonly selection: HubReplaySelection;
  readonly checkedAt: string;
  readonly elapsedMs: number;
}

/** The `--json` document. */
function jsonReport(report: HubReplayReport, context: ReportContext): Record<string, unknown> {
  const { selection, settings } = context;
  const { summary } = report;
  return {
    format: REPLAY_REPORT_FORMAT,
    app: resolve(context.modulePath),
    hub: describeHubLocation(settings.hub),
    hubName: settings.hubName,
    checkedAt: context.checkedAt,
    elapsedMs: context.elapsedMs,
    selection: {
      statuses: selection.statuses ?? ACTIVE_STATUSES,
      name: selection.name ?? null,
      since: selection.createdFrom === undefined ? null : new Date(selection.createdFrom).toISOString(),
      limit: selection.limit ?? null,
    },
    summary: {
      checked: summary.replayed + summary.diverged + summary.skipped,
      replayed: summary.replayed,
      diverged: summary.diverged,
      skipped: summary.skipped,
      skippedByReason: summary.skippedByReason,
      unknownOrchestrators: summary.unknownOrchestrators,
    },
    diverged: report.diverged.map(({ instanceId, name, executionId, errorType, message }) => ({
      instanceId,
      name,
      executionId,
      errorType,
      message,
    })),
    skipped: report.skipped.map(({ instanceId, name, reason, message }) => ({
      instanceId,
      name,
      reason,
      message,
    })),
  };
}
