/**
 * Activity dispatch: the loop that claims activity work items up to the free slots, the runs of those items, and the
 * group commit of their results; a result whose instance is held here goes straight into its next step instead.
 * @module
 */
import { errorFields } from "../core/logger.js";
import type { ActivityCompletion, ActivityWorkItem, CompletionOutcome } from "../core/records.js";
import type { ActivityRunner } from "./activity-runner.js";
import { CommitBatcher } from "./commit-batcher.js";
import { dispatchLoop, workerLoopOptions } from "./dispatch-loop.js";
import type { LocalDispatch } from "./local-dispatch.js";
import { WorkSignal } from "./work-signal.js";
import type { WorkerContext } from "./worker-context.js";
import { activityFields, logTakeover } from "./work-item-log.js";
import { runAs, type WorkInFlight } from "./work-scope.js";

/** One worker's activity work: claimed or dispatched items run, their results committed in groups. */
export class ActivityDispatch {
  /** Wakes the loop: new activity work, or a freed slot. */
  readonly signal: WorkSignal;
  /** Group commit of results. */
  readonly commits: CommitBatcher<ActivityCompletion, CompletionOutcome>;

  /**
   * @param aborted Aborted at shutdown once the grace period is over: results of activities still running are then
   *   dropped (their items are released for another worker).
   * @param activities The activities in flight (shared with the worker's other parts, which count them).
   * @param local Held instances, which a result may continue.
   * @param commit Commits a group of results (plain, or with local dispatch).
   */
  constructor(
    private readonly ctx: WorkerContext,
    private readonly runner: ActivityRunner,
    private readonly aborted: AbortSignal,
    private readonly activities: Map<ActivityWorkItem, Promise<void>>,
    private readonly local: LocalDispatch,
    commit: (batch: ActivityCompletion[]) => Promise<readonly CompletionOutcome[]>,
  ) {
    this.signal = new WorkSignal(ctx.clock);
    this.commits = new CommitBatcher(commit);
  }

  /** Runs the dispatch loop until the worker stops; `inFlight` counts the activities and the slots reserved. */
  loop(inFlight: { readonly size: number }): Promise<void> {
    const { hub, workerId, settings } = this.ctx;
    return dispatchLoop({
      ...workerLoopOptions(this.ctx, this.signal, inFlight, "activities"),
      limit: settings.maxConcurrentActivities,
      take: (max) =>
        this.ctx.solo.take(max, {
          kind: "activities",
          claim: (n) => hub.lockActivityWorkItems({ workerId, max: n, leaseMs: settings.leaseMs }),
          isSuspect: (item) => this.ctx.poison.isSuspectActivity(item),
          run: (item) => this.run(item),
          release: (item) => hub.abandonWorkItem(item, 0),
        }),
    });
  }

  /** Runs `item` (leased to this worker) as an activity in flight; resolves once it is over. */
  run(item: ActivityWorkItem): Promise<void> {
    const done = this.#activity(item).finally(() => {
      const wasFull = this.activities.size >= this.ctx.settings.maxConcurrentActivities;
      this.activities.delete(item);
      if (wasFull) this.signal.notify();
    });
    this.activities.set(item, done);
    return done;
  }

  async #activity(item: ActivityWorkItem): Promise<void> {
    const { hub, workerId } = this.ctx;
    if (item.takenOverFrom !== undefined)
      logTakeover(await this.runner.loggerFor(item), "activity", item, workerId);
    this.ctx.metrics.takeover("activity", item);
    // Past its maxDeliveryCount, the activity is not run: it fails with a PoisonMessageError.
    const quarantined = this.ctx.poison.activityResult(item, new Date(this.ctx.clock.now()).toISOString());
    const began = performance.now(); // a duration, on the monotonic clock
    const completion =
      quarantined ?? (await runAs(activityWork(item, workerId), () => this.runner.run(item)));
    if (!this.aborted.aborted)
      this.ctx.metrics.activityEnded(item, completion, (performance.now() - began) / 1000);
    // Released at shutdown, or (undefined) by the runner after a heartbeat timeout: another delivery redoes it.
    if (this.aborted.aborted || completion === undefined) return;
    const held = this.local.held.take(item.lockToken);
    if (held) {
      const continued = await this.local
        .continueHeld(held, completion)
        .finally(() => this.local.held.settled(held.instanceId));
      if (continued) return;
    }
    try {
      const outcome = await this.commits.submit(completion);
      if (outcome)
        void this.runner.loggerFor(item).then((log) =>
          log.warn(`Worker ${workerId}: ${outcome.message}`, {
            workerId,
            ...errorFields(outcome),
          }),
        );
      else if (quarantined)
        void this.runner
          .loggerFor(item)
          .then((log) => this.ctx.poison.logActivity(log, workerId, quarantined));
    } catch (error) {
      // Logged without waiting for the orchestration's name: the hub may be unreachable.
      void this.runner.loggerFor(item).then((log) =>
        log.error(`Worker ${workerId}: committing activity '${item.name}' failed: ${String(error)}`, {
          workerId,
          ...errorFields(error),
        }),
      );
      await hub.abandonWorkItem(item, 1000).catch(() => undefined);
    }
  }
}

/** An activity run, as `exitOnUncaughtErrors` names it. */
function activityWork(item: ActivityWorkItem, workerId: string): WorkInFlight {
  return {
    kind: "activity",
    description:
      `activity '${item.name}' (attempt ${item.attempt}, delivery ${item.deliveryCount}) ` +
      `of instance '${item.instanceId}'`,
    fields: { ...activityFields(item, undefined), deliveryCount: item.deliveryCount, workerId },
    redelivery: item.deliveryCount > 1,
  };
}
