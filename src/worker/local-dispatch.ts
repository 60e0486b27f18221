/**
 * A worker's side of the fast paths ({@link LocalDispatchCapability}): the free slots it reserves for the work its
 * commits may be handed, the commits that ask for that work and run what they get, the start of an instance in this
 * worker (first step committed with the creation, or eager start), and the instances held for their activity. On a hub
 * without the capability, starts are plain creations and nothing is reserved.
 * @module
 */
import { emitStepSpans } from "../tracing/orchestration-spans.js";
import { errorFields } from "../core/logger.js";
import type {
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  NewInstance,
  OrchestrationWorkItem,
} from "../core/records.js";
import type {
  DispatchRequest,
  Dispatched,
  FastPathCompletion,
  LocalDispatchCapability,
} from "../task-hub/local-dispatch.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { firstStepWorkItem, HeldInstances } from "./held-instances.js";
import type { OrchestrationProcessor } from "./orchestration-processor.js";
import type { SessionCache } from "./session-cache.js";
import { releaseWorkItem, type WorkerContext } from "./worker-context.js";
import { instanceFields } from "./work-item-log.js";

/** The kinds of work items a worker runs. */
export type WorkKind = "activities" | "orchestrations";

/** What local dispatch needs of the worker's dispatch of each kind. */
export interface LocalWork {
  /** Episodes in flight. */
  readonly episodes: { readonly size: number };
  /** Activities in flight. */
  readonly activities: { readonly size: number };
  /** Runs an orchestration work item leased to this worker. */
  runEpisode(item: OrchestrationWorkItem): void;
  /** Runs an activity work item leased to this worker. */
  runActivity(item: ActivityWorkItem): void;
  /** Commits a step with the other steps in flight; resolves with its outcome. */
  submitStep(completion: FastPathCompletion): Promise<CompletionOutcome>;
}

/** One worker's local dispatch: reserved slots, dispatching commits, starts in this worker, held instances. */
export class LocalDispatch {
  /** Instances held for their activity (never any on a hub without the fast paths). */
  readonly held: HeldInstances;
  /** Slots held for work a commit in flight may hand over. */
  readonly #reserved = { activities: 0, orchestrations: 0 };

  /**
   * @param fast The hub's fast paths, when it has them (detected once, by the worker).
   */
  constructor(
    private readonly ctx: WorkerContext,
    private readonly fast: (TaskHub & LocalDispatchCapability) | undefined,
    private readonly processor: OrchestrationProcessor,
    private readonly cache: SessionCache,
    private readonly work: LocalWork,
  ) {
    this.held = new HeldInstances(
      ctx.settings.activityHoldMs,
      (item) => releaseWorkItem(ctx.hub, item),
      ctx.clock,
    );
  }

  /** Work items of a kind in flight, counting the slots reserved for local dispatch. */
  inFlight(kind: WorkKind): { readonly size: number } {
    const running = kind === "activities" ? this.work.activities : this.work.episodes;
    const reserved = this.#reserved;
    return {
      get size() {
        return running.size + reserved[kind];
      },
    };
  }

  /** Local dispatch: commits lease the work they create to this worker, up to its free slots (reserved meanwhile). */
  async commitSteps(
    fast: LocalDispatchCapability,
    batch: FastPathCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    const maxActivities = this.#reserve("activities");
    try {
      const c = this.ctx.running ? this.held.withHolds(batch, maxActivities) : batch;
      const results = await fast.completeOrchestrationsAndDispatch(
        c,
        this.#dispatchRequest({ maxActivities }),
      );
      this.held.holdKept(c, results.outcomes, results.dispatched?.activities ?? [], this.ctx.running);
      this.#take(results.dispatched);
      return results.outcomes;
    } finally {
      this.#reserved.activities -= maxActivities;
    }
  }

  /** Local dispatch of activity results: the instances they go to, leased to this worker up to its free slots. */
  async commitResults(
    fast: LocalDispatchCapability,
    batch: ActivityCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    const maxOrchestrations = this.#reserve("orchestrations");
    try {
      const results = await fast.completeActivitiesAndDispatch(
        batch,
        this.#dispatchRequest({ maxOrchestrations }),
      );
      this.#take(results.dispatched);
      return results.outcomes;
    } finally {
      this.#reserved.orchestrations -= maxOrchestrations;
    }
  }

