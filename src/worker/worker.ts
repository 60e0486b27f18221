/**
 * The worker: takes orchestration and activity work items from a task hub, runs them with bounded concurrency, and
 * commits their results in groups. Wakes promptly on new work (in-process notices, backend notifications, timers)
 * and falls back to polling with back-off only when idle. This file composes the worker's parts, one concept each:
 * orchestration dispatch, activity dispatch, local dispatch (the fast paths), heartbeats and shutdown.
 * @module
 */
import { setMaxListeners } from "node:events";
import type { MeterProvider } from "@opentelemetry/api";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Registry } from "../api/registry.js";
import { toLogger, type LogSink } from "../core/logger.js";
import {
  DEFAULT_MAX_HISTORY_EVENTS,
  DEFAULT_MAX_ORCHESTRATION_ACTIONS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  limitOption,
} from "../core/limits.js";
import { workerVersioning, type VersioningOptions } from "../core/versioning.js";
import { clockFor, type Clock } from "../task-hub/clock.js";
import type { ActivityWorkItem, NewInstance } from "../core/records.js";
import type { TaskHub } from "../task-hub/task-hub.js";
import { hasHealth } from "../task-hub/health.js";
import { hasLocalDispatch, type DispatchRequest, type Dispatched } from "../task-hub/local-dispatch.js";
import { EntityProcessor } from "../entities/entity-processor.js";
import { checkMaxDeliveryCount, DEFAULT_MAX_DELIVERY_COUNT } from "../api/delivery-limit.js";
import { ActivityDispatch } from "./activity-dispatch.js";
import { ActivityRunner } from "./activity-runner.js";
import { Heartbeat } from "./heartbeat.js";
import { LocalDispatch } from "./local-dispatch.js";
import { OrchestrationDispatch } from "./orchestration-dispatch.js";
import { OrchestrationProcessor } from "./orchestration-processor.js";
import { PoisonWork } from "./poison-work.js";
import { SoloRuns } from "./solo-runs.js";
import { SessionCache } from "./session-cache.js";
import { HubGauges } from "./hub-gauges.js";
import { recordingCommits, WorkerMetrics } from "./worker-metrics.js";
import { shutDown } from "./shutdown.js";
import type { WorkerContext, WorkerSettings } from "./worker-context.js";
import type { WorkSignal } from "./work-signal.js";
import type { RemoteWork } from "./remote-work.js";

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
  /**
   * Most orchestrator sessions kept in memory (default: no count bound, the cache is sized by
   * {@link maxCachedHistoryEvents}; 0 disables the cache).
   */
  readonly maxCachedOrchestrations?: number;
  /**
   * The session cache's size: most history events kept in memory over all cached sessions, each session counting 10
   * more for its live state (default 500,000: at most about 170 MB, measured at ~340 bytes per unit; 20,000 sessions of
   * 15 events).
   */
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
   * Most actions one orchestration execution may schedule (default 100,000, as Durable Functions): every activity,
   * timer, sub-orchestration, event sent and entity operation counts, retries included. The action over the limit
   * throws an `OrchestrationLimitError` and the instance fails with it; a warning is logged at 80%, once per
   * execution. An eternal orchestration calls `ctx.continueAsNew`, which starts counting again.
   */
  readonly maxOrchestrationActions?: number;
  /** Most history events of one orchestration execution (default 500,000); enforced as `maxOrchestrationActions`. */
  readonly maxHistoryEvents?: number;
  /**
   * Largest payload, as UTF-8 JSON, in bytes (default 16 MiB): orchestration inputs, outputs and custom status,
   * activity inputs and outputs, event data, entity inputs, results and state. A larger one is refused where it is
   * serialized with a `PayloadTooLargeError`: an orchestration fails with it, an activity attempt fails (not retried),
   * an entity operation fails and is rolled back.
   */
  readonly maxPayloadBytes?: number;
  /**
   * Deliveries of one work item that may end without completing (the worker crashed, hung or lost its lease) before
   * the item is quarantined as poison work instead of run again (default 10): an activity attempt then fails with a
   * non-retryable `PoisonMessageError` (the orchestration sees the call fail, so its `try/catch` can compensate), an
   * orchestration fails with one, an entity operation's caller gets one. An activity's own `maxDeliveryCount`
   * (`app.activity(name, handler, { maxDeliveryCount })`) takes precedence for it. Logged at `error`, counted in
   * `taskhub health` (`quarantinedWorkItems`).
   */
  readonly maxDeliveryCount?: number;
  /**
   * Where the worker reads time (episode times, when delayed work comes due, lease renewals). Default: the task
   * hub's clock; when given, it must be the hub's (give a `ManualClock` to the hub, and the worker follows it).
   */
  readonly clock?: Clock;
  /**
   * The version stamped on the orchestrations this worker starts without one: sub-orchestrations (unless
   * `callSubOrchestrator`'s `version` says otherwise; without a default, a child gets its parent's version) and those
   * entities start. `DurableApp.start` gives the same default to its client, for `startNew`. Also the worker's own
   * version when `versioning.version` is not set.
   */
  readonly defaultVersion?: string;
  /**
   * Which orchestration versions this worker runs, as Durable Functions' `versionMatchStrategy` and
   * `versionFailureStrategy`: `version` (default `defaultVersion`), `matchStrategy` (`None`, `Strict`, or
   * `CurrentOrOlder`, the default: the worker's version, older ones and unversioned instances) and `failureStrategy`
   * (`Reject`, the default: leave the work for a compatible worker; `Fail`: fail the instance with a
   * `VersionMismatchError`). Without a version (neither `version` nor `defaultVersion`) every instance runs. Entities
   * and activities are not versioned.
   */
  readonly versioning?: VersioningOptions;
  /**
   * Where the worker's OpenTelemetry metrics go (see `docs/observability.md`): default the global `MeterProvider`
   * of `@opentelemetry/api` as registered when the worker is made (none registered: no-op instruments, no cost).
   * The Taskhub host gives its own (the one its `/metrics` endpoint reads).
   */
  readonly meterProvider?: MeterProvider | undefined;
  /**
   * Where the orchestrations and activities the registry does not have run: executors in other processes (the
   * sidecar's SDK workers, `src/sidecar`). Such work waits until an executor that takes its name is connected.
   * Absent: an unregistered name fails its instance or attempt, as always.
   */
  readonly remote?: RemoteWork | undefined;
}

