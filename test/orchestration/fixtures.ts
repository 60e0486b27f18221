/**
 * Helpers for the executor's fixture tests: run orchestrators over hand-written histories, and drive one instance
 * episode by episode (history grows through `applyEpisode`, as the worker does), checking at every step that a
 * session kept alive across episodes gives exactly what a fresh replay gives.
 */
import assert from "node:assert/strict";
import type { OrchestratorHandler } from "../../src/api/definitions.js";
import type { FailureDetails } from "../../src/core/failure.js";
import type { ExecutionStarted, HistoryEvent } from "../../src/core/history-event.js";
import { applyEpisode, type EpisodeChanges } from "../../src/orchestration/apply-episode.js";
import type { EpisodeResult } from "../../src/orchestration/episode.js";
import { executeOrchestration } from "../../src/orchestration/executor.js";
import type { OrchestrationContext } from "../../src/api/orchestration-context.js";
import { OrchestrationSession, type SessionOptions } from "../../src/orchestration/orchestration-session.js";
import type { LogSink } from "../../src/core/logger.js";
import { history, type HistoryBuilder } from "../../src/testing/history-builder.js";

/** An orchestrator as tests write them (any input type). */
export type Handler = (ctx: OrchestrationContext, input: never) => unknown;
export type Handlers = Readonly<Record<string, Handler>>;

/** The builder's default base time: the first episode's timestamp. */
export const T0 = Date.parse("2024-01-01T00:00:00.000Z");
export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A log sink that keeps lines in memory: `level message`, prefixed with `name(instanceId) ` when the line carries those
 * fields (the replay-safe logger passes them as a last object argument to a plain sink).
 */
export class CaptureLog implements LogSink {
  readonly lines: string[] = [];
  debug(message: string, ...args: unknown[]): void {
    this.push("debug", message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.push("info", message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.push("warn", message, args);
  }
  error(message: string, ...args: unknown[]): void {
    this.push("error", message, args);
  }
  private push(level: string, message: string, args: unknown[]): void {
    const fields = args.at(-1) as { instanceId?: unknown; name?: unknown } | undefined;
    const prefix =
      fields?.instanceId !== undefined ? `${String(fields.name)}(${String(fields.instanceId)}) ` : "";
    this.lines.push(`${level} ${prefix}${message}`);
  }
}

/** Session options beyond the handlers and the log (limits). */
export type ExtraSessionOptions = Omit<SessionOptions, "resolve" | "knownNames" | "logSink">;

export function sessionOptions(
  handlers: Handlers,
  logSink: LogSink = new CaptureLog(),
  extra: ExtraSessionOptions = {},
): SessionOptions {
  return {
    resolve: (name) => handlers[name] as OrchestratorHandler<unknown, unknown> | undefined,
    knownNames: () => Object.keys(handlers),
    logSink,
    ...extra,
  };
}

/** `executeOrchestration` over `handlers`. */
export function run(
  handlers: Handlers,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  logSink?: LogSink,
  extra?: ExtraSessionOptions,
): Promise<EpisodeResult> {
  return executeOrchestration(sessionOptions(handlers, logSink, extra), past, newEvents);
}

/** The new events of one episode: `OrchestratorStarted` at `at`, then what `body` adds. */
export function episodeAt(at: number | string | Date, body?: (h: HistoryBuilder) => unknown): HistoryEvent[] {
  const builder = history().episodeStart(at);
  body?.(builder);
  return builder.build();
}

/** The parsed result of a Completed outcome (fails the test otherwise). */
export function output<T = unknown>(result: EpisodeResult): T {
  const outcome = result.outcome;
  assert.equal(outcome?.status, "Completed", `expected Completed, got ${JSON.stringify(outcome)}`);
  const text = outcome.status === "Completed" ? outcome.result : undefined;
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}

/** The failure of a Failed outcome (fails the test otherwise). */
export function failureOf(result: EpisodeResult): FailureDetails {
  const outcome = result.outcome;
  assert.equal(outcome?.status, "Failed", `expected Failed, got ${JSON.stringify(outcome)}`);
  return (outcome as { failure: FailureDetails }).failure;
}

/** A deep copy without `stack` fields (stacks differ between a replay and a live run). */
export function withoutStacks<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === "stack" ? undefined : v))) as T;
}

export interface DriverOptions {
  readonly instanceId?: string;
  readonly executionId?: string;
  /** Compare each step with a session kept alive across episodes (default true). */
  readonly checkCache?: boolean;
  /** Session options of both the fresh and the kept session (limits). */
  readonly session?: ExtraSessionOptions;
}

/**
 * Drives one execution episode by episode. Each step runs a fresh `executeOrchestration(history, newEvents)`,
 * appends `applyEpisode`'s new history, and (unless disabled) checks that a long-lived session fed only the new
 * events returns the same result and writes the same log lines.
 */
export class Driver {
  history: HistoryEvent[] = [];
  changes: EpisodeChanges | undefined;
  readonly log = new CaptureLog();
  readonly cachedLog = new CaptureLog();
  readonly #session: OrchestrationSession;
  readonly instanceId: string;
  readonly executionId: string;

  constructor(
    private readonly handlers: Handlers,
    private readonly name: string,
    private readonly options: DriverOptions = {},
  ) {
    this.instanceId = options.instanceId ?? "instance-1";
    this.executionId = options.executionId ?? "execution-1";
    this.#session = new OrchestrationSession(sessionOptions(handlers, this.cachedLog, options.session));
  }

  /** The first episode: `ExecutionStarted` with `input`, at `at` (default {@link T0}). */
  start(input?: unknown, at: number = T0): Promise<EpisodeResult> {
    const { instanceId, executionId } = this;
    return this.step(at, (h) => h.started(this.name, { input, instanceId, executionId }));
  }

  async step(at: number | string | Date, body?: (h: HistoryBuilder) => unknown): Promise<EpisodeResult> {
    const newEvents = episodeAt(at, body);
    const logged = this.log.lines.length;
    const result = await run(this.handlers, this.history, newEvents, this.log, this.options.session);
    if (this.options.checkCache !== false) {
      const cachedLogged = this.cachedLog.lines.length;
      const cached = await this.#session.execute(newEvents);
      assert.deepEqual(
        withoutStacks(cached),
        withoutStacks(result),
        "a cached session and a fresh replay disagree",
      );
      assert.deepEqual(
        this.cachedLog.lines.slice(cachedLogged),
        this.log.lines.slice(logged),
        "log lines differ",
      );
    }
    const started = [...this.history, ...newEvents].find(
      (e): e is ExecutionStarted => e.type === "ExecutionStarted",
    );
    assert.ok(started, "no ExecutionStarted");
    this.changes = applyEpisode(
      {
        instanceId: started.instanceId,
        executionId: started.executionId,
        name: started.name,
        input: started.input,
        parent: started.parent,
        now: new Date(at).getTime(),
        newEvents,
        newExecution: this.history.length === 0,
      },
      result,
    );
    this.history = this.changes.replaceHistory
      ? this.changes.newHistory
      : [...this.history, ...this.changes.newHistory];
    return result;
  }
}
