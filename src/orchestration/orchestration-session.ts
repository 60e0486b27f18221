/**
 * The orchestration executor's state machine. A session runs one orchestrator function and feeds it history events
 * one at a time; it performs no I/O and reads no clock (time comes from `OrchestratorStarted` events).
 *
 * A session can be kept alive between episodes (the worker's cache, like Durable Functions' extended sessions):
 * feeding it only the new events gives the same result as replaying the whole history into a fresh session.
 * @module
 */
import type { GeneratorOrchestratorHandler, OrchestratorHandler } from "../api/definitions.js";
import { runOrchestratorFunction } from "../api/generator-orchestrator.js";
import {
  NonDeterminismError,
  OrchestrationLimitError,
  OrchestratorMisuseError,
  TaskFailedError,
  UnknownFunctionError,
} from "../core/errors.js";
import { toFailureDetails, type FailureDetails } from "../core/failure.js";
import {
  assertNever,
  type EventRaised,
  type ExecutionStarted,
  type HistoryEvent,
  type ParentInstanceInfo,
} from "../core/history-event.js";
import { deserialize, serialize } from "../core/json.js";
import type { TraceContext } from "../core/trace-context.js";
import {
  DEFAULT_MAX_HISTORY_EVENTS,
  DEFAULT_MAX_ORCHESTRATION_ACTIONS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  limitOption,
} from "../core/limits.js";
import type { OrchestratorAction } from "./actions.js";
import type { DurableTask } from "../api/durable-task.js";
import { EntityCalls } from "./entity-calls.js";
import type { EpisodeResult, ExecutionOutcome } from "./episode.js";
import { ExecutionBudget } from "./execution-budget.js";
import {
  OrchestrationContextImpl,
  instanceLogger,
  type ContextSession,
} from "./orchestration-context-impl.js";
import { PatchMarkers } from "./patch-markers.js";
import type { OpenTask, TaskKind } from "./session-port.js";
import {
  describeRecorded,
  divergenceMessage,
  firstDivergence,
  matchesRecorded,
  type RecordedActionEvent,
} from "./recorded-actions.js";
import type { LogSink } from "../core/logger.js";

/** Resolves an orchestrator name to its handler (`undefined` when not registered). */
export type OrchestratorResolver = (
  name: string,
) => OrchestratorHandler<unknown, unknown> | GeneratorOrchestratorHandler<unknown, unknown> | undefined;

/** Options of a session. */
export interface SessionOptions {
  readonly resolve: OrchestratorResolver;
  /** Names of registered orchestrators, for error messages. */
  readonly knownNames?: () => readonly string[];
  /** Where `ctx.log` writes (default: console). */
  readonly logSink?: LogSink;
  /**
   * Most actions one execution may schedule (default 100,000): activities, timers, sub-orchestrations, events sent
   * and entity operations, retries included. The action over the limit throws an `OrchestrationLimitError`, and
   * so does every later one; the execution fails with it. A warning is logged at 80%.
   */
  readonly maxOrchestrationActions?: number | undefined;
  /** Most history events one execution may have (default 500,000); as `maxOrchestrationActions` otherwise. */
  readonly maxHistoryEvents?: number | undefined;
  /** Largest payload (inputs, outputs, event data, custom status) as UTF-8 JSON, in bytes (default 16 MiB). */
  readonly maxPayloadBytes?: number | undefined;
  /**
   * The version stamped on sub-orchestrations started without one (the worker's `defaultVersion`); default: the
   * parent's version.
   */
  readonly defaultVersion?: string | undefined;
}

const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs one orchestrator function over its history. See the module comment. */
export class OrchestrationSession implements ContextSession {
  /** Number of history events this session has consumed (kept by the worker's cache). */
  historyLength = 0;
  /**
   * The trace context of the execution's orchestration span, once the worker derived it (kept by the worker, so that
   * it is derived once per execution, not once per step).
   */
  traceContext: TraceContext | undefined;

  instanceId = "";
  executionId = "";
  name = "";
  parent: ParentInstanceInfo | undefined;
  now = new Date(0);
  /** The execution's `ExecutionStarted` event, once seen. */
  startEvent: ExecutionStarted | undefined;
  replaying = true;

