/**
 * Orchestration dispatch: the loop that claims orchestration work items up to the free slots, the episodes that run
 * them (entities with their own processor), and the group commit of their steps.
 * @module
 */
import {
  isEntityBatchFailedError,
  isRemoteWorkerLostError,
  isWorkItemLockLostError,
} from "../core/errors.js";
import { errorFields, type Logger } from "../core/logger.js";
import type { CompletionOutcome, OrchestrationWorkItem } from "../core/records.js";
import type { EntityProcessor } from "../entities/entity-processor.js";
import type { FastPathCompletion } from "../task-hub/local-dispatch.js";
import { CommitBatcher } from "./commit-batcher.js";
import { dispatchLoop, workerLoopOptions } from "./dispatch-loop.js";
import type { OrchestrationProcessor, ProcessResult } from "./orchestration-processor.js";
import type { SessionCache } from "./session-cache.js";
import { WorkSignal } from "./work-signal.js";
import type { WorkerContext } from "./worker-context.js";
import { instanceFields, logTakeover } from "./work-item-log.js";
import { runAs, type WorkInFlight } from "./work-scope.js";
import { VersionRejections } from "./version-rejections.js";
import { REMOTE_WAIT_MS } from "./remote-work.js";
import { emitStepSpans } from "../tracing/orchestration-spans.js";

/** One worker's orchestration work: claimed or dispatched items run as episodes, their steps committed in groups. */
export class OrchestrationDispatch {
  /** Wakes the loop: new orchestration work, or a freed slot. */
  readonly signal: WorkSignal;
  /** Group commit of steps. */
  readonly commits: CommitBatcher<FastPathCompletion, CompletionOutcome>;
  /** Work for versions this worker must not run, left for compatible workers. */
  readonly #rejections: VersionRejections;

  /**
   * @param episodes The episodes in flight (shared with the worker's other parts, which count them).
   * @param commit Commits a group of steps (plain, or with local dispatch).
   */
  constructor(
    private readonly ctx: WorkerContext,
    private readonly processor: OrchestrationProcessor,
    private readonly entities: EntityProcessor,
    private readonly cache: SessionCache,
    private readonly episodes: Set<Promise<void>>,
    commit: (batch: FastPathCompletion[]) => Promise<readonly CompletionOutcome[]>,
  ) {
    this.signal = new WorkSignal(ctx.clock);
    this.commits = new CommitBatcher(commit);
    this.#rejections = new VersionRejections(ctx.hub, ctx.workerId, ctx.clock);
  }

  /** True when a notice of work visible at `visibleAt` is about work this worker rejected (see VersionRejections). */
  isOwnRejection(visibleAt: number | undefined): boolean {
    return this.#rejections.isOwnRejection(visibleAt);
  }

  /** Runs the dispatch loop until the worker stops; `inFlight` counts the episodes and the slots reserved. */
  loop(inFlight: { readonly size: number }): Promise<void> {
    const { hub, workerId, settings } = this.ctx;
    return dispatchLoop({
      ...workerLoopOptions(this.ctx, this.signal, inFlight, "orchestrations"),
      limit: settings.maxConcurrentOrchestrations,
      take: (max) =>
        this.ctx.solo.take(max, {
          kind: "orchestrations",
          claim: (n) => hub.lockOrchestrationWorkItems({ workerId, max: n, leaseMs: settings.leaseMs }),
          isSuspect: (item) => this.ctx.poison.isSuspectInstance(item),
          run: (item) => this.run(item),
          release: (item) => hub.abandonWorkItem(item, 0),
        }),
    });
  }

