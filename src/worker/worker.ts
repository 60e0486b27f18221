/**
 * The worker: takes orchestration and activity work items from a task hub, runs them with bounded concurrency, and
 * commits their results in groups. Wakes promptly on new work (in-process notices, backend notifications, timers)
 * and falls back to polling with back-off only when idle.
 * @module
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Registry } from "../api/registry.js";
import { isWorkItemLockLostError } from "../core/errors.js";
import { errorFields, toLogger, type Logger, type LogSink } from "../core/logger.js";
import { clockFor, type Clock } from "../task-hub/clock.js";
import type {
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  NewInstance,
  OrchestrationWorkItem,
} from "../core/records.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { hasHealth, type TaskHubHealth } from "../task-hub/health.js";
import {
  hasLocalDispatch,
  type DispatchRequest,
  type Dispatched,
  type FastPathCompletion,
  type LocalDispatchCapability,
} from "../task-hub/local-dispatch.js";
import { ActivityRunner } from "./activity-runner.js";
import { CommitBatcher } from "./commit-batcher.js";
import { EntityProcessor } from "../entities/entity-processor.js";
import { OrchestrationProcessor, type ProcessResult } from "./orchestration-processor.js";
import { delay, dispatchLoop } from "./dispatch-loop.js";
import { firstStepWorkItem, HeldInstances } from "./held-instances.js";
import { SessionCache } from "./session-cache.js";
import { WorkSignal } from "./work-signal.js";
import { instanceFields, logTakeover } from "./work-item-log.js";

/** Worker settings. */
export interface WorkerOptions {
  /** Shown in health output (default: host name + random suffix). */
  readonly workerId?: string;
  /** Most orchestration episodes in flight (default 200). */
  readonly maxConcurrentOrchestrations?: number;
  /** Most activities running at once (default 200). */
  readonly maxConcurrentActivities?: number;
  /** Lease length of work items (default 30 s); a crashed worker's work is taken over after it. */
  readonly leaseMs?: number;
  /** Longest sleep between polls when idle and not notified (default 1 s). */
  readonly maxPollIntervalMs?: number;
  /** Most orchestrator sessions kept in memory (default 2,000; 0 disables the cache). */
  readonly maxCachedOrchestrations?: number;
  /** Most history events kept in memory over all cached sessions (default 1,000,000). */
  readonly maxCachedHistoryEvents?: number;
  /** Most entity operations run in one step of one entity (default 50). */
  readonly maxEntityOperationBatchSize?: number;
  /** How long `stop()` waits for running work before releasing it (default 10 s). */
  readonly shutdownTimeoutMs?: number;
  /** How often the worker reports itself to the hub for `taskhub health` (default 10 s). */
  readonly heartbeatIntervalMs?: number;
  /**
   * Where the worker and `ctx.log` write (default: console). Lines carry fields (`instanceId`, `executionId`, `name`,
   * `activity`, `attempt`, `errorType`, `errorMessage`...): a pino-like logger gets them as its first argument, any
   * other sink as a last object argument.
   */
  readonly logger?: LogSink;
  /**
   * How long an instance stays leased to the worker while the one activity its step scheduled runs here (default
   * 50 ms; 0 disables): when the activity finishes in time, its result and the next step commit together. Other
   * messages for the instance wait at most this long.
   */
  readonly activityHoldMs?: number;
  /**
   * Where the worker reads time (episode times, when delayed work comes due, lease renewals). Default: the task
   * hub's clock; when given, it must be the hub's (give a `ManualClock` to the hub, and the worker follows it).
   */
  readonly clock?: Clock;
}

const DEFAULTS = {
  maxConcurrentOrchestrations: 200,
  maxConcurrentActivities: 200,
  leaseMs: 30_000,
  maxPollIntervalMs: 1000,
  maxCachedOrchestrations: 2000,
  maxCachedHistoryEvents: 1_000_000,
  maxEntityOperationBatchSize: 50,
  shutdownTimeoutMs: 10_000,
  heartbeatIntervalMs: 10_000,
  activityHoldMs: 50,
};

/**
 * Runs an app's orchestrations and activities against a task hub. When the hub implements the fast paths
 * ({@link LocalDispatchCapability}, detected once, here), commits lease the work they create to this worker, starts
 * run their first step at once, and instances are held for their activity; otherwise the worker runs the plain path:
 * claim, run, complete.
 */
