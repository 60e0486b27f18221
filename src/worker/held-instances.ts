/**
 * Instances a worker keeps leased while their one activity runs in the same worker, for a short while: when the
 * activity finishes in time, its result goes straight into the next step, committed in one transaction with the
 * activity's completion (no inbox message, no claim, one commit fewer). When it does not, the lease is released so
 * that the instance's other messages (events, timers, terminate) wait no longer than the hold. Also the work items a
 * worker makes for itself: a held instance's, and a first step's before its instance is stored.
 * @module
 */
import { randomUUID } from "node:crypto";
import type {
  ActivityWorkItem,
  CompletionOutcome,
  NewInstance,
  OrchestrationCompletion,
  OrchestrationWorkItem,
} from "../core/records.js";
import type { FastPathCompletion } from "../task-hub/local-dispatch.js";
import { isTerminalStatus } from "../core/runtime-status.js";
import { instanceAfterStep, pendingInstance } from "../task-hub/instance-records.js";
import { systemClock, type Clock } from "../task-hub/clock.js";

interface Held {
  readonly item: OrchestrationWorkItem;
  readonly timer: NodeJS.Timeout;
}

/** The held instances of one worker, keyed by the lock token of the activity each waits for. */
export class HeldInstances {
  readonly #held = new Map<string, Held>();
  /** Instance ID → how many of its holds are in place or being continued (taken, not yet settled). */
  readonly #leased = new Map<string, number>();

  /**
   * @param holdMs How long an instance is held for its activity (0: never).
   * @param release Releases an instance whose activity did not finish in time (or at shutdown).
   * @param clock The hub's clock (when an activity is due, the time of a held instance's row). The hold itself is
   *   real time: it bounds how long the instance's other messages wait, a latency.
   */
  constructor(
    readonly holdMs: number,
    private readonly release: (item: OrchestrationWorkItem) => unknown,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Whether a step's commit should keep its instance's lease: it schedules exactly one activity, due now, and the
   * instance goes on (not finished, not continued as new). Entities are never held.
   */
  wants(completion: OrchestrationCompletion): boolean {
    const [activity, ...more] = completion.activities;
    return (
      this.holdMs > 0 &&
      activity !== undefined &&
      more.length === 0 &&
      (activity.visibleAt === undefined || activity.visibleAt <= this.clock.now()) &&
      !completion.workItem.instanceId.startsWith("@") &&
      !isTerminalStatus(completion.instance.status) &&
      completion.instance.status !== "ContinuedAsNew" &&
      completion.newInstances.length === 0
    );
  }

  /**
   * Asks the completions whose one activity will be dispatched to this worker (of `slots` free activity slots, taken
   * in order as the hub leases them) to keep their instance's lease.
   */
  withHolds(completions: FastPathCompletion[], slots: number): FastPathCompletion[] {
    if (this.holdMs <= 0) return completions;
    const now = this.clock.now();
    let free = slots;
    return completions.map((completion) => {
      const wanted = free > 0 && this.wants(completion);
      free -= completion.activities.filter((a) => a.visibleAt === undefined || a.visibleAt <= now).length;
      return wanted ? { ...completion, keepLease: true } : completion;
    });
  }

  /**
   * After a commit: holds each kept instance for its activity when that was dispatched to this worker (and `running`),
   * or else releases it.
   */
  holdKept(
    completions: readonly FastPathCompletion[],
    outcomes: readonly CompletionOutcome[],
    dispatched: readonly ActivityWorkItem[],
    running: boolean,
  ): void {
    const now = this.clock.now();
    completions.forEach((completion, i) => {
      if (!completion.keepLease || outcomes[i] !== undefined) return;
      const taskId = completion.activities[0]?.taskId;
      const activity = dispatched.find(
        (a) => a.instanceId === completion.workItem.instanceId && a.taskId === taskId,
      );
      const item = heldWorkItem(completion, now);
      if (activity && running) this.hold(activity.lockToken, item);
      else this.release(item);
    });
  }

  /** Holds `item` (the instance as its step left it, still leased) until the activity `activityToken` finishes. */
  hold(activityToken: string, item: OrchestrationWorkItem): void {
    const timer = setTimeout(() => {
      if (this.#held.delete(activityToken)) this.#drop(item);
    }, this.holdMs);
    timer.unref();
    this.#held.set(activityToken, { item, timer });
    this.#leased.set(item.instanceId, (this.#leased.get(item.instanceId) ?? 0) + 1);
  }

  /**
   * Whether the worker holds `instanceId`'s lease through a hold: held for its activity, or taken to be continued and
   * not yet {@link settled}. Its next step is then committed by this worker, and a finish published in this process.
   */
  holds(instanceId: string): boolean {
    return this.#leased.has(instanceId);
  }

  /** A taken instance's continuation is over (committed, or its lease released). */
  settled(instanceId: string): void {
    const count = (this.#leased.get(instanceId) ?? 0) - 1;
    if (count > 0) this.#leased.set(instanceId, count);
    else this.#leased.delete(instanceId);
  }

  /**
   * The instance held for the activity `activityToken`, if it still is (it is then no longer held, but counts for
   * {@link holds} until {@link settled} is called).
   */
  take(activityToken: string): OrchestrationWorkItem | undefined {
    const held = this.#held.get(activityToken);
    if (!held) return undefined;
    clearTimeout(held.timer);
    this.#held.delete(activityToken);
    return held.item;
  }

  /** Releases every held instance (shutdown). */
  releaseAll(): void {
    for (const token of [...this.#held.keys()]) {
      const item = this.take(token);
      if (item) this.#drop(item);
    }
  }

  /** Ends a hold nobody continues: the instance no longer counts for {@link holds}, and its lease is released. */
  #drop(item: OrchestrationWorkItem): void {
    this.settled(item.instanceId);
    this.release(item);
  }
}

/** The work item of an instance after `completion` committed with `keepLease` (still leased, no messages). */
export function heldWorkItem(completion: OrchestrationCompletion, now: number): OrchestrationWorkItem {
  const { workItem } = completion;
  return {
    instanceId: workItem.instanceId,
    lockToken: workItem.lockToken,
    lockExpiresAt: workItem.lockExpiresAt,
    instance: instanceAfterStep(completion, workItem.instance.historyLength, now),
    messages: [],
    corruptMessages: [],
    deliveryCount: 1, // the hub restarted the count with the step (the lease kept is one delivery going on)
  };
}

/** The work item of an instance's first step, run before the instance is stored (see `startInstance`). */
export function firstStepWorkItem(request: NewInstance, now: number, leaseMs: number): OrchestrationWorkItem {
  const { event } = request;
  return {
    instanceId: event.instanceId,
    lockToken: randomUUID(),
    lockExpiresAt: now + leaseMs,
    instance: pendingInstance(request, now),
    messages: [{ id: 0, instanceId: event.instanceId, event, visibleAt: now }],
    corruptMessages: [],
    deliveryCount: 1,
  };
}