  private seq = 0;
  private guidCounter = 0;
  private started = false;
  private suspended = false;
  private outcome: ExecutionOutcome | undefined;
  private customStatus: string | undefined;
  private needsDrain = false;
  private preserveEvents = false;
  private readonly open = new Map<number, OpenTask>();
  private readonly finished = new Set<number>();
  private readonly unmatched = new Map<number, OrchestratorAction>();
  private readonly waiters: { name: string; task: DurableTask<unknown> }[] = [];
  private readonly buffered: EventRaised[] = [];
  private readonly heldWhileSuspended: HistoryEvent[] = [];
  private readonly context: OrchestrationContextImpl;
  private readonly budget: ExecutionBudget;
  /** Set once a limit was hit: every later action throws it (a loop that never awaits must stop). */
  private limitError: OrchestrationLimitError | undefined;
  /** @internal Entity calls and critical sections. */
  readonly entities = new EntityCalls(this);
  /** @internal Largest payload, in bytes. */
  readonly maxPayloadBytes: number;
  /** @internal Patch decisions and markers. */
  readonly #patches = new PatchMarkers();

  constructor(private readonly options: SessionOptions) {
    const log = instanceLogger(options.logSink ?? console, this);
    this.context = new OrchestrationContextImpl(this, log);
    this.maxPayloadBytes = limitOption(options.maxPayloadBytes, "maxPayloadBytes", DEFAULT_MAX_PAYLOAD_BYTES);
    const limits = {
      maxOrchestrationActions: limitOption(
        options.maxOrchestrationActions,
        "maxOrchestrationActions",
        DEFAULT_MAX_ORCHESTRATION_ACTIONS,
      ),
      maxHistoryEvents: limitOption(options.maxHistoryEvents, "maxHistoryEvents", DEFAULT_MAX_HISTORY_EVENTS),
    };
    this.budget = new ExecutionBudget(limits, this, log);
  }

  /** The execution's version (`""`: none), from its `ExecutionStarted`. */
  get version(): string {
    return this.startEvent?.version ?? "";
  }

  /** @internal The version for sub-orchestrations started without one (the worker's `defaultVersion`). */
  get defaultVersion(): string | undefined {
    return this.options.defaultVersion;
  }

  /** True once the execution ended (completed, failed, terminated or continued as new). */
  get isFinished(): boolean {
    return this.outcome !== undefined;
  }

  /** @internal The sequence number the next action will get. */
  get nextSequenceNumber(): number {
    return this.seq;
  }

  /**
   * Replays old history (`isReplaying` is true throughout). Give it the whole history at once: `ctx.patched` reads
   * ahead in it (see PatchMarkers).
   * @returns How many events were applied before the execution ended (all of them when it did not).
   */
  async replay(events: readonly HistoryEvent[]): Promise<number> {
    this.replaying = true;
    let applied = events.length;
    for (let i = 0; i < events.length; i++) {
      if (this.outcome !== undefined) {
        applied = i; // later events change nothing (feed ignores them)
        this.endedBeforeHistory(events.slice(i));
        break;
      }
      this.#patches.replayingAt(events, i);
      await this.feed(events[i]!);
    }
    this.historyLength += events.length;
    return applied;
  }

  /**
   * Applies new events (`isReplaying` false) and returns the episode's result. The returned actions count as
   * recorded: the caller must append them to history (or drop the session).
   */
  async execute(events: readonly HistoryEvent[]): Promise<EpisodeResult> {
    this.replaying = false;
    this.#patches.live();
    const pending = [...events];
    while (pending.length > 0 && this.outcome === undefined) await this.feed(pending.shift()!);
    if (this.outcome?.status === "ContinuedAsNew") this.carryOver(pending);
    if (this.outcome === undefined && this.started && !this.suspended) this.detectStall();
    // A terminated instance does no more work, even what it scheduled earlier in the same batch.
    const actions =
      this.outcome?.status === "Terminated" ? [] : [...this.unmatched.values()].sort((a, b) => a.id - b.id);
    this.unmatched.clear();
    const patches = this.#patches.takeRecorded();
    this.budget.recorded(actions.length + patches.length);
    const locksToRelease = this.outcome ? this.entities.locksToRelease() : undefined;
    return {
      actions,
      customStatus: this.customStatus,
      suspended: this.suspended,
      outcome: this.outcome,
      ...(locksToRelease ? { locksToRelease } : {}),
      ...(patches.length > 0 ? { patches } : {}),
    };
  }