const DEFAULTS: WorkerSettings = {
  maxConcurrentOrchestrations: 200,
  maxConcurrentActivities: 200,
  leaseMs: 30_000,
  maxPollIntervalMs: 1000,
  maxCachedOrchestrations: Number.POSITIVE_INFINITY,
  maxCachedHistoryEvents: 500_000,
  maxEntityOperationBatchSize: 50,
  shutdownTimeoutMs: 10_000,
  heartbeatIntervalMs: 10_000,
  activityHoldMs: 50,
  maxOrchestrationActions: DEFAULT_MAX_ORCHESTRATION_ACTIONS,
  maxHistoryEvents: DEFAULT_MAX_HISTORY_EVENTS,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  maxDeliveryCount: DEFAULT_MAX_DELIVERY_COUNT,
};

/**
 * Runs an app's orchestrations and activities against a task hub. When the hub implements the fast paths
 * (`LocalDispatchCapability`, detected once, here), commits lease the work they create to this worker, starts
 * run their first step at once, and instances are held for their activity; otherwise the worker runs the plain path:
 * claim, run, complete.
 */
export class Worker {
  readonly workerId: string;
  /** Where the worker reads time: the hub's clock ({@link WorkerOptions.clock}). */
  readonly clock: Clock;
  readonly #ctx: WorkerContext;
  readonly #cache: SessionCache;
  readonly #abort = new AbortController();
  readonly #episodes = new Set<Promise<void>>();
  readonly #activities = new Map<ActivityWorkItem, Promise<void>>();
  readonly #orchestrationDispatch: OrchestrationDispatch;
  readonly #activityDispatch: ActivityDispatch;
  readonly #local: LocalDispatch;
  readonly #heartbeat: Heartbeat;
  readonly #gauges: HubGauges | undefined;
  #loops: Promise<void>[] = [];
  #unsubscribe: (() => void) | undefined;
  readonly #remote: RemoteWork | undefined;
  #unsubscribeRemote: (() => void) | undefined;

