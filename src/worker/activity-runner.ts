/**
 * Runs one activity work item: finds the function, calls it with its context, renews the lease while it runs, and
 * turns the outcome into a `TaskCompleted` / `TaskFailed` event. Every failed attempt is logged at `warn`.
 * @module
 */
import type { ActivityContext } from "../api/definitions.js";
import type { Registry } from "../api/registry.js";
import { UnknownFunctionError, isWorkItemLockLostError } from "../core/errors.js";
import { toFailureDetails, type FailureDetails } from "../core/failure.js";
import { deserialize, serialize } from "../core/json.js";
import { errorFields, failureFields, type Logger } from "../core/logger.js";
import type { ActivityCompletion, ActivityWorkItem, TaskHub } from "../task-hub/task-hub.js";
import { systemClock, type Clock } from "../task-hub/clock.js";
import { activityFields, orchestrationNameOf } from "./work-item-log.js";

/** Runs activities for a worker. */
export class ActivityRunner {
  constructor(
    private readonly hub: TaskHub,
    private readonly registry: Registry,
    private readonly leaseMs: number,
    private readonly signal: AbortSignal,
    private readonly log: Logger,
    /** The hub's clock: result timestamps, and the pace of lease renewals (the lease expires on it). */
    private readonly clock: Clock = systemClock,
    /** `maxPayloadBytes`: the largest output accepted (default 16 MiB); a larger one fails the attempt for good. */
    private readonly limits: { readonly maxPayloadBytes?: number } = {},
  ) {}

  /** A logger for lines about `item`, with its fields (the orchestration's name read from the hub). */
  async loggerFor(item: ActivityWorkItem): Promise<Logger> {
    return this.log.child(activityFields(item, await orchestrationNameOf(this.hub, item.instanceId)));
  }

  /** Runs `item` to an outcome. Never throws: every failure becomes a `TaskFailed` result. */
  async run(item: ActivityWorkItem): Promise<ActivityCompletion> {
    const timestamp = (): string => new Date(this.clock.now()).toISOString();
    const definition = this.registry.activities.get(item.name);
    if (!definition) {
      const error = new UnknownFunctionError("activity", item.name, this.registry.activities.names());
      return this.failed(item, { ...toFailureDetails(error), nonRetryable: true }, timestamp);
    }
    const context: ActivityContext = {
      instanceId: item.instanceId,
      executionId: item.executionId,
      name: definition.name,
      attempt: item.attempt,
      deliveryCount: item.deliveryCount,
      idempotencyKey: item.idempotencyKey,
      signal: this.signal,
    };
    const stopRenewing = this.keepLeased(item);
    try {
      const input = deserialize(item.input, `Input of activity '${item.name}'`);
      const output = await definition.handler(input as never, context);
      const result = serialize(output, `Output of activity '${item.name}'`, this.limits.maxPayloadBytes);
      return {
        workItem: item,
        result: { type: "TaskCompleted", timestamp: timestamp(), taskScheduledId: item.taskId, result },
      };
    } catch (error) {
      return this.failed(item, toFailureDetails(error), timestamp);
    } finally {
      stopRenewing();
    }
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

  /** Renews the lease at half its length, on the clock, until the returned function is called. */
  private keepLeased(item: ActivityWorkItem): () => void {
    let current = item;
    let stopped = false;
    let cancel = (): void => undefined;
    const every = Math.max(50, Math.floor(this.leaseMs / 2));
    const schedule = (): void => {
      cancel = this.clock.setTimer(() => {
        if (stopped) return;
        schedule(); // the next renewal keeps the pace, however long this one takes
        this.hub.renewActivityWorkItem(current, this.leaseMs).then(
          (lockExpiresAt) => {
            current = { ...current, lockExpiresAt };
          },
          (error: unknown) => {
            if (isWorkItemLockLostError(error)) stop();
            void this.loggerFor(item).then((log) =>
              log.warn(`Could not renew the lease of activity '${item.name}': ${String(error)}`, {
                ...errorFields(error),
              }),
            );
          },
        );
      }, every);
    };
    const stop = (): void => {
      stopped = true;
      cancel();
    };
    schedule();
    return stop;
  }
}