  // ---- called by the context ----

  /** @internal Records an action and (for awaitable ones) the task that its result settles. */
  schedule(
    build: (id: number) => OrchestratorAction,
    kind?: TaskKind,
    task?: DurableTask<unknown>,
    label?: string,
  ): number {
    const id = this.seq++;
    // Checked even once the execution ended, so that code scheduling in a loop that never awaits stops.
    if (this.limitError) throw this.limitError;
    const exceeded = this.budget.action(id + 1, this.unmatched.size);
    if (exceeded) {
      this.limitError = exceeded;
      this.fail(exceeded);
      throw exceeded;
    }
    if (this.outcome !== undefined) return id; // the execution ended: later actions are ignored
    const action = build(id);
    this.unmatched.set(id, action);
    if (kind && task)
      this.open.set(id, {
        kind,
        name: label ?? ("name" in action ? action.name : "timer"),
        task,
        scheduledAt: this.now,
        ...(action.type === "CreateSubOrchestration" ? { childInstanceId: action.instanceId } : {}),
      });
    return id;
  }

  /**
   * When the open task `id` was scheduled (the timestamp of its `TimerCreated`, `TaskScheduled`...), or `undefined`
   * when no such task is open. Read by the worker before an episode, to time what the episode's events complete.
   */
  scheduledAt(id: number): Date | undefined {
    return this.open.get(id)?.scheduledAt;
  }

  /** @internal */
  cancelTimer(id: number): void {
    const open = this.open.get(id);
    if (open) open.cancelled = true;
  }

  /** @internal Registers a waiter, or completes it at once from a buffered event. */
  waitForEvent(name: string, task: DurableTask<unknown>): void {
    const index = this.buffered.findIndex((e) => sameName(e.name, name));
    if (index >= 0) {
      const [event] = this.buffered.splice(index, 1);
      this.settle(task, () => task.complete(deserialize(event!.input, `Event '${name}' data`)));
      return;
    }
    this.waiters.push({ name, task });
  }

  /** The instance IDs of the sub-orchestrations this execution started that have not finished, in start order. */
  private runningChildren(): string[] {
    const ids: string[] = [];
    for (const open of this.open.values())
      if (open.childInstanceId !== undefined) ids.push(open.childInstanceId);
    return ids;
  }

