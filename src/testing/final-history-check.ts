/**
 * The test environment's history guardrails: each orchestration's final history replayed once from the start in a
 * fresh session (no cache, no storage), a cheap determinism check like Temporal's replay-in-tests. It is the replay
 * check of `taskhub replay-check` (`replayHistory`), made strict: the history was recorded by the very code that
 * replays it, so any call the code issues on replay that the history does not record is a divergence too. A history
 * fails when:
 *
 * - the execution failed live with a `NonDeterminismError`, or with the `OrchestratorMisuseError` of an orchestrator
 *   that awaited a promise not from its context (the instance failed: the guardrail names the cause);
 * - on replay the code makes another call than history recorded, one fewer (also when it now ends earlier) or one
 *   more (the `NonDeterminismError` words, naming both), or ends otherwise than recorded (it fails where it
 *   completed, or stops waiting on anything durable: a non-durable promise awaited between durable calls).
 *
 * Outputs are not compared (an output that differs on replay harms nothing: the recorded one stands), nor the inputs
 * of calls (as `NonDeterminismError`, which matches kinds and names).
 * @module
 */
import { DurableError } from "../core/errors.js";
import type { ExecutionCompleted, ExecutionStarted, HistoryEvent } from "../core/history-event.js";
import type { SessionOptions } from "../orchestration/orchestration-session.js";
import { replayHistory } from "../orchestration/replay-check.js";

/** What a guardrail found wrong with one orchestration execution. */
export interface DeterminismProblem {
  readonly instanceId: string;
  readonly executionId: string;
  /** The orchestrator's name. */
  readonly name: string;
  /**
   * `non-durable-await`: the orchestrator awaited a promise that does not come from its context (`fetch`,
   * `setTimeout`...); `divergence`: replaying its history, the code does something else than the history recorded.
   */
  readonly kind: "non-durable-await" | "divergence";
  /** What happened, naming the diverging call where there is one. */
  readonly message: string;
}

/**
 * Thrown by the test environment's `close()` when a guardrail failed: an orchestration awaited a non-durable
 * promise, or its history does not replay. {@link problems} lists each execution that failed, the message each.
 */
export class DeterminismCheckError extends DurableError {
  constructor(readonly problems: readonly DeterminismProblem[]) {
    const lines = problems.map(
      (p) => `- orchestration '${p.name}', instance '${p.instanceId}' (${p.kind}): ${p.message}`,
    );
    super(
      `${problems.length === 1 ? "An orchestration breaks" : `${problems.length} orchestrations break`} the ` +
        `determinism rules of orchestrator code:\n${lines.join("\n")}`,
    );
  }
}

/**
 * Replays one execution's final `history` from the start and returns what is wrong with it, if anything (see the
 * module). `options` resolves the orchestrators, with the worker's limits (`replayOptions`).
 */
export async function checkFinalHistory(
  options: SessionOptions,
  instanceId: string,
  history: readonly HistoryEvent[],
): Promise<DeterminismProblem | undefined> {
  const started = history.find((e): e is ExecutionStarted => e.type === "ExecutionStarted");
  if (!started) return undefined; // not started yet: nothing ran
  const problem = (errorType: string, message: string): DeterminismProblem => ({
    instanceId,
    executionId: started.executionId,
    name: started.name,
    kind: isNonDurableAwait(errorType, message) ? "non-durable-await" : "divergence",
    message,
  });
  const failure = history.findLast((e): e is ExecutionCompleted => e.type === "ExecutionCompleted")?.failure;
  if (
    failure &&
    (failure.errorType === "NonDeterminismError" || isNonDurableAwait(failure.errorType, failure.message))
  )
    return problem(failure.errorType, failure.message);
  const result = await replayHistory(history, options, { instanceId }, { sameCode: true });
  return result.kind === "diverged" ? problem(result.errorType, result.message) : undefined;
}

/** The executor's failure of an orchestrator left waiting on nothing durable (see `detectStall`). */
function isNonDurableAwait(errorType: string, message: string): boolean {
  return errorType === "OrchestratorMisuseError" && /not on any durable task/.test(message);
}