  /** Runs `item` (leased to this worker) as an episode in flight; resolves once it is over. */
  run(item: OrchestrationWorkItem): Promise<void> {
    const done = this.#episode(item).finally(() => {
      // A freed slot matters only to a loop waiting for one; new work is notified by the hub (commits say when
      // messages wait for the instance).
      const wasFull = this.episodes.size >= this.ctx.settings.maxConcurrentOrchestrations;
      this.episodes.delete(done);
      if (wasFull) this.signal.notify();
    });
    this.episodes.add(done);
    return done;
  }

  async #episode(item: OrchestrationWorkItem): Promise<void> {
    const { hub, workerId } = this.ctx;
    const log = (): Logger => this.ctx.log.child(instanceFields(item)); // only when a line is written
    if (item.takenOverFrom !== undefined) logTakeover(log(), "instance", item, workerId);
    this.ctx.metrics.takeover(item.instanceId.startsWith("@") ? "entity" : "orchestration", item);
    try {
      // Past its maxDeliveryCount, no user code runs: the step fails the instance (an entity: the operation).
      const quarantine = this.ctx.poison.ofInstance(item);
      // Entities (instance IDs `@name@key`; orchestration IDs never start with '@') have their own processor.
      const entity = item.instanceId.startsWith("@");
      // An entity run by remote executors waits while none that takes it is connected.
      if (entity && !quarantine && this.entities.awaitsExecutor(item)) {
        await hub.abandonWorkItem(item, REMOTE_WAIT_MS);
        this.signal.notifyAt(this.ctx.clock.now() + REMOTE_WAIT_MS);
        return;
      }
      const processed: ProcessResult = await runAs(instanceWork(item, workerId, entity), async () =>
        entity
          ? { kind: "complete", completion: await this.entities.process(item, quarantine) }
          : this.processor.process(item, quarantine),
      );
      if (processed.kind === "defer") {
        await hub.abandonWorkItem(item, processed.delayMs);
        this.signal.notifyAt(this.ctx.clock.now() + processed.delayMs);
        return;
      }
      if (processed.kind === "reject") {
        await this.#rejections.reject(item, processed.version, processed.reason, this.ctx.log);
        return;
      }
      // Cached before the commit: an activity it dispatches may finish (and continue the instance) before it returns.
      if (processed.session) this.cache.put(item.instanceId, processed.session);
      const outcome = await this.commits.submit(processed.completion);
      if (outcome) throw outcome;
      if (processed.trace) emitStepSpans(processed.trace);
      if (quarantine && processed.completion.quarantined)
        this.ctx.poison.logInstance(log(), workerId, processed.completion, quarantine);
    } catch (error) {
      this.cache.take(item.instanceId);
      if (isWorkItemLockLostError(error)) {
        log().warn(`Worker ${workerId}: ${error.message} (instance '${item.instanceId}')`, {
          workerId,
          ...errorFields(error),
        });
        return;
      }
      if (isRemoteWorkerLostError(error)) {
        // The SDK worker that had the episode went away: released at once for another one (its delivery given back).
        log().info(`Worker ${workerId}: ${error.message} Instance '${item.instanceId}' released.`, {
          workerId,
        });
        await hub.abandonWorkItem(item, 0).catch(() => undefined);
        return;
      }
      if (isEntityBatchFailedError(error)) {
        // The remote executor failed the batch as a whole: retried with the delivery counted (one operation per
        // step from the next delivery on, quarantined past maxDeliveryCount).
        log().warn(`Worker ${workerId}: ${error.message} Entity '${item.instanceId}' will be retried.`, {
          workerId,
          ...errorFields(error),
        });
        await hub.abandonWorkItem(item, 1000, { countDelivery: true }).catch(() => undefined);
        return;
      }
      log().error(
        `Worker ${workerId}: orchestration '${item.instanceId}' step failed, will retry: ${String(error)}`,
        { workerId, ...errorFields(error), err: error },
      );
      await hub.abandonWorkItem(item, 1000).catch(() => undefined);
    }
  }
}

/** An orchestration or entity step, as `exitOnUncaughtErrors` names it. */
function instanceWork(item: OrchestrationWorkItem, workerId: string, entity: boolean): WorkInFlight {
  const delivery = `delivery ${item.deliveryCount}`;
  return {
    kind: entity ? "entity" : "orchestration",
    description: entity
      ? `entity '${item.instanceId}' (${delivery})`
      : `orchestration '${item.instance.name}' (instance '${item.instanceId}', ${delivery})`,
    fields: { ...instanceFields(item), deliveryCount: item.deliveryCount, workerId },
    redelivery: item.deliveryCount > 1,
  };
}
