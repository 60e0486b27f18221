/**
 * `replayHistories`: the replay check of `taskhub replay-check` in a unit test, over history files (`taskhub history
 * export <id> > test/histories/<id>.json`), so that a CI job fails when changed orchestrator code no longer replays
 * the histories checked into the repository.
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DurableApp } from "../app/durable-app.js";
import { DurableError } from "../core/errors.js";
import { parseHistoryFile, type HistoryFile } from "../core/history-file.js";
import {
  describeReplayResult,
  replayHistory,
  replayOptions,
  ReplayTally,
  summaryLine,
  type ReplayLimits,
  type ReplayResult,
  type ReplaySummary,
} from "../orchestration/replay-check.js";

/**
 * A history to replay: a history file's content (as `JSON.parse` returns it), or the path of a history file, or of
 * a folder whose `.json` files are history files (not its subfolders).
 */
export type HistoryInput = HistoryFile | string;

/** Options of {@link replayHistories}: the workers' limits, when they are not the defaults, and what fails. */
export interface ReplayHistoriesOptions extends ReplayLimits {
  /**
   * Throw a {@link ReplayDivergenceError} when a history diverges or its orchestrator is not registered in the app
   * (default true). With false, read the results instead.
   */
  readonly throwOnDivergence?: boolean | undefined;
}

/** The result of one history, with where it came from. */
export type SourcedReplayResult = ReplayResult & {
  /** The file's path, or `histories[i]` for a history given as a value. */
  readonly source: string;
};

/** What {@link replayHistories} found. */
export interface ReplayHistoriesReport {
  /** One per history, in the order given (a folder's files by name). */
  readonly results: readonly SourcedReplayResult[];
  readonly summary: ReplaySummary;
}

/**
 * Histories do not replay against the app's code: the message has one line per history that diverged (naming the
 * call history recorded and the call the code makes now) or whose orchestrator is not registered.
 */
export class ReplayDivergenceError extends DurableError {
  constructor(
    /** The whole report. */
    readonly report: ReplayHistoriesReport,
  ) {
    const failed = report.results.filter(fails);
    super(
      `${failed.length} of ${report.results.length} ${report.results.length === 1 ? "history does" : "histories do"} ` +
        `not replay against the app's code (${summaryLine(report.summary)}):\n` +
        failed.map((r) => `  ${r.source}: ${describeReplayResult(r)}`).join("\n"),
    );
  }
}

/**
 * Replays each history against the app's current orchestrator code, as `taskhub replay-check` replays a hub's: with
 * the pure executor (no activity runs), comparing the code's calls with the recorded ones as a worker does.
 * Entities and histories not started yet are skipped.
 * @example
 * import { test } from "node:test";
 * import { replayHistories } from "taskhub/testing";
 * import app from "../src/app.js";
 * test("the code replays the recorded histories", () => replayHistories(app, ["test/histories"]));
 * @throws ReplayDivergenceError when a history diverges or names an orchestrator the app does not register (unless
 *   `throwOnDivergence` is false).
 * @throws HistoryFileError when a file is not a history file (or cannot be read: the file system's error).
 */
export async function replayHistories(
  app: DurableApp,
  histories: HistoryInput | readonly HistoryInput[],
  options: ReplayHistoriesOptions = {},
): Promise<ReplayHistoriesReport> {
  const list: readonly HistoryInput[] = Array.isArray(histories) ? histories : [histories as HistoryInput];
  const files = (await Promise.all(list.map((input, index) => load(input, index)))).flat();
  const session = replayOptions(app.registry, options);
  const tally = new ReplayTally();
  const results: SourcedReplayResult[] = [];
  for (const { source, file } of files) {
    const result = await replayHistory(file.events, session, file.instance);
    tally.add(result);
    results.push({ ...result, source });
  }
  const report: ReplayHistoriesReport = { results, summary: tally.summary() };
  if (options.throwOnDivergence !== false && results.some(fails)) throw new ReplayDivergenceError(report);
  return report;
}

function fails(result: ReplayResult): boolean {
  return (
    result.kind === "diverged" || (result.kind === "skipped" && result.reason === "unknown-orchestrator")
  );
}

/** The history files `input` stands for. */
async function load(input: HistoryInput, index: number): Promise<{ source: string; file: HistoryFile }[]> {
  if (typeof input !== "string") {
    const source = `histories[${index}]`;
    return [{ source, file: parseHistoryFile(input, source) }];
  }
  const paths = (await stat(input)).isDirectory()
    ? (await readdir(input))
        .filter((name) => name.endsWith(".json"))
        .sort()
        .map((name) => join(input, name))
    : [input];
  return Promise.all(
    paths.map(async (path) => ({ source: path, file: parseHistoryFile(await readFile(path, "utf8"), path) })),
  );
}
