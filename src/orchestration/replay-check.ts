/**
 * The replay check: does the current orchestrator code still do what a stored history recorded? It replays the
 * history with the pure executor (history in, actions out; no activity runs, nothing is written) and compares the
 * actions the code issues with the recorded ones exactly as a worker does, so a divergence is reported in the words
 * of the `NonDeterminismError` a worker would fail the instance with. `taskhub replay-check` runs it over a hub's
 * instances, `replayHistories` (`taskhub/testing`) over history files.
 *
 * Beyond what a worker checks (it only ever replays up to the end of history and then goes on), the check also
 * compares the end: when the code finishes earlier than history did, the actions history recorded after that point
 * must be ones the code issued; when history recorded the end of the execution, the code must end it the same way.
 * Work the code would issue after the end of history (timers, activities, waits that are still pending) is not a
 * divergence: a worker issues it at the next step. Unless the history was recorded by the very code that replays it
 * ({@link ReplayStrictness.sameCode}, the test environment's final-history check): there, any call the history does
 * not record means the code did something else on replay than when it ran, and so does ending in an episode the
 * history went on past.
 * @module
 */
import type { Registry } from "../api/registry.js";
import { UnknownFunctionError } from "../core/errors.js";
import { describeFailure } from "../core/failure.js";
import type { ExecutionCompleted, ExecutionStarted, HistoryEvent } from "../core/history-event.js";
import type { LogSink } from "../core/logger.js";
import { describeAction, type OrchestratorAction } from "./actions.js";
import type { ExecutionOutcome } from "./episode.js";
import { OrchestrationSession, type SessionOptions } from "./orchestration-session.js";
import { firstDivergence, isRecordedAction } from "./recorded-actions.js";

/** Why a history was not replayed. */
export type ReplaySkipReason =
  /** An entity instance (`@name@key`): entities keep state, not a history of orchestrator calls. */
  | "entity"
  /** No orchestrator of the history's name is registered in the app. */
  | "unknown-orchestrator"
  /** The history holds no `ExecutionStarted` event: the instance has not started yet (Pending). */
  | "not-started";

/** What a replayed history is about. */
interface ReplayResultBase {
  readonly instanceId: string;
  /** The orchestrator's name. */
  readonly name: string;
  readonly executionId: string;
}

/** The code replays the history: it issues every action history recorded, in the same order. */
export interface ReplayedResult extends ReplayResultBase {
  readonly kind: "replayed";
  /** Events replayed. */
  readonly events: number;
}

/** The code does something other than what the history recorded. */
export interface DivergedResult extends ReplayResultBase {
  readonly kind: "diverged";
  /** `NonDeterminismError`, or the type of the error the code now fails with on replay. */
  readonly errorType: string;
  /** The divergence, naming the recorded and the new call (as `NonDeterminismError` does). */
  readonly message: string;
}

/** The history was not replayed. */
export interface SkippedResult extends ReplayResultBase {
  readonly kind: "skipped";
  readonly reason: ReplaySkipReason;
  /** Why, in a sentence. */
  readonly message: string;
}

/** The outcome of replaying one history. */
export type ReplayResult = ReplayedResult | DivergedResult | SkippedResult;

/** What the replay check knows about an instance besides its history (used when history does not say). */
export interface ReplayIdentity {
  readonly instanceId?: string | undefined;
  readonly name?: string | undefined;
  readonly executionId?: string | undefined;
}

/** How strictly {@link replayHistory} judges. */
export interface ReplayStrictness {
  /**
   * The history was recorded by the code that replays it (the test environment replaying its own runs): a call the
   * code issues on replay that the history does not record is a divergence too, since the code did not issue it when
   * it ran, and so is ending in an episode after which the history goes on. Default false: against changed code,
   * such calls are the next step's work, and an earlier end is a change of the code.
   */
  readonly sameCode?: boolean | undefined;
}

/** Limits of the worker the check stands for (each defaults as the worker's). */
export interface ReplayLimits {
  readonly maxOrchestrationActions?: number | undefined;
  readonly maxHistoryEvents?: number | undefined;
  readonly maxPayloadBytes?: number | undefined;
}

const quiet: LogSink = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * The executor options of a worker running `registry`'s orchestrators with `limits`, for {@link replayHistory}. Log
 * lines of orchestrator code (`ctx.log`, never written on replay anyway) and of the executor go nowhere.
 */