  constructor(
    private readonly hub: TaskHub,
    private readonly registry: Registry,
    options: WorkerOptions = {},
  ) {
    const { clock, defaultVersion, versioning, meterProvider, remote, ...rest } = options;
    this.#remote = remote;
    const workerVersion = workerVersioning(versioning, defaultVersion);
    this.clock = clockFor(hub, clock);
    const settings: WorkerSettings = { ...DEFAULTS, ...definedOnly(rest) };
    for (const limit of ["maxOrchestrationActions", "maxHistoryEvents", "maxPayloadBytes"] as const)
      limitOption(settings[limit], limit, DEFAULTS[limit]);
    checkMaxDeliveryCount(settings.maxDeliveryCount, "WorkerOptions");
    this.workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const log = toLogger(options.logger ?? console);
    const poison = new PoisonWork(
      settings.maxDeliveryCount,
      (name) => registry.activities.get(name)?.maxDeliveryCount,
    );
    // Suspect work runs alone (its parts are called once the worker runs, when every part exists).
    const solo = new SoloRuns({
      running: () => this.#ctx.running,
      inFlight: () => this.#local.inFlight("orchestrations").size + this.#local.inFlight("activities").size,
      releaseHeld: () => this.#local.held.releaseAll(),
      wake: () => {
        this.#orchestrationDispatch.signal.notify();
        this.#activityDispatch.signal.notify();
      },
    });
    const metrics = new WorkerMetrics(meterProvider);
    this.#gauges = hasHealth(hub) ? new HubGauges(metrics.provider, hub, this.clock) : undefined;
    const ctx: WorkerContext = {
      hub,
      workerId: this.workerId,
      settings,
      log,
      clock: this.clock,
      poison,
      solo,
      metrics,
      running: false,
      lastTurnAt: { orchestrations: Number.NEGATIVE_INFINITY, activities: Number.NEGATIVE_INFINITY },
    };
    this.#ctx = ctx;
    this.#cache = new SessionCache({
      maxSessions: settings.maxCachedOrchestrations,
      maxHistoryEvents: settings.maxCachedHistoryEvents,
    });
    const sessionOptions = {
      resolve: (name: string) => registry.orchestrations.get(name)?.handler,
      knownNames: () => registry.orchestrations.names(),
      logSink: log,
      maxOrchestrationActions: settings.maxOrchestrationActions,
      maxHistoryEvents: settings.maxHistoryEvents,
      maxPayloadBytes: settings.maxPayloadBytes,
      defaultVersion: defaultVersion || undefined,
    };
    const now = (): number => this.clock.now();
    const processor = new OrchestrationProcessor(
      hub,
      sessionOptions,
      this.#cache,
      now,
      workerVersion,
      metrics,
      remote,
    );
    const entities = new EntityProcessor(registry, {
      maxBatchSize: settings.maxEntityOperationBatchSize,
      logSink: log,
      clock: now,
      maxPayloadBytes: settings.maxPayloadBytes,
      defaultVersion: defaultVersion || undefined,
      onOperation: (entity, operation, outcome) => metrics.entityOperation(entity, operation, outcome),
      remote: remote && {
        accepts: (name) => remote.accepts("entity", name),
        execute: (request) => remote.executeEntityBatch(request),
      },
    });
    // Every activity in flight listens to the shutdown signal (up to maxConcurrentActivities): not a leak.
    setMaxListeners(0, this.#abort.signal);
    const runner = new ActivityRunner(
      hub,
      registry,
      settings.leaseMs,
      this.#abort.signal,
      log,
      this.clock,
      { maxPayloadBytes: settings.maxPayloadBytes },
      remote,
    );
    const fast = hasLocalDispatch(hub) ? hub : undefined;
    this.#local = new LocalDispatch(ctx, fast, processor, this.#cache, {
      episodes: this.#episodes,
      activities: this.#activities,
      runEpisode: (item) => this.#orchestrationDispatch.run(item),
      runActivity: (item) => this.#activityDispatch.run(item),
      submitStep: (completion) => this.#orchestrationDispatch.commits.submit(completion),
    });
    const local = this.#local;
    this.#orchestrationDispatch = new OrchestrationDispatch(
      ctx,
      processor,
      entities,
      this.#cache,
      this.#episodes,
      recordingCommits(
        metrics,
        fast
          ? (batch) => local.commitSteps(fast, batch)
          : (batch) => hub.completeOrchestrationWorkItems(batch),
      ),
    );
    this.#activityDispatch = new ActivityDispatch(
      ctx,
      runner,
      this.#abort.signal,
      this.#activities,
      local,
      fast ? (batch) => local.commitResults(fast, batch) : (batch) => hub.completeActivityWorkItems(batch),
    );
    this.#heartbeat = new Heartbeat(
      hasHealth(hub) ? hub : undefined,
      this.workerId,
      settings.heartbeatIntervalMs,
      log,
      { episodes: this.#episodes, activities: this.#activities },
    );
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.#ctx.running;
  }

  /**
   * True when the worker runs and both its dispatch loops turned healthily (a take from the hub answered, or the loop
   * waited for a free slot) within `withinMs` (default: 10 s, or 5 poll intervals when that is longer): the
   * worker's part of a host's readiness (`GET /readyz`).
   */
  isPolling(withinMs = Math.max(10_000, 5 * this.#ctx.settings.maxPollIntervalMs)): boolean {
    if (!this.#ctx.running) return false;
    const now = performance.now();
    const { orchestrations, activities } = this.#ctx.lastTurnAt;
    return now - orchestrations <= withinMs && now - activities <= withinMs;
  }

  /** Number of orchestrator sessions held in memory. */
  get cachedOrchestrations(): number {
    return this.#cache.size;
  }

  /** Starts the dispatch loops. */
  start(): void {
    if (this.#ctx.running) return;
    this.#ctx.running = true;
    const orchestrations = this.#orchestrationDispatch;
    const activities = this.#activityDispatch;
    this.#unsubscribe = this.hub.subscribe((notice) => {
      if (notice.kind === "orchestration-work") {
        // Work it left for a compatible worker: not woken for it (it finds it on its next poll, if still there).
        if (!orchestrations.isOwnRejection(notice.visibleAt))
          this.#wake(orchestrations.signal, notice.visibleAt);
      } else if (notice.kind === "activity-work") this.#wake(activities.signal, notice.visibleAt);
    });
    // A remote executor connecting: work that waited for one is looked at again.
    this.#unsubscribeRemote = this.#remote?.onExecutorConnected(() => {
      orchestrations.signal.notify();
      activities.signal.notify();
    });
    this.#loops = [
      orchestrations.loop(this.#local.inFlight("orchestrations")),
      activities.loop(this.#local.inFlight("activities")),
    ];
    this.#heartbeat.start();
    this.#gauges?.start();
  }

  /**
   * Stops taking work, lets in-flight episodes and activities finish (up to `shutdownTimeoutMs`), then releases
   * what is still running so another worker can take it over at once.
   */
  async stop(): Promise<void> {
    if (!this.#ctx.running) return;
    this.#ctx.running = false;
    this.#gauges?.stop();
    this.#unsubscribe?.();
    this.#unsubscribeRemote?.();
    const orchestrations = this.#orchestrationDispatch;
    const activities = this.#activityDispatch;
    await shutDown({
      hub: this.hub,
      shutdownTimeoutMs: this.#ctx.settings.shutdownTimeoutMs,
      signals: [orchestrations.signal, activities.signal],
      loops: this.#loops,
      held: this.#local.held,
      episodes: this.#episodes,
      activities: this.#activities,
      abort: this.#abort,
      commits: [orchestrations.commits, activities.commits],
      cache: this.#cache,
      heartbeat: this.#heartbeat,
    });
  }

  /**
   * Whether this worker holds `instanceId`'s lease for a step to come (held for its activity, see `HeldInstances`):
   * that step is then committed here, and a finish published in this process with the instance's record.
   */
  holdsLease(instanceId: string): boolean {
    return this.#local.held.holds(instanceId);
  }

  /**
   * Starts an instance in this worker (a host's client calls it): when the start is due now and a slot is free, runs
   * the first step at once and commits it together with the instance's creation (one transaction, no claim, no
   * inbox message). Otherwise, or when the ID is in use (a finished instance to replace, an active one to refuse),
   * falls back to `create` (a `createInstance` call) with eager start ({@link dispatchStart}).
   */
  startInstance(
    request: NewInstance,
    create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>,
  ): Promise<void> {
    return this.#local.startInstance(request, create);
  }

  /**
   * Eager start: runs `create` (a `createInstance` call) with a request to lease the new instance to this worker, when
   * it has a free slot, and runs the instance's first episode at once, without a claim.
   */
  dispatchStart(create: (dispatch?: DispatchRequest) => Promise<Dispatched | undefined>): Promise<void> {
    return this.#local.dispatchStart(create);
  }

  #wake(signal: WorkSignal, visibleAt: number | undefined): void {
    if (visibleAt !== undefined && visibleAt > this.clock.now()) signal.notifyAt(visibleAt);
    else signal.notify();
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
