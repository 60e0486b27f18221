/**
 * Function definitions: what `app.activity(...)` and `app.orchestration(...)` return. The definition objects carry
 * their handler's types, so `ctx.callActivity(def, input)` and `client.startNew(def, { input })` are typed by the
 * function's own signature.
 * @module
 */
import type { OrchestrationContext } from "./orchestration-context.js";

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
  /** Aborted when the worker shuts down; long activities should stop and let another worker redo them. */
  readonly signal: AbortSignal;
}

/** An activity function: the stateless worker that does the real I/O. At-least-once. */
export type ActivityHandler<I, O> = (input: I, context: ActivityContext) => O | Promise<O>;

/** An activity's settings, given when registering it (`app.activity(name, handler, options)`). */
export interface ActivityOptions {
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

/** An orchestrator function: ordinary `async` code, rebuilt by replaying its history. Must be deterministic. */
export type OrchestratorHandler<I, O> = (context: OrchestrationContext, input: I) => O | Promise<O>;

/** A registered orchestration. */
export interface OrchestrationDefinition<I = unknown, O = unknown> {
  readonly kind: "orchestration";
  readonly name: string;
  readonly handler: OrchestratorHandler<I, O>;
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
