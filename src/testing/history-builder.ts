/**
 * A fluent builder for orchestration history fixtures, to test orchestrators with `executeOrchestration` and no task
 * hub. Values are given as plain values and serialized to JSON for you; timestamps come from a clock that starts at
 * `baseTime` and advances by `stepMs` at each {@link HistoryBuilder.episodeStart} given no explicit time.
 * @module
 */
import { toFailureDetails, type FailureDetails } from "../core/failure.js";
import type { HistoryEvent, ParentInstanceInfo } from "../core/history-event.js";

/**
 * Options of {@link history}.
 * @example
 * history({ baseTime: "2024-05-01T08:00:00Z", stepMs: 60_000 });
 */
export interface HistoryBuilderOptions {
  /** Time of the first episode (default `2024-01-01T00:00:00.000Z`). */
  readonly baseTime?: Date | string | number;
  /** How far the clock moves at each `episodeStart()` without an explicit time, in ms (default 1000). */
  readonly stepMs?: number;
}

/**
 * Options of {@link HistoryBuilder.started}. IDs default to `"instance-1"` and `"execution-1"`.
 * @example
 * history().started("Greet", { input: "Tokyo", instanceId: "greet-1" });
 */
export interface StartedOptions {
  /** The orchestration input, as a value (serialized to JSON). */
  readonly input?: unknown;
  readonly instanceId?: string;
  readonly executionId?: string;
  /** Set for a sub-orchestration. */
  readonly parent?: ParentInstanceInfo;
  readonly version?: string;
}

/**
 * A failure as the builder accepts it: full {@link FailureDetails}, an `Error` (converted, `cause` chain included) or
 * a message (error type `Error`).
 * @example
 * const failure: FailureLike = { errorType: "PaymentDeclined", message: "card expired", nonRetryable: true };
 */
export type FailureLike = FailureDetails | Error | string;

/**
 * The result of {@link HistoryBuilder.split}: what is already history, and what arrives now.
 * @example
 * const { past, newEvents } = builder.split();
 * const result = await executeOrchestration(options, past, newEvents);
 */
export interface SplitHistory {
  readonly past: HistoryEvent[];
  readonly newEvents: HistoryEvent[];
}

/**
 * A history event whose `timestamp` may be left out (the builder fills it in).
 * @example
 * const event: UntimedEvent = { type: "EventRaised", name: "Approval", input: "true" };
 */
export type UntimedEvent<E = HistoryEvent> = E extends HistoryEvent
  ? Omit<E, "timestamp"> & { timestamp?: string }
  : never;

type Time = Date | string | number;
const toDate = (time: Time): Date => (time instanceof Date ? new Date(time.getTime()) : new Date(time));
const json = (value: unknown): string | undefined =>
  value === undefined ? undefined : JSON.stringify(value);
function failureOf(failure: FailureLike): FailureDetails {
  if (typeof failure === "string") return { errorType: "Error", message: failure };
  return failure instanceof Error ? toFailureDetails(failure) : failure;
}

/**
 * Builds a list of history events. Each method appends one event (timestamped with the builder's clock) and
 * returns the builder. Task IDs are the orchestrator's sequence numbers: 0 for its first call, 1 for the next...
 * @example
 * const events = new HistoryBuilder({ stepMs: 60_000 }).started("Greet", { input: "Tokyo" }).build();
 */
export class HistoryBuilder {
  readonly #events: HistoryEvent[] = [];
  readonly #stepMs: number;
  #clock: Date;
  #inEpisode = false;
  #episodes = 0;
  #splitAt: number | undefined;