export class Worker {
  readonly workerId: string;
  /** Where the worker reads time: the hub's clock ({@link WorkerOptions.clock}). */
  readonly clock: Clock;
  readonly #options: typeof DEFAULTS;
  readonly #log: Logger;
  readonly #cache: SessionCache;
  readonly #processor: OrchestrationProcessor;
  readonly #entities: EntityProcessor;
  readonly #activities: ActivityRunner;
  readonly #abort = new AbortController();
  readonly #orchestrationSignal: WorkSignal;
  readonly #activitySignal: WorkSignal;
  readonly #orchestrationCommits: CommitBatcher<FastPathCompletion, CompletionOutcome>;
  readonly #activityCommits: CommitBatcher<ActivityCompletion, CompletionOutcome>;
  readonly #runningActivities = new Map<ActivityWorkItem, Promise<void>>();
  readonly #held: HeldInstances;
  /** The hub's fast paths, when it has them (detected once, at construction). */
  readonly #fast: (TaskHub & LocalDispatchCapability) | undefined;
  /** The hub's health output, when it has it (heartbeats are sent only then). */
  readonly #health: TaskHubHealth | undefined;
  readonly #runningEpisodes = new Set<Promise<void>>();
  #running = false;
  /** Slots held for work a commit in flight may hand over (local dispatch). */
  readonly #reserved = { activities: 0, orchestrations: 0 };
  #loops: Promise<void>[] = [];
  #unsubscribe: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastHeartbeat: Promise<void> = Promise.resolve();

