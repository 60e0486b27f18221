/**
 * The API orchestrator code uses. Everything here is replay-safe: results come from history, time is the time of
 * the current episode, IDs are derived deterministically.
 * @module
 */
import type { RetryPolicy } from "../core/retry-policy.js";
import type { ActivityDefinition, OrchestrationDefinition } from "./definitions.js";
import type {
  EntityDefinition,
  OperationArgs,
  OperationName,
  OperationOutput,
  SignalArgs,
  SignalEntityOptions,
} from "./entity-definition.js";
import type { EntityId } from "../core/entity-id.js";
import type { DurableTask, TimerTask, WhenAnyTask } from "./durable-task.js";
import type { ReplaySafeLogger } from "./replay-safe-logger.js";
import type { DurableHttpRequest, DurableHttpResponse } from "./durable-http.js";

/**
 * Options of `waitForExternalEvent`: a durable timer of `timeoutMs` races the event. When the timer wins, the wait
 * resolves with `defaultValue` when one was given (even `undefined`, as long as the property is present), else it
 * fails with a `TimeoutError`. An event that arrives after the timeout stays buffered for a later wait.
 */
export interface WaitForEventOptions<T = unknown> {
  /** How long to wait, in milliseconds (a finite number >= 0), on a durable timer. */
  readonly timeoutMs: number;
  /** The value the wait resolves with when the timeout elapses first (leave it out to fail with `TimeoutError`). */
  readonly defaultValue?: T;
}

/** Options for `callActivity`. */
export interface CallActivityOptions {
  /** Retry on failure, waiting on durable timers between attempts. */
  readonly retry?: RetryPolicy | undefined;
  /**
   * Longest run of one attempt, in ms (default: the activity's own `timeoutMs`, else none). An attempt that runs
   * longer fails with a `TimeoutError`, retried by `retry` like any failure; its `ctx.signal` is aborted.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Longest time between the attempt's `ctx.heartbeat()` calls, in ms (default: the activity's own
   * `heartbeatTimeoutMs`, else none). An attempt whose heartbeats stop is aborted and redelivered.
   */
  readonly heartbeatTimeoutMs?: number | undefined;
}

/** Options for `callSubOrchestrator`. */
export interface CallSubOrchestratorOptions {
  /** The child's instance ID (default: derived from the parent's ID and the call's sequence number). */
  readonly instanceId?: string | undefined;
  /** Retry on failure; each attempt is a new child instance (suffix `-attempt-N` after the first). */
  readonly retry?: RetryPolicy | undefined;
  /**
   * The version stamped on the child (default: the worker's `defaultVersion`, else this instance's version; `""`:
   * none).
   */
  readonly version?: string | undefined;
}

/** Options for `continueAsNew`. */
export interface ContinueAsNewOptions {
  /** Carry external events that arrived but were not consumed over to the new execution (default false). */
  readonly preserveUnprocessedEvents?: boolean | undefined;
  /** The version of the new execution (default: this execution's version). A non-empty string. */
  readonly version?: string | undefined;
}

/** The parent of a sub-orchestration. */
export interface ParentInfo {
  readonly instanceId: string;
  readonly name: string;
}

/** A critical section whose locks are held. Release it as soon as the work on the entities is done. */
export interface LockHandle {
  /** The locked entities, in lock order. */
  readonly lockedEntities: readonly EntityId[];
  /** Releases every lock of the section (idempotent). The section also ends when the orchestration ends. */
  release(): void;
}

/** The orchestration context passed to every orchestrator. */
export interface OrchestrationContext {
  /** This instance's ID. */
  readonly instanceId: string;
  /** This execution's ID (changes with continue-as-new). */
  readonly executionId: string;
  /** The orchestrator's registered name. */
  readonly name: string;
  /** The parent orchestration, for a sub-orchestration. */
  readonly parent: ParentInfo | undefined;
  /** The time of the current episode, the same on replay. Use it instead of `Date.now()`. */
  readonly currentUtcDateTime: Date;
  /** True while old history is being replayed. */
  readonly isReplaying: boolean;
  /**
   * The version stamped on this instance when it was created (`""` when it has none): the starting app's
   * `defaultVersion`, or the version its start asked for. The same on every replay; continue-as-new keeps it unless
   * told otherwise. Branch on it with {@link compareVersionTo}.
   */
  readonly version: string;
  /**
   * A logger that writes each line once, never while replaying, with the instance's fields (`instanceId`,
   * `executionId`, `name`); a last plain-object argument adds fields: `ctx.log.info("charged", { orderId })`.
   */
  readonly log: ReplaySafeLogger;

  /** Runs an activity; typed by its definition. */
  callActivity<I, O>(
    activity: ActivityDefinition<I, O>,
    input: I,
    options?: CallActivityOptions,
  ): DurableTask<Awaited<O>>;
  /** Runs an activity by name. */
  callActivity<O = unknown>(name: string, input?: unknown, options?: CallActivityOptions): DurableTask<O>;

  /** Runs a sub-orchestration; typed by its definition. */
  callSubOrchestrator<I, O>(
    orchestration: OrchestrationDefinition<I, O>,
    input: I,
    options?: CallSubOrchestratorOptions,
  ): DurableTask<Awaited<O>>;
  /** Runs a sub-orchestration by name. */
  callSubOrchestrator<O = unknown>(
    name: string,
    input?: unknown,
    options?: CallSubOrchestratorOptions,
  ): DurableTask<O>;