  /** See `Worker.startInstance`. */
  async startInstance(
    request: NewInstance,
    create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>,
  ): Promise<void> {
    if (!this.fast) {
      await create(); // the plain path: a worker claims the start
      return;
    }
    // A remote executor's first step is not run before the start returns: the instance is created leased to this
    // worker, which hands the step to the executor (the start then waits for no SDK round trip).
    if (this.processor.runsRemotely(request.event.name)) return this.dispatchStart(create);
    const { clock, settings, workerId } = this.ctx;
    const now = clock.now();
    const due = request.visibleAt === undefined || request.visibleAt <= now;
    const slots = due ? this.#reserve("orchestrations", 1) : 0;
    if (slots === 0) return this.dispatchStart(create);
    let started = false;
    let rejected = false;
    try {
      const item = firstStepWorkItem(request, now, settings.leaseMs);
      const processed = await this.processor.process(item);
      rejected = processed.kind === "reject"; // a version this worker does not run: for any other worker
      if (processed.kind === "complete") {
        const completion = { ...processed.completion, createsInstance: true };
        if (processed.session) this.cache.put(item.instanceId, processed.session); // see OrchestrationDispatch
        started = (await this.work.submitStep(completion)) === undefined; // else the ID is in use
        if (started && processed.trace) emitStepSpans(processed.trace);
      }
    } catch (error) {
      const { instanceId, executionId, name } = request.event;
      this.ctx.log.warn(
        `Worker ${workerId}: starting '${instanceId}' in this worker failed, creating it for any worker: ` +
          String(error),
        { instanceId, executionId, name, workerId, ...errorFields(error) },
      );
    } finally {
      this.#reserved.orchestrations -= slots;
    }
    if (started) return;
    this.cache.take(request.event.instanceId);
    if (rejected) await create();
    else await this.dispatchStart(create);
  }

  /** See `Worker.dispatchStart`. */
  async dispatchStart(
    create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>,
  ): Promise<void> {
    const slots = this.fast ? this.#reserve("orchestrations", 1) : 0;
    try {
      this.#take(await create(this.#dispatchRequest({ maxOrchestrations: slots })));
    } finally {
      this.#reserved.orchestrations -= slots;
    }
  }

  /**
   * The activity's result goes straight into the next step of its held instance, committed with the activity's
   * completion. Returns false when it could not (the activity's result is then committed the usual way).
   */
  async continueHeld(held: OrchestrationWorkItem, completion: ActivityCompletion): Promise<boolean> {
    const { workItem: activity, result } = completion;
    const item: OrchestrationWorkItem = {
      ...held,
      messages: [
        {
          id: 0,
          instanceId: held.instanceId,
          executionId: activity.executionId,
          event: result,
          visibleAt: this.ctx.clock.now(),
        },
      ],
    };
    try {
      const processed = await this.processor.process(item);
      if (processed.kind === "complete") {
        const step = { ...processed.completion, consumedMessageIds: [], consumedActivities: [activity] };
        if (processed.session) this.cache.put(held.instanceId, processed.session); // see OrchestrationDispatch
        if ((await this.work.submitStep(step)) === undefined) {
          if (processed.trace) emitStepSpans(processed.trace);
          return true;
        }
      }
    } catch (error) {
      const { workerId } = this.ctx;
      this.ctx.log.warn(`Worker ${workerId}: continuing '${held.instanceId}' failed: ${String(error)}`, {
        ...instanceFields(held),
        workerId,
        ...errorFields(error),
      });
    }
    this.cache.take(held.instanceId);
    await releaseWorkItem(this.ctx.hub, held);
    return false;
  }

  /**
   * Runs the work a commit dispatched to this worker; when stopping, releases it for another worker. A suspect is
   * released too, and the worker drains: it runs alone, from a solo claim (see `solo-runs.ts`).
   */
  #take(dispatched: Dispatched | undefined): void {
    const { hub, poison, solo } = this.ctx;
    const release = (item: ActivityWorkItem | OrchestrationWorkItem) => releaseWorkItem(hub, item);
    for (const item of dispatched?.activities ?? [])
      if (!this.ctx.running) void release(item);
      else if (poison.isSuspectActivity(item)) void solo.drain([item], release);
      else this.work.runActivity(item);
    for (const item of dispatched?.orchestrations ?? [])
      if (!this.ctx.running) void release(item);
      else if (poison.isSuspectInstance(item)) void solo.drain([item], release);
      else this.work.runEpisode(item);
  }

  /**
   * Reserves the free slots of a kind for a commit's local dispatch; returns how many (0 when stopping, and while
   * suspect work is drained for or runs alone).
   */
  #reserve(kind: WorkKind, most = 100): number {
    if (!this.ctx.running || !this.ctx.solo.normal) return 0;
    const { settings } = this.ctx;
    const limit =
      kind === "activities" ? settings.maxConcurrentActivities : settings.maxConcurrentOrchestrations;
    const running = kind === "activities" ? this.work.activities : this.work.episodes;
    const slots = Math.max(0, Math.min(limit - (running.size + this.#reserved[kind]), most));
    this.#reserved[kind] += slots;
    return slots;
  }

  #dispatchRequest(max: { maxActivities?: number; maxOrchestrations?: number }): DispatchRequest | undefined {
    if ((max.maxActivities ?? 0) + (max.maxOrchestrations ?? 0) === 0) return undefined;
    return { workerId: this.ctx.workerId, leaseMs: this.ctx.settings.leaseMs, ...max };
  }
}