  constructor(options: HistoryBuilderOptions = {}) {
    this.#clock = toDate(options.baseTime ?? "2024-01-01T00:00:00.000Z");
    this.#stepMs = options.stepMs ?? 1000;
    if (Number.isNaN(this.#clock.getTime()))
      throw new RangeError(`Invalid baseTime: ${String(options.baseTime)}`);
  }

  /** The builder's clock: the time of the current (or last) episode. */
  get now(): Date {
    return new Date(this.#clock.getTime());
  }

  /** Appends any event as is (its timestamp defaults to the clock). */
  add(event: UntimedEvent): this {
    this.#events.push({ ...event, timestamp: event.timestamp ?? this.#clock.toISOString() } as HistoryEvent);
    return this;
  }

  /** `OrchestratorStarted` at `at` (default: the clock advanced by `stepMs`; the first episode is at `baseTime`). */
  episodeStart(at?: Time): this {
    if (this.#inEpisode)
      throw new Error("episodeStart(): the previous episode is still open; call episodeEnd() first.");
    if (at !== undefined) this.#clock = toDate(at);
    else if (this.#episodes > 0) this.#clock = new Date(this.#clock.getTime() + this.#stepMs);
    this.#inEpisode = true;
    this.#episodes++;
    return this.add({ type: "OrchestratorStarted" });
  }

  /** `OrchestratorCompleted`: closes the current episode. */
  episodeEnd(): this {
    if (!this.#inEpisode) throw new Error("episodeEnd(): no episode is open.");
    this.#inEpisode = false;
    return this.add({ type: "OrchestratorCompleted" });
  }

  /**
   * A whole episode: `episodeStart(at)`, whatever `body` adds, `episodeEnd()`.
   * @example
   * history().episode((h) => h.started("Greet").taskScheduled(0, "SayHello")).episode((h) => h.taskCompleted(0, "hi"));
   */
  episode(body: (builder: this) => void, at?: Time): this {
    this.episodeStart(at);
    body(this);
    return this.episodeEnd();
  }

  /** Everything added after this call is new (not yet in history); see {@link split}. */
  newEvents(): this {
    if (this.#inEpisode) throw new Error("newEvents(): close the current episode with episodeEnd() first.");
    this.#splitAt = this.#events.length;
    return this;
  }

  /** `ExecutionStarted` (opening the first episode if none is open). */
  started(name: string, options: StartedOptions = {}): this {
    if (!this.#inEpisode) this.episodeStart();
    return this.add({
      type: "ExecutionStarted",
      name,
      instanceId: options.instanceId ?? "instance-1",
      executionId: options.executionId ?? "execution-1",
      input: json(options.input),
      parent: options.parent,
      version: options.version,
    });
  }

  /** `TaskScheduled`: the orchestrator called activity `name` as task `id` (`retry` for attempts after the first). */
  taskScheduled(
    id: number,
    name: string,
    input?: unknown,
    retry?: { attempt: number; firstAttemptId: number },
  ): this {
    return this.add({ type: "TaskScheduled", eventId: id, name, input: json(input), ...retry });
  }

  /** `TaskCompleted`: activity task `id` returned `result`. */
  taskCompleted(id: number, result?: unknown): this {
    return this.add({ type: "TaskCompleted", taskScheduledId: id, result: json(result) });
  }

  /** `TaskFailed`: activity task `id` threw. */
  taskFailed(id: number, failure: FailureLike): this {
    return this.add({ type: "TaskFailed", taskScheduledId: id, failure: failureOf(failure) });
  }

  /** `TimerCreated`: timer task `id`, due at `fireAt`. */
  timerCreated(id: number, fireAt: Time): this {
    return this.add({ type: "TimerCreated", eventId: id, fireAt: toDate(fireAt).toISOString() });
  }

  /** `TimerFired` for timer task `id`. */
  timerFired(id: number, fireAt: Time): this {
    return this.add({ type: "TimerFired", timerId: id, fireAt: toDate(fireAt).toISOString() });
  }

  /** `EventRaised`: an external event arrived. */
  eventRaised(name: string, value?: unknown): this {
    return this.add({ type: "EventRaised", name, input: json(value) });
  }

  /** `EventSent`: the orchestrator sent event `name` to `instanceId` as task `id`. */
  eventSent(id: number, instanceId: string, name: string, value?: unknown): this {
    return this.add({ type: "EventSent", eventId: id, instanceId, name, input: json(value) });
  }

  /** `SubOrchestrationInstanceCreated`: the orchestrator started child `instanceId` as task `id`. */
  subOrchestrationCreated(id: number, name: string, instanceId: string, input?: unknown): this {
    return this.add({
      type: "SubOrchestrationInstanceCreated",
      eventId: id,
      name,
      instanceId,
      input: json(input),
    });
  }

  /**
   * `PatchMarkerRecorded`: the code took patch `patchId` (`ctx.patched` returned true on new execution) when its next
   * task was to be `position` (the marker sits just before that task's event).
   */
  patchMarker(patchId: string, position: number): this {
    return this.add({ type: "PatchMarkerRecorded", patchId, position });
  }

  /** `SubOrchestrationInstanceCompleted` for task `id`. */
  subOrchestrationCompleted(id: number, result?: unknown): this {
    return this.add({ type: "SubOrchestrationInstanceCompleted", taskScheduledId: id, result: json(result) });
  }

  /** `SubOrchestrationInstanceFailed` for task `id`. */
  subOrchestrationFailed(id: number, failure: FailureLike): this {
    return this.add({
      type: "SubOrchestrationInstanceFailed",
      taskScheduledId: id,
      failure: failureOf(failure),
    });
  }

  /** `ExecutionTerminated`. */
  terminated(reason?: string): this {
    return this.add({ type: "ExecutionTerminated", reason });
  }

  /** `ExecutionSuspended`. */
  suspended(reason?: string): this {
    return this.add({ type: "ExecutionSuspended", reason });
  }

  /** `ExecutionResumed`. */
  resumed(reason?: string): this {
    return this.add({ type: "ExecutionResumed", reason });
  }

  /** `ExecutionCompleted` with status `Completed`. */
  completed(result?: unknown): this {
    return this.add({ type: "ExecutionCompleted", status: "Completed", result: json(result) });
  }

  /** `ExecutionCompleted` with status `Failed`. */
  failed(failure: FailureLike): this {
    return this.add({ type: "ExecutionCompleted", status: "Failed", failure: failureOf(failure) });
  }

  /** A copy of all events. */
  build(): HistoryEvent[] {
    return [...this.#events];
  }

  /** The events before and after the {@link newEvents} mark (all are past when there is no mark). */
  split(): SplitHistory {
    const at = this.#splitAt ?? this.#events.length;
    return { past: this.#events.slice(0, at), newEvents: this.#events.slice(at) };
  }
}

/**
 * Starts a {@link HistoryBuilder}.
 * @example
 * const { past, newEvents } = history()
 *   .started("Greet", { input: "Tokyo" })
 *   .taskScheduled(0, "SayHello", "Tokyo")
 *   .episodeEnd()
 *   .newEvents()
 *   .episodeStart()
 *   .taskCompleted(0, "Hello Tokyo") // new events: the episode's end is recorded after it runs
 *   .split();
 * const result = await executeOrchestration({ resolve: (name) => handlers[name] }, past, newEvents);
 */
export function history(options?: HistoryBuilderOptions): HistoryBuilder {
  return new HistoryBuilder(options);
}
