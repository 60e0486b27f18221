/**
 * The test environment's history guardrails: each orchestration's final history replayed once from the start in a
 * fresh session (no cache, no storage), a cheap determinism check like Temporal's replay-in-tests. A history passes
 * when the replayed code makes the recorded calls, no more, and ends as the history recorded (finished the same way,
 * or still waiting). It fails when:
 *
 * - the execution failed live with a `NonDeterminismError` or with the `OrchestratorMisuseError` of an orchestrator
 *   that awaited a promise not from its context (the instance failed: the guardrail names the cause);
 * - on replay the code schedules another call than history recorded (the `NonDeterminismError` words, naming both),
 *   or a call history does not record;
 * - on replay the code ends otherwise than recorded: it stops waiting on anything durable (a non-durable promise
 *   awaited between durable calls), waits where history finished, or finishes another way.
 *
 * Outputs are not compared (an output that differs on replay harms nothing: the recorded one stands), nor the inputs
 * of calls (as `NonDeterminismError`, which matches kinds and names).
 * @module
 */
import { DurableError } from "../core/errors.js";
import type { FailureDetails } from "../core/failure.js";
import type { ExecutionCompleted, HistoryEvent } from "../core/history-event.js";
import type { LogSink } from "../core/logger.js";
import { describeAction } from "../orchestration/actions.js";
import { OrchestrationSession, type SessionOptions } from "../orchestration/orchestration-session.js";
import { recordedCall } from "../orchestration/recorded-calls.js";

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

const silent: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Replays one execution's final `history` from the start and returns what is wrong with it, if anything (see the
 * module). `options` resolves the orchestrator, with the worker's limits.
 */
export async function checkFinalHistory(
  options: SessionOptions,
  instanceId: string,
  history: readonly HistoryEvent[],
): Promise<DeterminismProblem | undefined> {
  const started = history.find((e) => e.type === "ExecutionStarted");
  if (!started) return undefined; // not started yet: nothing ran
  const problem = (kind: DeterminismProblem["kind"], message: string): DeterminismProblem => ({
    instanceId,
    executionId: started.executionId,
    name: started.name,
    kind,
    message,
  });
  const recorded = history.findLast((e): e is ExecutionCompleted => e.type === "ExecutionCompleted");
  const live = guardrailKind(recorded?.failure);
  if (live) return problem(live, recorded!.failure!.message);

  // Fed one event at a time, to see where the replayed code ends: the session reads no event after that.
  const session = new OrchestrationSession({ ...options, logSink: silent });
  let end = history.length;
  for (let i = 0; i < history.length && end === history.length; i++) {
    await session.replay([history[i]!]);
    if (session.isFinished) end = i + 1;
  }
  const result = await session.execute([]);
  const replayed = result.outcome;
  if (replayed?.status === "Failed") {
    const kind = guardrailKind(replayed.failure);
    if (kind) return problem(kind, replayed.failure.message);
  }
  // What the history holds past that point must be the rest of the same episode (events that arrived with the last
  // one the code read, then the calls it made as it ended), not a later episode.
  const rest = history.slice(end);
  const later = rest.findIndex((e) => e.type === "OrchestratorStarted");
  const pending = new Map(result.actions.map((a) => [a.id, a]));
  for (const event of later < 0 ? rest : rest.slice(0, later)) {
    const call = recordedCall(event);
    if (!call) continue;
    const action = pending.get(call.id);
    const words = `History recorded ${call.description} as task #${call.id}, but on replay the orchestrator '${started.name}'`;
    if (!action) return problem("divergence", `${words} did not schedule task #${call.id}.`);
    if (!call.matches(action))
      return problem("divergence", `${words} called ${describeAction(action)} as task #${call.id}.`);
    pending.delete(call.id);
  }
  const extra = [...pending.values()][0];
  if (extra)
    return problem(
      "divergence",
      `on replay the orchestrator '${started.name}' called ${describeAction(extra)} as task #${extra.id}, ` +
        `which its history does not record.`,
    );
  const was = recorded?.status ?? "waiting";
  const is = replayed?.status ?? "waiting";
  if (was !== is || later >= 0)
    return problem(
      "divergence",
      `its history recorded it ${ended(was)}, but on replay it ${replayedAs(is)}` +
        (later >= 0 ? ` earlier, after event ${end} of ${history.length}` : "") +
        (replayed?.status === "Failed" ? `: ${replayed.failure.message}` : "."),
    );
  return undefined;
}

function guardrailKind(failure: FailureDetails | undefined): DeterminismProblem["kind"] | undefined {
  if (failure?.errorType === "NonDeterminismError") return "divergence";
  if (failure?.errorType === "OrchestratorMisuseError" && /not on any durable task/.test(failure.message))
    return "non-durable-await";
  return undefined;
}

function ended(status: string): string {
  return status === "waiting" ? "still waiting" : status;
}

function replayedAs(status: string): string {
  return status === "waiting" ? "is still waiting after the last recorded event" : `ends ${status}`;
}
