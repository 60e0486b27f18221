/**
 * Runs one activity work item: finds the function, calls it with its context as one attempt (its signal, limits,
 * heartbeats and lease: `activity-attempt.ts`), and turns the outcome into a `TaskCompleted` / `TaskFailed` event, or
 * releases a silent attempt for redelivery. Every failed or released attempt is logged at `warn`.
 * @module
 */
import { builtInActivity } from "./http-activity.js";
import type { ActivityContext } from "../api/definitions.js";
import type { Registry } from "../api/registry.js";
import { resolveActivityTimeouts } from "../api/activity-timeouts.js";
import { isRemoteWorkerLostError, UnknownFunctionError, type TimeoutError } from "../core/errors.js";
import { toFailureDetails, type FailureDetails } from "../core/failure.js";
import { deserialize, serialize } from "../core/json.js";
import { errorFields, failureFields, type Logger } from "../core/logger.js";
import type { TaskCompleted, TaskFailed } from "../core/history-event.js";
import type { ActivityCompletion, ActivityWorkItem, TaskHub } from "../task-hub/task-hub.js";
import { systemClock, type Clock } from "../task-hub/clock.js";
import { ActivityAttempt, type AttemptEnd } from "./activity-attempt.js";
import { activityFields, orchestrationNameOf } from "./work-item-log.js";
import { traceActivity } from "../tracing/activity-spans.js";
import { tracingEnabled } from "../tracing/tracer.js";
import { REMOTE_WAIT_MS, type RemoteWork } from "./remote-work.js";

/** Runs activities for a worker. */
export class ActivityRunner {
  constructor(
    private readonly hub: TaskHub,
    private readonly registry: Registry,
    private readonly leaseMs: number,
    private readonly signal: AbortSignal,
    private readonly log: Logger,
    /** The hub's clock: result timestamps, the attempts' limits, the pace of lease renewals (leases expire on it). */
    private readonly clock: Clock = systemClock,
    /** `maxPayloadBytes`: the largest output accepted (default 16 MiB); a larger one fails the attempt for good. */
    private readonly limits: { readonly maxPayloadBytes?: number } = {},
    /** Where activities the registry does not have run (SDK workers connected to a sidecar); absent: none. */
    private readonly remote?: RemoteWork | undefined,
  ) {}

  /** A logger for lines about `item`, with its fields (the orchestration's name read from the hub). */
  async loggerFor(item: ActivityWorkItem): Promise<Logger> {
    return this.log.child(activityFields(item, await orchestrationNameOf(this.hub, item.instanceId)));
  }

  /**
   * Runs `item` to an outcome. Never throws: every failure becomes a `TaskFailed` result, a timeout (`timeoutMs`)
   * too. Resolves `undefined` when the attempt went silent (no heartbeat for its `heartbeatTimeoutMs`): it was then
   * released for redelivery, and there is nothing to commit.
   */
  async run(item: ActivityWorkItem): Promise<ActivityCompletion | undefined> {
    // Without a tracer provider, no span work at all (not even the API's no-op spans).
    return tracingEnabled() ? traceActivity(item, () => this.#run(item)) : this.#run(item);
  }

  async #run(item: ActivityWorkItem): Promise<ActivityCompletion | undefined> {
    const timestamp = (): string => new Date(this.clock.now()).toISOString();
    const definition = this.registry.activities.get(item.name) ?? builtInActivity(item.name);
    if (!definition && this.remote) return this.#runRemote(this.remote, item, timestamp);
    if (!definition) {
      const error = new UnknownFunctionError("activity", item.name, this.registry.activities.names());
      return this.failed(item, { ...toFailureDetails(error), nonRetryable: true }, timestamp);
    }
    const attempt = new ActivityAttempt({
      hub: this.hub,
      item,
      limits: resolveActivityTimeouts(item, definition),
      leaseMs: this.leaseMs,
      clock: this.clock,
      shutdown: this.signal,
      onRenewError: (error) => void this.logRenewError(item, error),
      maxPayloadBytes: this.limits.maxPayloadBytes,
    });
    let end: AttemptEnd;
    try {
      const input = deserialize(item.input, `Input of activity '${item.name}'`);
      const heartbeatDetails = deserialize(
        item.heartbeatDetails,
        `Heartbeat details of activity '${item.name}'`,
      );
      const context: ActivityContext = {
        instanceId: item.instanceId,
        executionId: item.executionId,
        name: definition.name,
        attempt: item.attempt,
        deliveryCount: item.deliveryCount,
        idempotencyKey: item.idempotencyKey,
        signal: attempt.signal,
        heartbeat: (details?: unknown) => attempt.heartbeat(details),
        heartbeatDetails,
      };
      end = await attempt.run(() => definition.handler(input as never, context));
    } catch (error) {
      attempt.end();
      return this.failed(item, toFailureDetails(error), timestamp);
    }
    if (end.kind === "silent") {
      await this.released(item, attempt, end.error);
      return undefined;
    }
    if (end.kind === "timedOut") return this.failed(item, toFailureDetails(end.error), timestamp);
    if (end.outcome.status === "rejected")
      return this.failed(item, toFailureDetails(end.outcome.reason), timestamp);
    try {
      const result = serialize(
        end.outcome.value,
        `Output of activity '${item.name}'`,
        this.limits.maxPayloadBytes,
      );
      return {
        workItem: item,
        result: { type: "TaskCompleted", timestamp: timestamp(), taskScheduledId: item.taskId, result },
      };
    } catch (error) {
      return this.failed(item, toFailureDetails(error), timestamp);
    }
  }

