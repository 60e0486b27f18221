/**
 * The implementation of {@link OrchestrationContext}: turns calls into actions recorded by the session.
 * @module
 */
import type { ActivityDefinition, OrchestrationDefinition } from "../api/definitions.js";
import {
  InvalidArgumentError,
  OrchestratorMisuseError,
  TimeoutError,
  isTaskFailedError,
} from "../core/errors.js";
import { toFailureDetails } from "../core/failure.js";
import {
  failureFields,
  toLogger,
  toSink,
  type LogFields,
  type Logger,
  type LogSink,
} from "../core/logger.js";
import { validateInstanceId } from "../core/instance-id.js";
import { serialize } from "../core/json.js";
import type { RetryPolicy } from "../core/retry-policy.js";
import type { SignalEntityOptions } from "../api/entity-definition.js";
import { entityId, type EntityId, type EntityRef } from "../core/entity-id.js";
import { checkOperationName, prepareSignal } from "../api/entity-lookup.js";
import { DurableTask, TimerTask, WhenAnyTask } from "../api/durable-task.js";
import { checkActivityTimeouts } from "../api/activity-timeouts.js";
import { compareVersions } from "../core/version-compare.js";
import { checkVersion } from "../core/versioning.js";
import { uuidV5 } from "./new-guid.js";
import { callHttp } from "./durable-http-call.js";
import type { DurableHttpRequest, DurableHttpResponse } from "../api/durable-http.js";
import type {
  CallActivityOptions,
  CallSubOrchestratorOptions,
  ContinueAsNewOptions,
  LockHandle,
  OrchestrationContext,
  ParentInfo,
  WaitForEventOptions,
} from "../api/orchestration-context.js";
import { replaySafe, type ReplaySafeLogger } from "../api/replay-safe-logger.js";
import type { ParentInstanceInfo } from "../core/history-event.js";
import type { EntityCalls } from "./entity-calls.js";
import type { SessionActions } from "./session-port.js";

/** @internal What the context uses of its session (the session implements it). */
export interface ContextSession extends SessionActions {
  /** The session's entity calls and critical sections. */
  readonly entities: EntityCalls;
  /** The parent instance, for a sub-orchestration. */
  readonly parent: ParentInstanceInfo | undefined;
  /** The current episode's time (`currentUtcDateTime`). */
  readonly now: Date;
  /** True while old history is replayed. */
  readonly replaying: boolean;
  /** The sequence number the next action will get. */
  readonly nextSequenceNumber: number;
  /** Marks a timer's task as cancelled. */
  cancelTimer(id: number): void;
  /** Registers a waiter for an external event, or completes it at once from a buffered event. */
  waitForEvent(name: string, task: DurableTask<unknown>): void;
  /** Drops a waiter that timed out (a later event is buffered). */
  cancelWait(task: DurableTask<unknown>): void;
  /** Sets the instance's custom status. */
  setCustomStatus(value: unknown): void;
  /** Ends the execution to continue as new (with `version`, when given). */
  continueAsNew(input: unknown, preserveUnprocessedEvents: boolean, version?: string): void;
  /** The execution's version (`""`: none). */
  readonly version: string;
  /** The version for sub-orchestrations started without one (the worker's `defaultVersion`). */
  readonly defaultVersion: string | undefined;
  /** `ctx.patched` at the current point of the code. */
  patched(patchId: string): boolean;
  /** `ctx.deprecatePatch` at the current point of the code. */
  deprecatePatch(patchId: string): void;
  /** The name of the next deterministic GUID. */
  nextGuidName(): string;
  /** Largest payload (inputs, event data), in bytes. */
  readonly maxPayloadBytes: number;
}

type Named = string | { readonly name: string };

function nameOf(target: Named, kind: string): string {
  const name = typeof target === "string" ? target : target?.name;
  if (typeof name !== "string" || name.length === 0)
    throw new InvalidArgumentError(`${kind} must be a registered definition or a non-empty name.`);
  return name;
}

