/**
 * The worker's metrics, through the OpenTelemetry metrics API (`metrics.getMeter("taskhub")`): counters of
 * orchestrations started and finished, activity executions and entity operations, duration histograms, replays and
 * session-cache lookups, lease takeovers and quarantined work. The instruments are made once per worker; with no
 * `MeterProvider` registered they are the API's no-op instruments, and nothing is recorded (not even the attribute
 * objects a recording would make: {@link WorkerMetrics.enabled}).
 * The names, units and attributes are listed in `docs/observability.md` (section Metrics).
 * @module
 */
import {
  createNoopMeter,
  metrics,
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
} from "@opentelemetry/api";
import type {
  ActivityCompletion,
  ActivityWorkItem,
  CompletionOutcome,
  OrchestrationCompletion,
} from "../core/records.js";
import type { EntityOperationOutcome } from "../entities/entity-processor.js";

/** The meter name of Taskhub's instruments (also the instrumentation scope in exported data). */
export const METER_NAME = "taskhub";

/** How an activity execution (one delivery of one attempt) ended. */
export type ActivityOutcome = "completed" | "failed" | "timed_out" | "poisoned";

/** The kinds of work items, as the `taskhub.work_item.kind` attribute says them. */
export type WorkItemKind = "orchestration" | "entity" | "activity";

/** Attribute keys. */
const ORCHESTRATION = "taskhub.orchestration.name";
const ACTIVITY = "taskhub.activity.name";
const OUTCOME = "taskhub.outcome";
const KIND = "taskhub.work_item.kind";
const ENTITY = "taskhub.entity.name";
const OPERATION = "taskhub.entity.operation";

/** Bucket bounds in seconds for work that takes milliseconds to minutes (activity attempts, episodes). */
const SHORT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Bucket bounds in seconds for an orchestration from creation to completion: milliseconds to days. */
const LONG_BUCKETS = [
  0.01,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  300,
  900,
  3600,
  4 * 3600,
  86_400,
  7 * 86_400,
];

/** The class of the API's no-op counter: instruments of that class record nothing. */
const NOOP_COUNTER = createNoopMeter().createCounter("noop").constructor;

/** One worker's instruments and what it records with them. */
export class WorkerMetrics {
  /**
   * False when the provider's instruments are the API's no-op ones (no SDK registered when the worker was made):
   * then every method returns at once.
   */
  readonly enabled: boolean;
  readonly #started: Counter;
  readonly #completed: Counter;
  readonly #failed: Counter;
  readonly #terminated: Counter;
  readonly #continued: Counter;
  readonly #activities: Counter;
  readonly #entityOperations: Counter;
  readonly #replays: Counter;
  readonly #cacheHits: Counter;
  readonly #cacheMisses: Counter;
  readonly #takeovers: Counter;
  readonly #quarantined: Counter;
  readonly #orchestrationDuration: Histogram;
  readonly #activityDuration: Histogram;
  readonly #episodeDuration: Histogram;