export function replayOptions(registry: Registry, limits: ReplayLimits = {}): SessionOptions {
  return {
    resolve: (name) => registry.orchestrations.get(name)?.handler,
    knownNames: () => registry.orchestrations.names(),
    logSink: quiet,
    maxOrchestrationActions: limits.maxOrchestrationActions,
    maxHistoryEvents: limits.maxHistoryEvents,
    maxPayloadBytes: limits.maxPayloadBytes,
  };
}

/** Failures history records that do not come from the code: replaying without them is no divergence. */
const ENGINE_FAILURES = new Set(["NonDeterminismError", "TaskHubError"]);

/**
 * Replays `history` (one execution's events, as stored) against the orchestrators of `options` and says whether the
 * code still matches it. Never throws for what the code does: a throw, a misuse or a divergence is a result.
 * @param identity The instance, for histories that do not say (an empty one) and for entity instances.
 */
export async function replayHistory(
  history: readonly HistoryEvent[],
  options: SessionOptions,
  identity: ReplayIdentity = {},
  strictness: ReplayStrictness = {},
): Promise<ReplayResult> {
  const start = history.find((e): e is ExecutionStarted => e.type === "ExecutionStarted");
  const about: ReplayResultBase = {
    instanceId: start?.instanceId ?? identity.instanceId ?? "",
    name: start?.name ?? identity.name ?? "",
    executionId: start?.executionId ?? identity.executionId ?? "",
  };
  const skip = (reason: ReplaySkipReason, message: string): SkippedResult => ({
    kind: "skipped",
    ...about,
    reason,
    message,
  });
  if (about.instanceId.startsWith("@"))
    return skip("entity", "Entity instances have no orchestrator history.");
  if (about.name !== "" && !options.resolve(about.name))
    return skip(
      "unknown-orchestrator",
      new UnknownFunctionError("orchestrator", about.name, options.knownNames?.() ?? []).message,
    );
  if (!start)
    return skip(
      "not-started",
      "The history has no ExecutionStarted event: the instance has not started yet.",
    );

  const session = new OrchestrationSession(options);
  // Where the code's execution ends, if it ends before history does. (The whole history at once: `ctx.patched`
  // reads ahead in it.)
  const replayed = await session.replay(history);
  const result = await session.execute([]);
  const divergence = judge(
    about.name,
    history,
    history.slice(replayed),
    result.outcome,
    result.actions,
    strictness.sameCode === true,
  );
  return divergence
    ? { kind: "diverged", ...about, ...divergence }
    : { kind: "replayed", ...about, events: history.length };
}

/** The divergence between what history recorded and what the replayed code did, if any. */
function judge(
  name: string,
  history: readonly HistoryEvent[],
  after: readonly HistoryEvent[],
  outcome: ExecutionOutcome | undefined,
  actions: readonly OrchestratorAction[],
  sameCode: boolean,
): { errorType: string; message: string } | undefined {
  const recordedEnd = history.findLast((e): e is ExecutionCompleted => e.type === "ExecutionCompleted");
  const failure = outcome?.status === "Failed" ? outcome.failure : undefined;
  if (failure?.errorType === "NonDeterminismError")
    return { errorType: failure.errorType, message: failure.message };
  if (failure && recordedEnd?.status !== "Failed")
    return {
      errorType: failure.errorType,
      message: `History recorded no failure, but on replay the orchestrator '${name}' failed with ${describeFailure(failure)}`,
    };
  // The code's execution ended before history did: what history recorded after that must be what the code issued.
  // When it completed or continued as new, the session matched that as a worker's does (`actions` holds only what no
  // recorded action matched); when it failed, it is checked here.
  const divergence = failure
    ? firstDivergence(after, name, (id) => actions.find((a) => a.id === id))
    : undefined;
  if (divergence !== undefined) return nonDeterminism(divergence);
  if (sameCode) {
    const recorded = new Set(after.filter(isRecordedAction).map((e) => e.eventId));
    const extra = actions.find((a) => !recorded.has(a.id));
    if (extra)
      return nonDeterminism(
        `History records no task #${extra.id}, but on replay the orchestrator '${name}' called ` +
          `${describeAction(extra)} as task #${extra.id}.`,
      );
    // The code ended in an episode that history continued past: when it ran, it went on waiting.
    if (outcome && after.some((e) => e.type === "OrchestratorStarted"))
      return nonDeterminism(
        `History goes on after event ${history.length - after.length} of ${history.length}, but on replay the ` +
          `orchestrator '${name}' ${endedAs(outcome)} there.`,
      );
  }
  if (!recordedEnd || recordedEnd.status === outcome?.status) {
    if (failure && recordedEnd?.failure && failure.errorType !== recordedEnd.failure.errorType)
      return {
        errorType: failure.errorType,
        message:
          `History recorded the execution as Failed with ${describeFailure(recordedEnd.failure)}, but on replay ` +
          `the orchestrator '${name}' failed with ${describeFailure(failure)}`,
      };
    return undefined;
  }
  if (!outcome && ENGINE_FAILURES.has(recordedEnd.failure?.errorType ?? "")) return undefined;
  return nonDeterminism(
    `History recorded the end of the execution as ${recordedEnd.status}, but on replay the orchestrator ` +
      `'${name}' ${outcome ? endedAs(outcome) : "did not end it"}.`,
  );
}

