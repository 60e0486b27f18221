/**
 * Analytics over history, an optional part of a task hub (`taskhub stats`, the management API's `stats` route): for
 * each orchestration name and each activity name, over a window of time, counts by status, the failure rate,
 * duration percentiles, the slowest instances, the most frequent failures and the throughput in time buckets. Kept
 * out of {@link TaskHub} because nothing the engine does depends on it. The SQL hubs compute it in SQL, the memory
 * hub over its store; both with the definitions below, so that they agree exactly.
 *
 * Definitions:
 * - **orchestrations** in the window: the instances that finished (Completed, Failed, Terminated) in it, by their
 *   completion time, plus the instances not finished (Pending, Running, Suspended, ContinuedAsNew) created in it
 *   (counted by status only). An orchestration's duration runs from its creation to its completion. Entities are
 *   left out.
 * - **activities** in the window: the attempts that ended (`TaskCompleted` or `TaskFailed` in the history) in it, by
 *   their end time. An attempt's duration runs from its `TaskScheduled` event (the step that scheduled it: time in
 *   the queue included) to its end. Each retry of a retry policy is an attempt. Only what the hub holds counts: the
 *   current execution's history of instances not purged.
 * - **percentiles** are nearest-rank: the p-th percentile of n durations sorted ascending is the one at rank
 *   ⌈p·n⌉ (PostgreSQL's `percentile_disc`).
 * - the **failure rate** is failed / finished (orchestrations: Failed / (Completed + Failed + Terminated)).
 * - **throughput**: finished instances or ended attempts per bucket of `bucketMs`, the first starting at `since`.
 * @module
 */
import { TaskHubError } from "../core/errors.js";
import type { TaskHub } from "./task-hub.js";

/** What {@link TaskHubAnalytics.getAnalytics} reports on. Validate it with `checkAnalyticsQuery` (`analyticsOf` does). */
export interface AnalyticsQuery {
  /** Start of the window (epoch ms, inclusive). */
  readonly since: number;
  /** End of the window (epoch ms, exclusive). */
  readonly until: number;
  /** Only this orchestration or activity name (exact, case-sensitive). */
  readonly name?: string | undefined;
  /** How many slowest instances and most frequent failures to list per name (1 to 100). */
  readonly top: number;
  /** The throughput buckets' length (ms); `bucketSizeFor` chooses one from the window. */
  readonly bucketMs: number;
}

/** Duration percentiles (ms, nearest-rank) of `count` durations. */
export interface DurationSummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** One of the slowest instances or activity attempts of a name. */
export interface SlowRun {
  readonly instanceId: string;
  /** The activity's task ID (its `TaskScheduled` event's `eventId`); absent for orchestrations. */
  readonly taskId?: number | undefined;
  readonly durationMs: number;
  /** When it finished (epoch ms). */
  readonly endedAt: number;
}

/** A failure (type and message, the message cut at {@link FAILURE_MESSAGE_CHARS} characters) and how often it occurred. */
export interface FailureCount {
  readonly errorType: string;
  readonly message: string;
  readonly count: number;
}

/** A failure type and how often it occurred. */
export interface FailureTypeCount {
  readonly errorType: string;
  readonly count: number;
}

/** The analytics of one orchestration or activity name over the window. */
export interface NameAnalytics {
  readonly name: string;
  /** Counts by runtime status (activities: Completed and Failed attempts). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Finished instances (Completed, Failed, Terminated) or ended attempts. */
  readonly finished: number;
  readonly failed: number;
  /** `failed / finished`, or `null` when nothing finished. */
  readonly failureRate: number | null;
  /** Durations of the finished instances or ended attempts; absent when none. */
  readonly durations?: DurationSummary | undefined;
  /** The slowest, slowest first (ties: by instance ID, then task ID), at most `top`. */
  readonly slowest: readonly SlowRun[];
  /** The most frequent failures, most frequent first (ties: by type, then message), at most `top`. */
  readonly topFailures: readonly FailureCount[];
  /** The most frequent failure types, most frequent first (ties: by type), at most `top`. */
  readonly topFailureTypes: readonly FailureTypeCount[];
  /** Finished instances or ended attempts per bucket (see {@link HubAnalytics.buckets}). */
  readonly throughput: readonly number[];
}

/** What {@link TaskHubAnalytics.getAnalytics} returns. */
export interface HubAnalytics {
  readonly since: number;
  readonly until: number;
  readonly bucketMs: number;
  /** How many throughput buckets: ⌈(until − since) / bucketMs⌉, the last one possibly cut short by `until`. */
  readonly buckets: number;
  /** By orchestration name, sorted by name. */
  readonly orchestrations: readonly NameAnalytics[];
  /** By activity name, sorted by name. */
  readonly activities: readonly NameAnalytics[];
}

/** Analytics over history: what a task hub implements for `taskhub stats`. */
export interface TaskHubAnalytics {
  /**
   * The analytics of the window (see the module documentation for the definitions). Throws only storage faults (the
   * query is assumed valid: see `checkAnalyticsQuery`).
   */
  getAnalytics(query: AnalyticsQuery): Promise<HubAnalytics>;
}

/** Failure messages are compared and reported on their first this many characters. */
export const FAILURE_MESSAGE_CHARS = 200;

/** True when `hub` implements {@link TaskHubAnalytics}. */
export function hasAnalytics<H extends TaskHub>(hub: H): hub is H & TaskHubAnalytics {
  return typeof (hub as H & Partial<TaskHubAnalytics>).getAnalytics === "function";
}

/**
 * The analytics of `hub` over the query's window.
 * @throws TaskHubError when the hub does not implement {@link TaskHubAnalytics}.
 */
export async function analyticsOf(hub: TaskHub, query: AnalyticsQuery): Promise<HubAnalytics> {
  if (!hasAnalytics(hub))
    throw new TaskHubError(`The task hub ${hub.description} does not report analytics.`);
  return hub.getAnalytics(query);
}