  /** @internal Drops a waiter whose wait timed out, so that a later event is buffered for the next wait. */
  cancelWait(task: DurableTask<unknown>): void {
    const index = this.waiters.findIndex((w) => w.task === task);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  /** @internal */
  setCustomStatus(value: unknown): void {
    this.customStatus = serialize(value, "Custom status", this.maxPayloadBytes);
  }

  /** @internal */
  continueAsNew(input: unknown, preserveUnprocessedEvents: boolean, version?: string): void {
    if (this.outcome !== undefined) return;
    const text = serialize(input, "continueAsNew input", this.maxPayloadBytes);
    this.preserveEvents = preserveUnprocessedEvents;
    this.outcome = {
      status: "ContinuedAsNew",
      input: text,
      carryoverEvents: preserveUnprocessedEvents ? [...this.buffered] : [],
      ...(version !== undefined ? { version } : {}),
    };
  }

  /** @internal `ctx.patched`, at the next task's sequence number. */
  patched(patchId: string): boolean {
    return this.#patches.patched(patchId, this.seq);
  }

  /** @internal `ctx.deprecatePatch`. */
  deprecatePatch(patchId: string): void {
    this.#patches.deprecatePatch(patchId, this.seq);
  }

  /** @internal */
  nextGuidName(): string {
    return `${this.instanceId}_${this.now.toISOString()}_${this.guidCounter++}`;
  }

  // ---- event processing ----

  /** Counts an event of the execution's history against its limits, then applies it. */
  private async feed(event: HistoryEvent): Promise<void> {
    if (this.outcome !== undefined) return;
    const exceeded = this.budget.event(event, this.unmatched.size);
    if (exceeded) {
      this.fail(exceeded);
      return;
    }
    await this.apply(event);
  }

  private async apply(event: HistoryEvent): Promise<void> {
    if (this.outcome !== undefined) return;
    if (this.suspended && holdsWhileSuspended(event)) {
      this.heldWhileSuspended.push(event);
      return;
    }
    try {
      this.dispatch(event);
    } catch (error) {
      this.fail(error);
    }
    if (this.needsDrain) {
      this.needsDrain = false;
      await drain();
    }
    if (event.type === "ExecutionResumed") {
      for (const held of this.heldWhileSuspended.splice(0)) await this.apply(held);
    }
  }

  private dispatch(event: HistoryEvent): void {
    switch (event.type) {
      case "ExecutionStarted":
        this.startEvent = event;
        return this.start(event.name, event.instanceId, event.executionId, event.input, event.parent);
      case "ExecutionCompleted":
      case "ExecutionRewound":
      case "OrchestratorCompleted":
        return;
      case "OrchestratorStarted":
        this.now = new Date(event.timestamp);
        return;
      case "ExecutionTerminated": {
        const children = event.recursive === false ? [] : this.runningChildren();
        this.outcome = {
          status: "Terminated",
          reason: event.reason,
          ...(children.length > 0 ? { children } : {}),
        };
        return;
      }
      case "ExecutionSuspended":
        this.suspended = true;
        return;
      case "ExecutionResumed":
        this.suspended = false; // held events are re-applied by apply()
        return;
      case "TaskScheduled":
      case "TimerCreated":
      case "SubOrchestrationInstanceCreated":
      case "EventSent":
        return this.matchRecorded(event);
      case "TaskCompleted":
        return this.resolve(event.taskScheduledId, "activity", (t) =>
          t.complete(deserialize(event.result, "Activity result")),
        );
      case "TaskFailed":
        return this.resolve(event.taskScheduledId, "activity", (t, open) =>
          t.fail(new TaskFailedError(`Activity '${open.name}' failed`, event.failure, open.name)),
        );
      case "SubOrchestrationInstanceCompleted":
        return this.resolve(event.taskScheduledId, "subOrchestration", (t) =>
          t.complete(deserialize(event.result, "Sub-orchestration result")),
        );
      case "SubOrchestrationInstanceFailed":
        return this.resolve(event.taskScheduledId, "subOrchestration", (t, open) =>
          t.fail(new TaskFailedError(`Sub-orchestration '${open.name}' failed`, event.failure, open.name)),
        );
      case "TimerFired":
        return this.resolve(event.timerId, "timer", (t, open) => {
          if (!open.cancelled) t.complete(undefined);
        });
      case "EventRaised":
        return this.deliver(event);
      case "EntityOperationCalled":
      case "EntityOperationSignaled":
      case "EntityLockRequested":
      case "EntityUnlockSent":
        return this.matchRecorded(event);
      case "EntityOperationCompleted":
      case "EntityOperationFailed":
      case "EntityLockGranted":
        return this.entities.deliver(event, (id, kind, settle) => this.resolve(id, kind, settle));
      case "PatchMarkerRecorded":
        return; // read ahead by `patched` (see PatchMarkers); a marker no call asks for is skipped
      default:
        return assertNever(event, "history event");
    }
  }

  private start(
    name: string,
    instanceId: string,
    executionId: string,
    input: string | undefined,
    parent: ParentInstanceInfo | undefined,
  ): void {
    if (this.started)
      throw new NonDeterminismError(`History contains a second ExecutionStarted for '${instanceId}'.`);
    this.started = true;
    this.name = name;
    this.instanceId = instanceId;
    this.executionId = executionId;
    this.parent = parent;
    const handler = this.options.resolve(name);
    if (!handler) throw new UnknownFunctionError("orchestrator", name, this.options.knownNames?.() ?? []);
    const value = deserialize(input, "Orchestration input");
    let promise: Promise<unknown>;
    try {
      promise = Promise.resolve(runOrchestratorFunction(handler, this.context, value, name));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => {
        if (this.outcome !== undefined) return;
        try {
          this.outcome = {
            status: "Completed",
            result: serialize(result, "Orchestration output", this.maxPayloadBytes),
          };
        } catch (error) {
          this.fail(error);
        }
      },
      (error: unknown) => this.fail(error),
    );
    this.needsDrain = true;
  }

  /**
   * The code ended its execution on replay before history did (`rest`: the events after that point). The actions
   * history recorded there must be ones the code issued before it ended (a task scheduled and not awaited): they are
   * matched, so they are not issued twice. Any other recorded action means the code no longer does what it did when
   * it ran (it now returns or continues as new earlier): that is a divergence, not a completion.
   */
  private endedBeforeHistory(rest: readonly HistoryEvent[]): void {
    // A failure is the code's own result (it now throws earlier, or a limit stopped it): reported as it is.
    const status = this.outcome?.status;
    if (status !== "Completed" && status !== "ContinuedAsNew") return;
    const divergence = firstDivergence(
      rest,
      this.name,
      (id) => this.unmatched.get(id),
      (id) => this.unmatched.delete(id),
    );
    if (divergence === undefined) return;
    this.outcome = undefined;
    this.fail(new NonDeterminismError(divergence));
  }

  /** Matches a recorded action against the action the code issued under its sequence number. */
  private matchRecorded(event: RecordedActionEvent): void {
    this.match(event.eventId, event.type, describeRecorded(event), (a) => matchesRecorded(a, event));
  }

  private match(
    id: number,
    eventType: string,
    what: string,
    matches: (a: OrchestratorAction) => boolean,
  ): void {
    const action = this.unmatched.get(id);
    if (!action || !matches(action))
      throw new NonDeterminismError(divergenceMessage(eventType, what, id, this.name, action));
    this.unmatched.delete(id);
  }

  private resolve(
    id: number,
    kind: TaskKind,
    settle: (task: DurableTask<unknown>, open: OpenTask) => void,
  ): void {
    const open = this.open.get(id);
    if (!open) {
      if (this.finished.has(id)) return; // a duplicate delivery: already applied
      throw new NonDeterminismError(
        `History has a ${kind} result for task #${id}, but the orchestrator '${this.name}' never scheduled task #${id}.`,
      );
    }
    if (open.kind !== kind)
      throw new NonDeterminismError(
        `History has a ${kind} result for task #${id}, but task #${id} of '${this.name}' is of kind ${open.kind}.`,
      );
    this.open.delete(id);
    this.finished.add(id);
    this.settle(open.task, () => settle(open.task, open));
  }

  private settle(task: DurableTask<unknown>, action: () => void): void {
    try {
      action();
    } catch (error) {
      task.fail(error);
    }
    this.needsDrain = true;
  }

  private deliver(event: EventRaised): void {
    const index = this.waiters.findIndex((w) => sameName(w.name, event.name));
    if (index < 0) {
      this.buffered.push(event);
      return;
    }
    const [waiter] = this.waiters.splice(index, 1);
    const task = waiter!.task;
    this.settle(task, () => task.complete(deserialize(event.input, `Event '${event.name}' data`)));
  }

  private carryOver(rest: readonly HistoryEvent[]): void {
    const outcome = this.outcome;
    if (outcome?.status !== "ContinuedAsNew" || !this.preserveEvents) return;
    const extra = rest.filter((e): e is EventRaised => e.type === "EventRaised");
    this.outcome = { ...outcome, carryoverEvents: [...outcome.carryoverEvents, ...extra] };
  }

  private detectStall(): void {
    if (this.open.size > 0 || this.waiters.length > 0) return;
    this.fail(
      new OrchestratorMisuseError(
        `Orchestrator '${this.name}' is waiting, but not on any durable task: it awaited a promise that does not ` +
          `come from the orchestration context (fetch, setTimeout, a plain Promise...). Do I/O in activities and ` +
          `wait with ctx.createTimer or ctx.waitForExternalEvent.`,
      ),
    );
  }

  private fail(error: unknown): void {
    if (this.outcome !== undefined) return;
    // The code no longer matches its history: its pending actions are not what history recorded (one may reuse a
    // recorded task ID). Issue none of them. Nor those of a runaway execution: they are what its limit refuses.
    if (error instanceof NonDeterminismError || error instanceof OrchestrationLimitError)
      this.unmatched.clear();
    const failure: FailureDetails = toFailureDetails(error);
    this.outcome = { status: "Failed", failure };
  }
}

function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

function holdsWhileSuspended(event: HistoryEvent): boolean {
  switch (event.type) {
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed":
    case "TimerFired":
    case "EventRaised":
    case "EntityOperationCompleted":
    case "EntityOperationFailed":
    case "EntityLockGranted":
      return true;
    default:
      return false;
  }
}