function nonDeterminism(message: string): { errorType: string; message: string } {
  return { errorType: "NonDeterminismError", message };
}

function endedAs(outcome: ExecutionOutcome): string {
  switch (outcome.status) {
    case "Completed":
      return "completed";
    case "ContinuedAsNew":
      return "continued as new";
    case "Terminated":
      return "was terminated";
    case "Failed":
      return `failed with ${describeFailure(outcome.failure)}`;
  }
}

/** One line for a diverged or skipped result: `<instance ID>: <error type>: <message>`. */
export function describeReplayResult(result: ReplayResult): string {
  switch (result.kind) {
    case "diverged":
      return `${result.instanceId}: ${result.errorType}: ${result.message}`;
    case "skipped":
      return `${result.instanceId}: skipped (${result.reason}): ${result.message}`;
    case "replayed":
      return `${result.instanceId}: replayed ${result.events} events`;
  }
}

/** Counts of a replay check. */
export interface ReplaySummary {
  /** Histories replayed without divergence. */
  readonly replayed: number;
  readonly diverged: number;
  readonly skipped: number;
  /** Skipped histories by reason. */
  readonly skippedByReason: Readonly<Partial<Record<ReplaySkipReason, number>>>;
  /** Orchestrator names no longer registered, with how many histories had each. */
  readonly unknownOrchestrators: Readonly<Record<string, number>>;
}

/** Tallies results as they come, keeping only counts. */
export class ReplayTally {
  #replayed = 0;
  #diverged = 0;
  #skipped = 0;
  readonly #byReason: Partial<Record<ReplaySkipReason, number>> = {};
  readonly #unknown: Record<string, number> = {};

  /** Counts `result`. */
  add(result: ReplayResult): void {
    if (result.kind === "replayed") this.#replayed++;
    else if (result.kind === "diverged") this.#diverged++;
    else {
      this.#skipped++;
      this.#byReason[result.reason] = (this.#byReason[result.reason] ?? 0) + 1;
      if (result.reason === "unknown-orchestrator")
        this.#unknown[result.name] = (this.#unknown[result.name] ?? 0) + 1;
    }
  }

  /** The counts so far. */
  summary(): ReplaySummary {
    return {
      replayed: this.#replayed,
      diverged: this.#diverged,
      skipped: this.#skipped,
      skippedByReason: { ...this.#byReason },
      unknownOrchestrators: { ...this.#unknown },
    };
  }
}

/**
 * The summary in one line, e.g. `98 replayed, 1 diverged, 3 skipped (2 entities, 1 of an unknown orchestrator:
 * 'Legacy')`.
 */
export function summaryLine(summary: ReplaySummary): string {
  const reasons: string[] = [];
  const { entity, "unknown-orchestrator": unknown, "not-started": notStarted } = summary.skippedByReason;
  if (entity) reasons.push(`${entity} ${entity === 1 ? "entity" : "entities"}`);
  if (unknown) {
    const names = Object.keys(summary.unknownOrchestrators).map((n) => `'${n}'`);
    reasons.push(
      `${unknown} of ${names.length === 1 ? "an unknown orchestrator" : "unknown orchestrators"}: ${names.join(", ")}`,
    );
  }
  if (notStarted) reasons.push(`${notStarted} not started yet`);
  const skipped = `${summary.skipped} skipped${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}`;
  return `${summary.replayed} replayed, ${summary.diverged} diverged, ${skipped}`;
}
