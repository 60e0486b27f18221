/**
 * The JSON form of {@link HubAnalytics} (`taskhub stats --json` and the management API's `stats` route print the
 * same): format `taskhub-stats/1`, times as ISO-8601 strings, durations in milliseconds.
 * @module
 */
import type { HubAnalytics, NameAnalytics } from "./analytics.js";

/** The format tag of the JSON report. */
export const ANALYTICS_FORMAT = "taskhub-stats/1";

/** The JSON report of `analytics`. */
export function analyticsReport(analytics: HubAnalytics): Record<string, unknown> {
  const iso = (time: number) => new Date(time).toISOString();
  const name = (n: NameAnalytics) => ({
    name: n.name,
    byStatus: n.byStatus,
    finished: n.finished,
    failed: n.failed,
    failureRate: n.failureRate,
    durationsMs: n.durations ?? null,
    slowest: n.slowest.map((s) => ({
      instanceId: s.instanceId,
      ...(s.taskId !== undefined ? { taskId: s.taskId } : {}),
      durationMs: s.durationMs,
      endedAt: iso(s.endedAt),
    })),
    topFailures: n.topFailures,
    topFailureTypes: n.topFailureTypes,
    throughput: n.throughput,
  });
  return {
    format: ANALYTICS_FORMAT,
    since: iso(analytics.since),
    until: iso(analytics.until),
    buckets: {
      sizeMs: analytics.bucketMs,
      starts: Array.from({ length: analytics.buckets }, (_, i) =>
        iso(analytics.since + i * analytics.bucketMs),
      ),
    },
    orchestrations: analytics.orchestrations.map(name),
    activities: analytics.activities.map(name),
  };
}
