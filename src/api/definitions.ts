/**
 * Function definitions: what `app.activity(...)` and `app.orchestration(...)` return. The definition objects carry
 * their handler's types, so `ctx.callActivity(def, input)` and `client.startNew(def, { input })` are typed by the
 * function's own signature.
 * @module
 */
import type { OrchestrationContext } from "./orchestration-context.js";
import type { OrchestratorGenerator } from "./generator-orchestrator.js";

/** What an activity receives besides its input. */
export interface ActivityContext {
  /** The calling orchestration's instance ID. */
  readonly instanceId: string;
  /** The calling orchestration's execution ID. */
  readonly executionId: string;
  /** The activity's registered name. */
  readonly name: string;
  /** Retry attempt, 1 for the first call (orchestration-level retry policy). */
  readonly attempt: number;
  /**
   * How often this exact attempt was delivered to a worker, this delivery included (> 1 after a crash or lease loss;
   * a release by a worker shutting down does not count).
   */
  readonly deliveryCount: number;
  /**
   * The same on every redelivery and every retry of this call: use it to make side effects idempotent
   * (for example as the payment provider's idempotency key, so a card is never charged twice).
   */
  readonly idempotencyKey: string;
  /**
   * Aborted when the attempt should stop: it ran past its `timeoutMs`, sent no heartbeat for its
   * `heartbeatTimeoutMs` (the reason is then a `TimeoutError` naming the limit), or the worker shuts down. Pass it to
   * `fetch` and other cancellable calls. Code that ignores it keeps running, but its result is discarded.
   */
  readonly signal: AbortSignal;
  /**
   * Reports that the attempt is alive, with optional progress `details` (any JSON value; the last one counts). Cheap
   * to call often: the lease is renewed at most once per half lease, not once per call. With a `heartbeatTimeoutMs`,
   * heartbeats are what keeps the lease, and an attempt that stops calling this for longer is aborted and
   * redelivered. The details are stored with the renewals and handed to the next delivery of this attempt as
   * {@link heartbeatDetails} (after a crash, a lost lease or a heartbeat timeout), so it can resume.
   * @throws InvalidArgumentError when `details` cannot be serialized to JSON.
   */
  heartbeat(details?: unknown): void;
  /**
   * The heartbeat details an earlier delivery of this attempt stored, `undefined` on a first delivery (and on a
   * retry: a retry is a new attempt and starts over).
   */
  readonly heartbeatDetails: unknown;
}

/** An activity function: the stateless worker that does the real I/O. At-least-once. */
export type ActivityHandler<I, O> = (input: I, context: ActivityContext) => O | Promise<O>;

/** An activity's defaults and limits, given when registering it (`app.activity(name, handler, options)`). */
export interface ActivityOptions {
  /**
   * Longest run of one attempt, in ms (a `callActivity` option overrides it). An attempt that runs longer fails with
   * a `TimeoutError` (retried by the call's retry policy like any failure) and its `ctx.signal` is aborted. Default:
   * no limit.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Longest time between two `ctx.heartbeat()` calls, in ms (a `callActivity` option overrides it). With it, the
   * attempt's lease is kept by its heartbeats, and an attempt that stops sending them is aborted and redelivered.
   * Default: none (the lease is renewed automatically while the attempt runs).
   */
  readonly heartbeatTimeoutMs?: number | undefined;
  /**
   * Deliveries of one attempt that may end without completing (the worker crashed, hung or lost its lease) before the
   * attempt is quarantined as poison work: its next delivery does not run the code but fails the attempt with a
   * non-retryable `PoisonMessageError`, which the orchestration sees as the call's failure. Default: the worker's
   * `maxDeliveryCount` (10).
   */
  readonly maxDeliveryCount?: number | undefined;
}

/** A registered activity. */
export interface ActivityDefinition<I = unknown, O = unknown> extends ActivityOptions {
  readonly kind: "activity";
  readonly name: string;
  readonly handler: ActivityHandler<I, O>;
}

/**
 * An orchestrator function: ordinary `async` code (or a plain function), rebuilt by replaying its history. Must be
 * deterministic. A `function*` generator that yields tasks is the other form ({@link GeneratorOrchestratorHandler}).
 */
export type OrchestratorHandler<I, O> = (context: OrchestrationContext, input: I) => O | Promise<O>;

/**
 * A generator orchestrator function, the Durable Functions JavaScript v3 shape: `yield task` gives the task's result
 * (typed `any`; `yield* resultOf(task)` types it), a failed task is thrown at the `yield`.
 */
export type GeneratorOrchestratorHandler<I, O> = (
  context: OrchestrationContext,
  input: I,
) => OrchestratorGenerator<O>;

/** A registered orchestration. */
export interface OrchestrationDefinition<I = unknown, O = unknown> {
  readonly kind: "orchestration";
  readonly name: string;
  readonly handler: OrchestratorHandler<I, O> | GeneratorOrchestratorHandler<I, O>;
}

/** Input type of an activity or orchestration definition. */
export type InputOf<D> =
  D extends ActivityDefinition<infer I, unknown>
    ? I
    : D extends OrchestrationDefinition<infer I, unknown>
      ? I
      : never;

/** Output type of an activity or orchestration definition (promises unwrapped). */
export type OutputOf<D> =
  D extends ActivityDefinition<never, infer O>
    ? Awaited<O>
    : D extends OrchestrationDefinition<never, infer O>
      ? Awaited<O>
      : never;
