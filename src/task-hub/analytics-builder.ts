/**
 * {@link AnalyticsBuilder}: assembles {@link HubAnalytics} from the pieces a backend computes (counts, finishes per
 * bucket, duration summaries, slowest runs, failure counts), by kind and name, and orders and cuts the lists as the
 * contract says. Shared by the SQL hubs and the memory hub, so that their reports have one shape and one order.
 * @module
 */
import type {
  AnalyticsQuery,
  DurationSummary,
  FailureCount,
  FailureTypeCount,
  HubAnalytics,
  NameAnalytics,
  SlowRun,
} from "./analytics.js";

/** Orchestrations or activities. */
export type AnalyticsKind = "orchestration" | "activity";

const FINISHED = new Set(["Completed", "Failed", "Terminated"]);

interface Entry {
  readonly byStatus: Record<string, number>;
  readonly throughput: number[];
  durations?: DurationSummary;
  readonly slowest: SlowRun[];
  readonly failures: FailureCount[];
  readonly failureTypes: FailureTypeCount[];
}

/** Collects the pieces of one report; {@link build} orders and cuts them. */
export class AnalyticsBuilder {
  readonly #entries: Record<AnalyticsKind, Map<string, Entry>> = {
    orchestration: new Map(),
    activity: new Map(),
  };
  readonly #buckets: number;

  constructor(private readonly query: AnalyticsQuery) {
    this.#buckets = Math.ceil((query.until - query.since) / query.bucketMs);
  }

  /** `n` more of `name` in `status` (not finished: no bucket). */
  count(kind: AnalyticsKind, name: string, status: string, n: number): void {
    const { byStatus } = this.#entry(kind, name);
    byStatus[status] = (byStatus[status] ?? 0) + n;
  }

  /** `n` more of `name` finished in `status`, in throughput bucket `bucket` (0 the first). */
  finish(kind: AnalyticsKind, name: string, status: string, bucket: number, n: number): void {
    this.count(kind, name, status, n);
    const { throughput } = this.#entry(kind, name);
    if (bucket >= 0 && bucket < throughput.length) throughput[bucket] = (throughput[bucket] ?? 0) + n;
  }

  /** The duration summary of `name`. */
  durations(kind: AnalyticsKind, name: string, summary: DurationSummary): void {
    this.#entry(kind, name).durations = summary;
  }

  /** One of the slowest runs of `name` (any order; more than `top` allowed). */
  slow(kind: AnalyticsKind, name: string, run: SlowRun): void {
    this.#entry(kind, name).slowest.push(run);
  }

  /** How often `name` failed with this type and message (any order; more than `top` allowed). */
  failure(kind: AnalyticsKind, name: string, failure: FailureCount): void {
    this.#entry(kind, name).failures.push(failure);
  }

  /** How often `name` failed with this type (any order; more than `top` allowed). */
  failureType(kind: AnalyticsKind, name: string, failure: FailureTypeCount): void {
    this.#entry(kind, name).failureTypes.push(failure);
  }

  /** The report. */
  build(): HubAnalytics {
    const { since, until, bucketMs } = this.query;
    return {
      since,
      until,
      bucketMs,
      buckets: this.#buckets,
      orchestrations: this.#names("orchestration"),
      activities: this.#names("activity"),
    };
  }

  #names(kind: AnalyticsKind): NameAnalytics[] {
    const top = this.query.top;
    return [...this.#entries[kind]]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, e]) => {
        const finished = Object.entries(e.byStatus)
          .filter(([status]) => FINISHED.has(status))
          .reduce((sum, [, n]) => sum + n, 0);
        const failed = e.byStatus["Failed"] ?? 0;
        return {
          name,
          byStatus: sortedKeys(e.byStatus),
          finished,
          failed,
          failureRate: finished === 0 ? null : failed / finished,
          ...(e.durations ? { durations: e.durations } : {}),
          slowest: e.slowest
            .sort(
              (a, b) =>
                b.durationMs - a.durationMs ||
                compare(a.instanceId, b.instanceId) ||
                (a.taskId ?? 0) - (b.taskId ?? 0),
            )
            .slice(0, top),
          topFailures: e.failures
            .sort(
              (a, b) =>
                b.count - a.count || compare(a.errorType, b.errorType) || compare(a.message, b.message),
            )
            .slice(0, top),
          topFailureTypes: e.failureTypes
            .sort((a, b) => b.count - a.count || compare(a.errorType, b.errorType))
            .slice(0, top),
          throughput: e.throughput,
        };
      });
  }

  #entry(kind: AnalyticsKind, name: string): Entry {
    let entry = this.#entries[kind].get(name);
    if (!entry) {
      entry = {
        byStatus: {},
        throughput: new Array<number>(this.#buckets).fill(0),
        slowest: [],
        failures: [],
        failureTypes: [],
      };
      this.#entries[kind].set(name, entry);
    }
    return entry;
  }
}

/** Byte-wise (code unit) order, as the SQL hubs sort keys. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

/**
 * The nearest-rank percentiles (p50, p95, p99) and the maximum of `sorted` (ascending, not empty): the value at rank
 * ⌈p·n⌉, computed in the same floating-point arithmetic as PostgreSQL's `percentile_disc` and the SQLite query.
 */
export function summarize(sorted: readonly number[]): DurationSummary {
  const n = sorted.length;
  const at = (p: number) => sorted[Math.max(1, Math.ceil(p * n)) - 1]!;
  return { count: n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1]! };
}