/**
 * @internal The logger of a session's lines (`ctx.log`, retries, limits): replay-safe, each line carrying the
 * instance's fields (`instanceId`, `executionId`, `name`).
 */
export function instanceLogger(sink: LogSink, session: ContextSession): Logger {
  const base = toLogger(sink);
  let bound: { readonly key: string; readonly logger: Logger } | undefined;
  const current = (): Logger => {
    const { instanceId, executionId, name } = session;
    const key = `${instanceId}\n${executionId}\n${name}`;
    if (bound?.key !== key) bound = { key, logger: base.child({ instanceId, executionId, name }) };
    return bound.logger;
  };
  return replaySafe(current, () => session.replaying);
}

/** @internal The context object handed to orchestrator code. */
export class OrchestrationContextImpl implements OrchestrationContext {
  readonly log: ReplaySafeLogger;
  /** Taskhub's own lines about this instance (retries): replay-safe, with the instance's fields, as `log`. */
  readonly #logger: Logger;

  /** @param logger The session's {@link instanceLogger}. */
  constructor(
    private readonly session: ContextSession,
    logger: Logger,
  ) {
    this.#logger = logger;
    this.log = toSink(this.#logger);
  }

  get instanceId(): string {
    return this.session.instanceId;
  }
  get executionId(): string {
    return this.session.executionId;
  }
  get name(): string {
    return this.session.name;
  }
  get parent(): ParentInfo | undefined {
    const p = this.session.parent;
    return p ? { instanceId: p.instanceId, name: p.name } : undefined;
  }
  get currentUtcDateTime(): Date {
    return new Date(this.session.now.getTime());
  }
  get isReplaying(): boolean {
    return this.session.replaying;
  }
  get version(): string {
    return this.session.version;
  }

  compareVersionTo(version: string | undefined): -1 | 0 | 1 {
    if (version !== undefined && version !== null) checkVersion(version, "compareVersionTo's version");
    return compareVersions(this.session.version, version);
  }

  patched(patchId: string): boolean {
    return this.session.patched(patchId);
  }

  deprecatePatch(patchId: string): void {
    this.session.deprecatePatch(patchId);
  }

  callActivity<O>(
    activity: ActivityDefinition<never, unknown> | string,
    input?: unknown,
    options?: CallActivityOptions,
  ): DurableTask<O> {
    const name = nameOf(activity as Named, "callActivity's activity");
    const text = serialize(input, `Input of activity '${name}'`, this.session.maxPayloadBytes);
    const timeouts = checkActivityTimeouts(options, `callActivity('${name}')`);
    const attempt = (n: number, firstId: number | undefined): DurableTask<unknown> => {
      const task = new DurableTask<unknown>(`activity '${name}'`);
      this.session.schedule(
        (id) => ({
          type: "ScheduleTask",
          id,
          name,
          input: text,
          attempt: n,
          firstAttemptId: firstId ?? id,
          ...timeouts,
        }),
        "activity",
        task,
      );
      return task;
    };
    return this.withRetry(
      `activity '${name}'`,
      { activity: name },
      options?.retry,
      attempt,
    ) as DurableTask<O>;
  }

  callSubOrchestrator<O>(
    orchestration: OrchestrationDefinition<never, unknown> | string,
    input?: unknown,
    options?: CallSubOrchestratorOptions,
  ): DurableTask<O> {
    const name = nameOf(orchestration as Named, "callSubOrchestrator's orchestration");
    this.session.entities.checkSubOrchestration(name);
    const text = serialize(input, `Input of sub-orchestration '${name}'`, this.session.maxPayloadBytes);
    if (options?.instanceId !== undefined) validateInstanceId(options.instanceId);
    if (options?.version !== undefined)
      checkVersion(options.version, `callSubOrchestrator('${name}')'s version`);
    const version = options?.version ?? this.session.defaultVersion; // absent: the parent's (applyEpisode)
    let childId = options?.instanceId;
    const attempt = (n: number): DurableTask<unknown> => {
      const task = new DurableTask<unknown>(`sub-orchestration '${name}'`);
      this.session.schedule(
        (id) => {
          childId ??= `${this.session.instanceId}:${id.toString(16).padStart(4, "0")}`;
          // Each retry is a new child instance, as documented on CallSubOrchestratorOptions.retry.
          const instanceId = n === 1 ? childId : `${childId}-attempt-${n}`;
          return {
            type: "CreateSubOrchestration",
            id,
            name,
            instanceId,
            input: text,
            ...(version !== undefined ? { version } : {}),
          };
        },
        "subOrchestration",
        task,
      );
      return task;
    };
    return this.withRetry(
      `sub-orchestration '${name}'`,
      { subOrchestration: name },
      options?.retry,
      attempt,
    ) as DurableTask<O>;
  }

  callHttp(request: DurableHttpRequest): DurableTask<DurableHttpResponse> {
    return callHttp(this, request);
  }

  createTimer(fireAt: Date | number): TimerTask {
    const time = typeof fireAt === "number" ? fireAt : fireAt instanceof Date ? fireAt.getTime() : Number.NaN;
    if (!Number.isFinite(time))
      throw new InvalidArgumentError(
        `createTimer needs a valid Date or epoch milliseconds, got ${String(fireAt)}.`,
      );
    const due = new Date(time);
    let timerId = -1;
    const task = new TimerTask(`timer ${due.toISOString()}`, due, () => this.session.cancelTimer(timerId));
    timerId = this.session.schedule(
      (id) => ({ type: "CreateTimer", id, fireAt: due.toISOString() }),
      "timer",
      task,
    );
    return task;
  }

  waitForExternalEvent<T>(name: string, options?: WaitForEventOptions<T>): DurableTask<T> {
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("waitForExternalEvent needs a non-empty event name.");
    if (options !== undefined && (options === null || typeof options !== "object"))
      throw new InvalidArgumentError(
        "waitForExternalEvent's options must be an object ({ timeoutMs, defaultValue }).",
      );
    const timeoutMs = options?.timeoutMs;
    if (
      options !== undefined &&
      (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0)
    )
      throw new InvalidArgumentError(
        `waitForExternalEvent('${name}') needs a finite timeoutMs >= 0, got ${String(timeoutMs)}.`,
      );
    const event = new DurableTask<unknown>(`external event '${name}'`);
    this.session.waitForEvent(name, event);
    if (options === undefined || timeoutMs === undefined || event.isDone) return event as DurableTask<T>;
    return this.raceTimeout(name, event, timeoutMs, options) as DurableTask<T>;
  }

  /**
   * The wait of `event` raced by a durable timer of `timeoutMs`: the event cancels the timer; the timer drops the
   * waiter (a later event stays buffered) and gives the default value or a `TimeoutError`.
   */
  private raceTimeout(
    name: string,
    event: DurableTask<unknown>,
    timeoutMs: number,
    options: WaitForEventOptions<unknown>,
  ): DurableTask<unknown> {
    const task = new DurableTask<unknown>(`external event '${name}' (timeout ${timeoutMs} ms)`);
    const timer = this.createTimer(this.session.now.getTime() + timeoutMs);
    event.then(
      (value) => {
        timer.cancel();
        task.complete(value);
      },
      (error: unknown) => {
        timer.cancel();
        task.fail(error);
      },
    );
    void timer.then(() => {
      if (event.isDone) return;
      this.session.cancelWait(event);
      if ("defaultValue" in options) task.complete(options.defaultValue);
      else task.fail(new TimeoutError(`External event '${name}' did not arrive within ${timeoutMs} ms.`));
    });
    return task;
  }

  sendEvent(instanceId: string, name: string, data?: unknown): void {
    validateInstanceId(instanceId);
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("sendEvent needs a non-empty event name.");
    const input = serialize(data, `Data of event '${name}'`, this.session.maxPayloadBytes);
    this.session.schedule((id) => ({ type: "SendEvent", id, instanceId, name, input }));
  }

  whenAll<T>(tasks: readonly DurableTask<T>[]): DurableTask<T[]> {
    const all = new DurableTask<T[]>(`whenAll(${tasks.length})`);
    Promise.all(tasks).then(
      (values) => all.complete(values),
      (error: unknown) => all.fail(error),
    );
    return all;
  }

  whenAny<T extends DurableTask<unknown>>(tasks: readonly T[]): WhenAnyTask<T> {
    if (tasks.length === 0) throw new OrchestratorMisuseError("whenAny needs at least one task.");
    const any = new WhenAnyTask<T>();
    for (const task of tasks) {
      task.then(
        () => any.settle(task),
        () => any.settle(task),
      );
    }
    return any;
  }

  setCustomStatus(value: unknown): void {
    this.session.setCustomStatus(value);
  }

  continueAsNew(input?: unknown, options?: ContinueAsNewOptions): void {
    const version = options?.version;
    if (version !== undefined) {
      checkVersion(version, "continueAsNew's version");
      if (version.trim() === "")
        throw new InvalidArgumentError(
          "continueAsNew's version must be a non-empty string (leave it out to keep).",
        );
    }
    this.session.continueAsNew(input, options?.preserveUnprocessedEvents === true, version);
  }

  newGuid(): string {
    return uuidV5(this.session.nextGuidName());
  }

  callEntity<O>(entity: EntityRef, key: string, operation: string, input?: unknown): DurableTask<O> {
    const target = entityId(entity, key);
    checkOperationName(operation, "callEntity");
    const op = operation;
    const text = serialize(input, `Input of entity operation '${op}'`, this.session.maxPayloadBytes);
    return this.session.entities.call(target, op, text) as DurableTask<O>;
  }

  signalEntity(
    entity: EntityRef,
    key: string,
    operation: string,
    input?: unknown,
    options?: SignalEntityOptions,
  ): void {
    const target = entityId(entity, key);
    const signal = prepareSignal(undefined, target, operation, input, options, this.session.maxPayloadBytes);
    this.session.entities.signal(target, signal.operation, signal.input, signal.signalTime?.toISOString());
  }

  lockEntities(...entities: EntityId[]): DurableTask<LockHandle> {
    return this.session.entities.lock(entities);
  }

  isInCriticalSection(): boolean {
    return this.session.entities.inCriticalSection;
  }

  get lockedEntities(): readonly EntityId[] {
    return this.session.entities.lockedEntities;
  }

  /**
   * Runs `attempt` once, or under a retry policy with durable timers between attempts. Each retry is logged (once, at
   * `warn`, with `fields`, the failed attempt and the failure's `errorType` and `errorMessage`).
   */
  private withRetry(
    description: string,
    fields: LogFields,
    policy: RetryPolicy | undefined,
    attempt: (n: number, firstId: number | undefined) => DurableTask<unknown>,
  ): DurableTask<unknown> {
    if (!policy) return attempt(1, undefined);
    const outer = new DurableTask<unknown>(`${description} with retry`);
    const started = this.session.now.getTime();
    const firstId = this.session.nextSequenceNumber;
    void (async () => {
      for (let n = 1; ; n++) {
        try {
          outer.complete(await attempt(n, firstId));
          return;
        } catch (error) {
          const failure = isTaskFailedError(error) ? error.failure : toFailureDetails(error);
          const delay = policy.nextDelay(n, failure, this.session.now.getTime() - started);
          if (delay === undefined) {
            outer.fail(error);
            return;
          }
          this.#logger.warn(
            `Retrying ${description} in ${delay} ms (attempt ${n + 1} of ${policy.maxNumberOfAttempts}): ` +
              `attempt ${n} failed: ${failure.errorType}: ${failure.message}`,
            { ...fields, attempt: n, retryInMs: delay, ...failureFields(failure) },
          );
          await this.createTimer(this.session.now.getTime() + delay);
        }
      }
    })();
    return outer;
  }
}