  /**
   * Sends an HTTP request as a durable task: it runs in the built-in activity `BuiltIn::HttpActivity`, so the
   * response is recorded in history and replays read it back. With `asynchronousPatternEnabled` (default true), a
   * `202 Accepted` with a `Location` header is polled (GET, the same headers) on durable timers, `Retry-After` apart
   * (default 1 s), until another status. The result is the final response, whatever its status: a `404` or a `500`
   * is a result, not a failure. A network error (or `timeoutMs`) fails the task, retried under `retry` when given.
   * @example
   * const res = await ctx.callHttp({ method: "POST", url: "https://example.com/jobs", body: { size: 3 } });
   * if (res.statusCode !== 200) throw new Error(`job failed: ${res.content}`);
   * @throws InvalidArgumentError for a malformed request (not an absolute http(s) URL, a bad method or header).
   */
  callHttp(request: DurableHttpRequest): DurableTask<DurableHttpResponse>;

  /** A durable timer due at `fireAt` (a `Date`, or epoch ms). No compute while it waits; survives restarts. */
  createTimer(fireAt: Date | number): TimerTask;

  /**
   * Waits for an external event raised with `client.raiseEvent` (names are case-insensitive). Events that arrive
   * before anyone waits are buffered, in order. With `options.timeoutMs`, a durable timer races the event (see
   * {@link WaitForEventOptions}); the timer is cancelled when the event comes first.
   */
  waitForExternalEvent<T = unknown>(name: string, options?: WaitForEventOptions<T>): DurableTask<T>;

  /** Sends an event to another instance (fire and forget). */
  sendEvent(instanceId: string, name: string, data?: unknown): void;

  /** Completes when all tasks completed (fails with the first failure, like `Promise.all`). */
  whenAll<T>(tasks: readonly DurableTask<T>[]): DurableTask<T[]>;

  /**
   * Completes with the first task that finished (completed or failed). Awaiting it gives the winning task object:
   * compare it with `===`, then await the original task for its value.
   */
  whenAny<T extends DurableTask<unknown>>(tasks: readonly T[]): WhenAnyTask<T>;

  /** Sets the custom status shown by `getStatus` (any JSON value). */
  setCustomStatus(value: unknown): void;

  /** Ends this execution and starts a new one with `input` and an empty history. Code after it does not run on. */
  continueAsNew(input?: unknown, options?: ContinueAsNewOptions): void;

  /** A deterministic, name-based UUID (v5), the same on every replay. */
  newGuid(): string;

  /**
   * Compares this instance's {@link OrchestrationContext.version | version} with `version`, by Durable Functions' rules: -1 when the instance's is
   * older, 0 when equal, 1 when newer. No version equals no version and is older than any; numeric dotted versions
   * compare as numbers (`"1.10"` is newer than `"1.9"`); others as text, ignoring case.
   * @example
   * if (ctx.compareVersionTo("2.0") >= 0) await ctx.callActivity(sendReceipt, order); // the 2.0 step
   */
  compareVersionTo(version: string | undefined): -1 | 0 | 1;

  /**
   * A patch: true when this execution runs the code after the patch, false when it replays a history recorded
   * before it. An execution that reaches this call on new code records a marker in its history and gets true, now
   * and on every replay; a history that went past this point without the marker (recorded by the old code) replays
   * with false, so it stays on the old branch and never fails with `NonDeterminismError`. Within one execution every
   * call with the same ID returns what the first one returned (a patch inside a loop is decided once).
   * @example
   * if (ctx.patched("discount-fix")) total = await ctx.callActivity(applyDiscount, order);
   * else total = order.total; // the old code, for histories recorded before the fix
   */
  patched(patchId: string): boolean;

  /**
   * The cleanup step of a patch, once no running instance can still be on the old branch: replace
   * `if (ctx.patched(id)) { new } else { old }` with `ctx.deprecatePatch(id); new`. It records nothing and replays
   * histories with or without the patch's marker. Once the instances that recorded the marker have finished, the call
   * can be removed too (a marker no code asks for is ignored).
   */
  deprecatePatch(patchId: string): void;

  /**
   * Calls an entity operation and waits for its result (typed by the definition). Operations on one entity run one
   * at a time; the entity is created by its first operation. A failed operation rejects with `TaskFailedError`.
   */
  callEntity<E extends EntityDefinition, K extends OperationName<E>>(
    entity: E,
    key: string,
    operation: K,
    ...input: OperationArgs<E, K>
  ): DurableTask<OperationOutput<E, K>>;
  /** Calls an entity operation by entity name. */
  callEntity<O = unknown>(entity: string, key: string, operation: string, input?: unknown): DurableTask<O>;

  /** Signals an entity operation: one way, delivered in order; with `signalTime`, not before that time. */
  signalEntity<E extends EntityDefinition, K extends OperationName<E>>(
    entity: E,
    key: string,
    operation: K,
    ...args: SignalArgs<E, K>
  ): void;
  /** Signals an entity operation by entity name. */
  signalEntity(
    entity: string,
    key: string,
    operation: string,
    input?: unknown,
    options?: SignalEntityOptions,
  ): void;

  /**
   * Opens a critical section: locks the entities (in a fixed global order, so sections never deadlock) and completes
   * once all are held. Until `release()` (or the end of the orchestration), other callers' operations on them wait.
   * Inside a section: call only the locked entities, one call per entity at a time; do not signal them, nest
   * sections or start sub-orchestrations (each throws `LockingRulesViolationError`).
   * @example
   * const lock = await ctx.lockEntities(account.id("a"), account.id("b"));
   * try { ... } finally { lock.release(); }
   */
  lockEntities(...entities: EntityId[]): DurableTask<LockHandle>;

  /** True inside a critical section (from `lockEntities` until the section is released). */
  isInCriticalSection(): boolean;

  /** The entities of the current critical section (empty outside one). */
  readonly lockedEntities: readonly EntityId[];
}