  constructor(
    private readonly hub: TaskHub,
    private readonly registry: Registry,
    options: WorkerOptions = {},
  ) {
    const { clock, ...rest } = options;
    this.clock = clockFor(hub, clock);
    this.#options = { ...DEFAULTS, ...definedOnly(rest) };
    this.#orchestrationSignal = new WorkSignal(this.clock);
    this.#activitySignal = new WorkSignal(this.clock);
    this.workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.#log = toLogger(options.logger ?? console);
    this.#cache = new SessionCache({
      maxSessions: this.#options.maxCachedOrchestrations,
      maxHistoryEvents: this.#options.maxCachedHistoryEvents,
    });
    const sessionOptions = {
      resolve: (name: string) => registry.orchestrations.get(name)?.handler,
      knownNames: () => registry.orchestrations.names(),
      logSink: this.#log,
    };
    const now = (): number => this.clock.now();
    this.#processor = new OrchestrationProcessor(hub, sessionOptions, this.#cache, now);
    this.#entities = new EntityProcessor(registry, {
      maxBatchSize: this.#options.maxEntityOperationBatchSize,
      logSink: this.#log,
      clock: now,
    });
    this.#activities = new ActivityRunner(
      hub,
      registry,
      this.#options.leaseMs,
      this.#abort.signal,
      this.#log,
      this.clock,
    );
    this.#held = new HeldInstances(this.#options.activityHoldMs, (item) => this.#release(item), this.clock);
    this.#fast = hasLocalDispatch(hub) ? hub : undefined;
    this.#health = hasHealth(hub) ? hub : undefined;
    const fast = this.#fast;
    this.#orchestrationCommits = new CommitBatcher(
      fast ? (batch) => this.#commitSteps(fast, batch) : (batch) => hub.completeOrchestrationWorkItems(batch),
    );
    this.#activityCommits = new CommitBatcher(
      fast ? (batch) => this.#commitResults(fast, batch) : (batch) => hub.completeActivityWorkItems(batch),
    );
  }

  /** Local dispatch: commits lease the work they create to this worker, up to its free slots (reserved meanwhile). */
  async #commitSteps(
    fast: LocalDispatchCapability,
    batch: FastPathCompletion[],
  ): Promise<readonly CompletionOutcome[]> {
    const maxActivities = this.#reserve("activities");
    try {
      const c = this.#running ? this.#held.withHolds(batch, maxActivities) : batch;
      const results = await fast.completeOrchestrationsAndDispatch(
        c,
        this.#dispatchRequest({ maxActivities }),
      );
      this.#held.holdKept(c, results.outcomes, results.dispatched?.activities ?? [], this.#running);
      this.#take(results.dispatched);
      return results.outcomes;
    } finally {
      this.#reserved.activities -= maxActivities;
    }
  }

  /** Local dispatch of activity results: the instances they go to, leased to this worker up to its free slots. */
  async #commitResults(
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

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.#running;
  }

  /** Number of orchestrator sessions held in memory. */
  get cachedOrchestrations(): number {
    return this.#cache.size;
  }

  /** Starts the dispatch loops. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.hub.subscribe((notice) => {
      if (notice.kind === "orchestration-work") this.#wake(this.#orchestrationSignal, notice.visibleAt);
      else if (notice.kind === "activity-work") this.#wake(this.#activitySignal, notice.visibleAt);
    });
    this.#loops = [this.#orchestrationLoop(), this.#activityLoop()];
    void this.#sendHeartbeat();
    this.#heartbeat = setInterval(() => void this.#sendHeartbeat(), this.#options.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** Reports this worker to the hub (health output); failures are logged, never thrown. */
  #sendHeartbeat(stopping = false): Promise<void> {
    // One at a time, in order: a late "alive" must not overwrite the final "stopping".
    this.#lastHeartbeat = this.#lastHeartbeat.then(() => this.#heartbeatOnce(stopping));
    return this.#lastHeartbeat;
  }

  async #heartbeatOnce(stopping: boolean): Promise<void> {
    if (!this.#health) return; // a hub without health output
    try {
      await this.#health.recordWorkerHeartbeat({
        workerId: this.workerId,
        orchestrationsInFlight: this.#runningEpisodes.size,
        activitiesInFlight: this.#runningActivities.size,
        stopping,
      });
    } catch (error) {
      this.#log.warn(`Worker ${this.workerId}: heartbeat failed: ${String(error)}`, {
        workerId: this.workerId,
        ...errorFields(error),
      });
    }
  }

  /**
   * Stops taking work, lets in-flight episodes and activities finish (up to `shutdownTimeoutMs`), then releases
   * what is still running so another worker can take it over at once.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribe?.();
    this.#orchestrationSignal.dispose();
    this.#activitySignal.dispose();
    this.#held.releaseAll();
    await Promise.all(this.#loops);
    const deadline = delay(this.#options.shutdownTimeoutMs);
    const everything = Promise.all([...this.#runningEpisodes, ...this.#runningActivities.values()]);
    const finished = await Promise.race([everything.then(() => true), deadline.promise.then(() => false)]);
    deadline.cancel();
    if (!finished) {
      this.#abort.abort(new Error("The worker is shutting down."));
      await Promise.all(
        [...this.#runningActivities.keys()].map((item) =>
          this.hub.abandonWorkItem(item, 0).catch(() => undefined),
        ),
      );
    }
    await this.#orchestrationCommits.drain();
    await this.#activityCommits.drain();
    this.#cache.clear();
    clearInterval(this.#heartbeat);
    await this.#sendHeartbeat(true);
  }

  /**
   * Whether this worker holds `instanceId`'s lease for a step to come (held for its activity, see `HeldInstances`):
   * that step is then committed here, and a finish published in this process with the instance's record.
   */
  holdsLease(instanceId: string): boolean {
    return this.#held.holds(instanceId);
  }

  /**
   * Starts an instance in this worker (a host's client calls it): when the start is due now and a slot is free, runs
   * the first step at once and commits it together with the instance's creation (one transaction, no claim, no
   * inbox message). Otherwise, or when the ID is in use (a finished instance to replace, an active one to refuse),
   * falls back to `create` (a `createInstance` call) with eager start ({@link dispatchStart}).
   */
  async startInstance(
    request: NewInstance,
    create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>,
  ): Promise<void> {
    if (!this.#fast) {
      await create(); // the plain path: a worker claims the start
      return;
    }
    const now = this.clock.now();
    const due = request.visibleAt === undefined || request.visibleAt <= now;
    const slots = due ? this.#reserve("orchestrations", 1) : 0;
    if (slots === 0) return this.dispatchStart(create);
    let started = false;
    try {
      const item = firstStepWorkItem(request, now, this.#options.leaseMs);
      const processed = await this.#processor.process(item);
      if (processed.kind === "complete") {
        const completion = { ...processed.completion, createsInstance: true };
        if (processed.session) this.#cache.put(item.instanceId, processed.session); // see #episode
        started = (await this.#orchestrationCommits.submit(completion)) === undefined; // else the ID is in use
      }
    } catch (error) {
      const { instanceId, executionId, name } = request.event;
      this.#log.warn(
        `Worker ${this.workerId}: starting '${instanceId}' in this worker failed, creating it for any worker: ` +
          String(error),
        { instanceId, executionId, name, workerId: this.workerId, ...errorFields(error) },
      );
    } finally {
      this.#reserved.orchestrations -= slots;
    }
    if (started) return;
    this.#cache.take(request.event.instanceId);
    await this.dispatchStart(create);
  }

  /**
   * Eager start: runs `create` (a `createInstance` call) with a request to lease the new instance to this worker, when
   * it has a free slot, and runs the instance's first episode at once, without a claim.
   */
  async dispatchStart(
    create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>,
  ): Promise<void> {
    const slots = this.#fast ? this.#reserve("orchestrations", 1) : 0;
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
  async #continueHeld(held: OrchestrationWorkItem, completion: ActivityCompletion): Promise<boolean> {
    const { workItem: activity, result } = completion;
    const item: OrchestrationWorkItem = {
      ...held,
      messages: [
        {
          id: 0,
          instanceId: held.instanceId,
          executionId: activity.executionId,
          event: result,
          visibleAt: this.clock.now(),
        },
      ],
    };
    try {
      const processed = await this.#processor.process(item);
      if (processed.kind === "complete") {
        const step = { ...processed.completion, consumedMessageIds: [], consumedActivities: [activity] };
        if (processed.session) this.#cache.put(held.instanceId, processed.session); // see #episode
        if ((await this.#orchestrationCommits.submit(step)) === undefined) return true;
      }
    } catch (error) {
      this.#log.warn(`Worker ${this.workerId}: continuing '${held.instanceId}' failed: ${String(error)}`, {
        ...instanceFields(held),
        workerId: this.workerId,
        ...errorFields(error),
      });
    }
    this.#cache.take(held.instanceId);
    await this.#release(held);
    return false;
  }

  /** Runs the work a commit dispatched to this worker; when stopping, releases it for another worker. */
  #take(dispatched: Dispatched | undefined): void {
    for (const item of dispatched?.activities ?? [])
      if (this.#running) this.#runActivity(item);
      else void this.hub.abandonWorkItem(item, 0).catch(() => undefined);
    for (const item of dispatched?.orchestrations ?? [])
      if (this.#running) this.#runEpisode(item);
      else void this.#release(item);
  }

  /** Releases an instance's lease at once (its messages become visible to every worker). Never throws. */
  #release(item: OrchestrationWorkItem): Promise<void> {
    return this.hub.abandonWorkItem(item, 0).catch(() => undefined);
  }

  /** Reserves the free slots of a kind for a commit's local dispatch; returns how many (0 when stopping). */
  #reserve(kind: "activities" | "orchestrations", most = 100): number {
    if (!this.#running) return 0;
    const limit =
      kind === "activities"
        ? this.#options.maxConcurrentActivities
        : this.#options.maxConcurrentOrchestrations;
    const slots = Math.max(0, Math.min(limit - this.#inFlight(kind).size, most));
    this.#reserved[kind] += slots;
    return slots;
  }

  #dispatchRequest(max: { maxActivities?: number; maxOrchestrations?: number }): DispatchRequest | undefined {
    if ((max.maxActivities ?? 0) + (max.maxOrchestrations ?? 0) === 0) return undefined;
    return { workerId: this.workerId, leaseMs: this.#options.leaseMs, ...max };
  }

  #wake(signal: WorkSignal, visibleAt: number | undefined): void {
    if (visibleAt !== undefined && visibleAt > this.clock.now()) signal.notifyAt(visibleAt);
    else signal.notify();
  }

  /** Work items of a kind in flight, counting the slots reserved for local dispatch. */
  #inFlight(kind: "activities" | "orchestrations"): { readonly size: number } {
    const running = kind === "activities" ? this.#runningActivities : this.#runningEpisodes;
    const reserved = this.#reserved;
    return {
      get size() {
        return running.size + reserved[kind];
      },
    };
  }

  #orchestrationLoop(): Promise<void> {
    return dispatchLoop({
      ...this.#loopOptions(this.#orchestrationSignal, "orchestrations"),
      limit: this.#options.maxConcurrentOrchestrations,
      take: (max) =>
        this.hub
          .lockOrchestrationWorkItems({ workerId: this.workerId, max, leaseMs: this.#options.leaseMs })
          .then((items) => items.map((item) => () => this.#runEpisode(item))),
    });
  }

  #activityLoop(): Promise<void> {
    return dispatchLoop({
      ...this.#loopOptions(this.#activitySignal, "activities"),
      limit: this.#options.maxConcurrentActivities,
      take: (max) =>
        this.hub
          .lockActivityWorkItems({ workerId: this.workerId, max, leaseMs: this.#options.leaseMs })
          .then((items) => items.map((item) => () => this.#runActivity(item))),
    });
  }

  #loopOptions(signal: WorkSignal, kind: "activities" | "orchestrations") {
    return {
      signal,
      inFlight: this.#inFlight(kind),
      running: () => this.#running,
      maxPollIntervalMs: this.#options.maxPollIntervalMs,
      onTakeFailed: (error: unknown, retryMs: number) =>
        this.#log.error(
          `Worker ${this.workerId}: taking work failed, retrying in ${retryMs} ms: ${String(error)}`,
          { workerId: this.workerId, kind, retryInMs: retryMs, ...errorFields(error) },
        ),
    };
  }

  #runEpisode(item: OrchestrationWorkItem): void {
    const done = this.#episode(item).finally(() => {
      // A freed slot matters only to a loop waiting for one; new work is notified by the hub (commits say when
      // messages wait for the instance).
      const wasFull = this.#runningEpisodes.size >= this.#options.maxConcurrentOrchestrations;
      this.#runningEpisodes.delete(done);
      if (wasFull) this.#orchestrationSignal.notify();
    });
    this.#runningEpisodes.add(done);
  }

  async #episode(item: OrchestrationWorkItem): Promise<void> {
    const log = (): Logger => this.#log.child(instanceFields(item)); // only when a line is written
    if (item.takenOverFrom !== undefined) logTakeover(log(), "instance", item, this.workerId);
    try {
      // Entities (instance IDs `@name@key`; orchestration IDs never start with '@') have their own processor.
      const processed: ProcessResult = item.instanceId.startsWith("@")
        ? { kind: "complete", completion: await this.#entities.process(item) }
        : await this.#processor.process(item);
      if (processed.kind === "defer") {
        await this.hub.abandonWorkItem(item, processed.delayMs);
        this.#orchestrationSignal.notifyAt(this.clock.now() + processed.delayMs);
        return;
      }
      // Cached before the commit: an activity it dispatches may finish (and continue the instance) before it returns.
      if (processed.session) this.#cache.put(item.instanceId, processed.session);
      const outcome = await this.#orchestrationCommits.submit(processed.completion);
      if (outcome) throw outcome;
    } catch (error) {
      this.#cache.take(item.instanceId);
      if (isWorkItemLockLostError(error)) {
        log().warn(`Worker ${this.workerId}: ${error.message} (instance '${item.instanceId}')`, {
          workerId: this.workerId,
          ...errorFields(error),
        });
        return;
      }
      log().error(
        `Worker ${this.workerId}: orchestration '${item.instanceId}' step failed, will retry: ${String(error)}`,
        { workerId: this.workerId, ...errorFields(error), err: error },
      );
      await this.hub.abandonWorkItem(item, 1000).catch(() => undefined);
    }
  }

  #runActivity(item: ActivityWorkItem): void {
    const done = this.#activity(item).finally(() => {
      const wasFull = this.#runningActivities.size >= this.#options.maxConcurrentActivities;
      this.#runningActivities.delete(item);
      if (wasFull) this.#activitySignal.notify();
    });
    this.#runningActivities.set(item, done);
  }

  async #activity(item: ActivityWorkItem): Promise<void> {
    if (item.takenOverFrom !== undefined)
      logTakeover(await this.#activities.loggerFor(item), "activity", item, this.workerId);
    const completion = await this.#activities.run(item);
    if (this.#abort.signal.aborted) return; // released at shutdown; another worker redoes it
    const held = this.#held.take(item.lockToken);
    if (held) {
      const continued = await this.#continueHeld(held, completion).finally(() =>
        this.#held.settled(held.instanceId),
      );
      if (continued) return;
    }
    try {
      const outcome = await this.#activityCommits.submit(completion);
      if (outcome)
        void this.#activities.loggerFor(item).then((log) =>
          log.warn(`Worker ${this.workerId}: ${outcome.message}`, {
            workerId: this.workerId,
            ...errorFields(outcome),
          }),
        );
    } catch (error) {
      // Logged without waiting for the orchestration's name: the hub may be unreachable.
      void this.#activities.loggerFor(item).then((log) =>
        log.error(`Worker ${this.workerId}: committing activity '${item.name}' failed: ${String(error)}`, {
          workerId: this.workerId,
          ...errorFields(error),
        }),
      );
      await this.hub.abandonWorkItem(item, 1000).catch(() => undefined);
    }
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