  /**
   * Runs `item` on a remote executor, under the same lease renewals and `timeoutMs` as a local attempt (the SDKs
   * have no heartbeats). Waits (released with a delay, the delivery given back) while no connected executor takes the
   * name; released at once when the executor went away; abandoned for a later retry on any other fault.
   */
  async #runRemote(
    remote: RemoteWork,
    item: ActivityWorkItem,
    timestamp: () => string,
  ): Promise<ActivityCompletion | undefined> {
    if (!remote.accepts("activity", item.name)) {
      await this.hub.abandonWorkItem(item, REMOTE_WAIT_MS).catch(() => undefined);
      return undefined;
    }
    const attempt = new ActivityAttempt({
      hub: this.hub,
      item,
      limits: { timeoutMs: item.timeoutMs, heartbeatTimeoutMs: undefined },
      leaseMs: this.leaseMs,
      clock: this.clock,
      shutdown: this.signal,
      onRenewError: (error) => void this.logRenewError(item, error),
      maxPayloadBytes: this.limits.maxPayloadBytes,
    });
    const end = await attempt.run(() => remote.executeActivity(item, attempt.signal));
    if (end.kind === "timedOut") return this.failed(item, toFailureDetails(end.error), timestamp);
    if (end.kind === "settled" && end.outcome.status === "fulfilled")
      return { workItem: item, result: end.outcome.value as TaskCompleted | TaskFailed };
    const reason = end.kind === "settled" ? (end.outcome as PromiseRejectedResult).reason : end.error;
    const lost = isRemoteWorkerLostError(reason);
    await this.hub
      .abandonWorkItem(item, lost || this.signal.aborted ? 0 : REMOTE_WAIT_MS)
      .catch(() => undefined);
    (await this.loggerFor(item))[lost || this.signal.aborted ? "debug" : "warn"](
      `Activity '${item.name}' attempt ${item.attempt} on a remote worker ended without an outcome: ` +
        `${String(reason)}; released for redelivery.`,
      { ...errorFields(reason), deliveryCount: item.deliveryCount },
    );
    return undefined;
  }

  /** Releases a silent attempt for redelivery, logged at `warn` (at `debug` when the worker is shutting down). */
  private async released(
    item: ActivityWorkItem,
    attempt: ActivityAttempt,
    error: TimeoutError,
  ): Promise<void> {
    // Released first, logged then (the log line reads the orchestration's name from the hub).
    const releaseError = await attempt.release().then(
      () => undefined,
      (failure: unknown) => failure ?? new Error("The release failed."),
    );
    const log = await this.loggerFor(item);
    const fields = { ...errorFields(error), deliveryCount: item.deliveryCount };
    if (releaseError === undefined)
      log[this.signal.aborted ? "debug" : "warn"](`${error.message} Released for redelivery.`, fields);
    // A lost lease: another worker has the attempt already. Anything else: the lease expires, then it is redelivered.
    else log.warn(`${error.message} Releasing it failed: ${String(releaseError)}`, fields);
  }

  /**
   * The `TaskFailed` outcome of a failed attempt (timestamped when it failed), logged at `warn`; at `debug` when the
   * worker is shutting down (the outcome is then dropped).
   */
  private async failed(
    item: ActivityWorkItem,
    failure: FailureDetails,
    timestamp: () => string,
  ): Promise<ActivityCompletion> {
    const result = {
      type: "TaskFailed",
      timestamp: timestamp(),
      taskScheduledId: item.taskId,
      failure,
    } as const;
    // At shutdown the outcome is dropped and the activity released for another worker: not a failed attempt.
    const aborted = this.signal.aborted;
    (await this.loggerFor(item))[aborted ? "debug" : "warn"](
      `Activity '${item.name}' attempt ${item.attempt} ${aborted ? "stopped by the shutdown" : "failed"}: ` +
        `${failure.errorType}: ${failure.message}`,
      {
        ...failureFields(failure),
        deliveryCount: item.deliveryCount,
        ...(failure.nonRetryable ? { nonRetryable: true } : {}),
      },
    );
    return { workItem: item, result };
  }

  /** Logs a failed lease renewal at `warn`. */
  private async logRenewError(item: ActivityWorkItem, error: unknown): Promise<void> {
    (await this.loggerFor(item)).warn(
      `Could not renew the lease of activity '${item.name}': ${String(error)}`,
      {
        ...errorFields(error),
      },
    );
  }
}