  /** @param provider Where the instruments come from (default: the global one, a no-op until one is registered). */
  constructor(readonly provider: MeterProvider = metrics.getMeterProvider()) {
    const meter = provider.getMeter(METER_NAME);
    const counter = (name: string, unit: string, description: string): Counter =>
      meter.createCounter(name, { unit, description });
    const histogram = (name: string, description: string, buckets: number[]): Histogram =>
      meter.createHistogram(name, { unit: "s", description, advice: { explicitBucketBoundaries: buckets } });
    this.#started = counter(
      "taskhub.orchestrations.started",
      "{orchestration}",
      "Orchestration executions started (first episode committed; continue-as-new not counted).",
    );
    this.#completed = counter(
      "taskhub.orchestrations.completed",
      "{orchestration}",
      "Orchestrations completed.",
    );
    this.#failed = counter("taskhub.orchestrations.failed", "{orchestration}", "Orchestrations failed.");
    this.#terminated = counter(
      "taskhub.orchestrations.terminated",
      "{orchestration}",
      "Orchestrations terminated.",
    );
    this.#continued = counter(
      "taskhub.orchestrations.continued_as_new",
      "{orchestration}",
      "Orchestration executions ended by continue-as-new.",
    );
    this.#activities = counter(
      "taskhub.activity.executions",
      "{execution}",
      "Activity executions (one delivery of one attempt) by outcome.",
    );
    this.#entityOperations = counter(
      "taskhub.entity.operations",
      "{operation}",
      "Entity operations run, by outcome.",
    );
    this.#replays = counter(
      "taskhub.orchestration.replays",
      "{episode}",
      "Episodes that replayed the orchestration's history (no current cached session).",
    );
    this.#cacheHits = counter(
      "taskhub.session_cache.hits",
      "{episode}",
      "Episodes that continued a cached orchestrator session.",
    );
    this.#cacheMisses = counter(
      "taskhub.session_cache.misses",
      "{episode}",
      "Episodes of a started execution that found no current cached session.",
    );
    this.#takeovers = counter(
      "taskhub.lease.takeovers",
      "{work_item}",
      "Work items this worker took over after another worker's lease expired.",
    );
    this.#quarantined = counter(
      "taskhub.work_items.quarantined",
      "{work_item}",
      "Work items quarantined as poison work (past their maxDeliveryCount).",
    );
    this.#orchestrationDuration = histogram(
      "taskhub.orchestration.duration",
      "Time from an orchestration instance's creation to its completion (Completed only).",
      LONG_BUCKETS,
    );
    this.#activityDuration = histogram(
      "taskhub.activity.duration",
      "Run time of one activity execution, by outcome.",
      SHORT_BUCKETS,
    );
    this.#episodeDuration = histogram(
      "taskhub.orchestration.episode.duration",
      "Run time of one orchestration episode: history replay (when needed) and orchestrator code, before the commit.",
      SHORT_BUCKETS,
    );
    this.enabled = this.#started.constructor !== NOOP_COUNTER;
  }

  /**
   * Records the steps of a group commit that committed (`outcomes[i]` undefined): executions started and finished,
   * end-to-end durations, quarantined instances and entity operations.
   */
  stepsCommitted(batch: readonly OrchestrationCompletion[], outcomes: readonly CompletionOutcome[]): void {
    if (!this.enabled) return;
    batch.forEach((completion, i) => {
      if (outcomes[i] === undefined) this.#stepCommitted(completion);
    });
  }

  #stepCommitted(completion: OrchestrationCompletion): void {
    const { workItem, instance } = completion;
    const entity = workItem.instanceId.startsWith("@");
    if (completion.quarantined) this.#quarantined.add(1, { [KIND]: entity ? "entity" : "orchestration" });
    if (entity) return;
    const name = { [ORCHESTRATION]: instance.name };
    const before = workItem.instance.status;
    if (before !== "ContinuedAsNew" && completion.newHistory.some((e) => e.type === "ExecutionStarted"))
      this.#started.add(1, name);
    if (instance.status === before && completion.newHistory.length === 0) return; // nothing happened
    switch (instance.status) {
      case "Completed":
        this.#completed.add(1, name);
        if (instance.completedAt !== undefined)
          this.#orchestrationDuration.record(
            Math.max(0, instance.completedAt - workItem.instance.createdAt) / 1000,
            name,
          );
        break;
      case "Failed":
        this.#failed.add(1, name);
        break;
      case "Terminated":
        this.#terminated.add(1, name);
        break;
      case "ContinuedAsNew":
        this.#continued.add(1, name);
        break;
      default:
    }
  }

  /**
   * Records an activity execution that ended after `seconds`: `completion` is its result (`undefined`: it went silent
   * past its heartbeat timeout and was released, counted as timed out).
   */
  activityEnded(item: ActivityWorkItem, completion: ActivityCompletion | undefined, seconds: number): void {
    if (!this.enabled) return;
    const outcome = activityOutcome(completion);
    const attributes: Attributes = { [ACTIVITY]: item.name, [OUTCOME]: outcome };
    this.#activities.add(1, attributes);
    this.#activityDuration.record(seconds, attributes);
    if (outcome === "poisoned") this.#quarantined.add(1, { [KIND]: "activity" });
  }

  /** Records an orchestration episode that ran for `seconds` (before its commit). */
  episodeRan(name: string, seconds: number): void {
    if (!this.enabled) return;
    this.#episodeDuration.record(seconds, { [ORCHESTRATION]: name });
  }

  /** Records a session-cache lookup of an episode: a hit, or a miss that replayed the history. */
  sessionLookup(name: string, hit: boolean): void {
    if (!this.enabled) return;
    const attributes = { [ORCHESTRATION]: name };
    if (hit) this.#cacheHits.add(1, attributes);
    else {
      this.#cacheMisses.add(1, attributes);
      this.#replays.add(1, attributes);
    }
  }

  /** Records an entity operation of `entityName` (the entity's name, not its key) run to `outcome`. */
  entityOperation(entityName: string, operation: string, outcome: EntityOperationOutcome): void {
    if (!this.enabled) return;
    this.#entityOperations.add(1, { [ENTITY]: entityName, [OPERATION]: operation, [OUTCOME]: outcome });
  }

  /** Records a work item taken over from another worker whose lease expired (when `takenOverFrom` says so). */
  takeover(kind: WorkItemKind, item: { readonly takenOverFrom?: string | undefined }): void {
    if (this.enabled && item.takenOverFrom !== undefined) this.#takeovers.add(1, { [KIND]: kind });
  }
}

function activityOutcome(completion: ActivityCompletion | undefined): ActivityOutcome {
  if (completion === undefined) return "timed_out";
  if (completion.quarantined) return "poisoned";
  const result = completion.result;
  if (result.type === "TaskCompleted") return "completed";
  return result.failure.errorType === "TimeoutError" ? "timed_out" : "failed";
}

/**
 * Wraps a group commit of orchestration steps so that the steps it commits are recorded in `metrics` (see
 * {@link WorkerMetrics.stepsCommitted}); `commit` itself when `metrics` records nothing.
 */
export function recordingCommits<C extends OrchestrationCompletion>(
  metrics: WorkerMetrics,
  commit: (batch: C[]) => Promise<readonly CompletionOutcome[]>,
): (batch: C[]) => Promise<readonly CompletionOutcome[]> {
  if (!metrics.enabled) return commit;
  return async (batch) => {
    const outcomes = await commit(batch);
    metrics.stepsCommitted(batch, outcomes);
    return outcomes;
  };
}
