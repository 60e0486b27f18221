/**
 * `GET /runtime/webhooks/durabletask/stats?since=24h&until=...&name=...&top=5&bucket=1h`: the analytics report of
 * the hub over a window (the JSON of `taskhub stats --json`, see `task-hub/analytics-report.ts`). Parameters as the
 * CLI's flags; a wrong one is a 400 naming it.
 * @module
 */
import { analyticsOf, hasAnalytics } from "../task-hub/analytics.js";
import { analyticsReport } from "../task-hub/analytics-report.js";
import { AnalyticsQueryError, analyticsQuery } from "../task-hub/analytics-window.js";
import { HttpError, invalidParameter, jsonResponse } from "./http-error.js";
import type { ManagementRequest } from "./management-handlers.js";

const PARAMETERS = ["since", "until", "name", "top", "bucket"] as const;

/** `GET /stats`. */
export async function hubStats(m: ManagementRequest): Promise<Response> {
  const hub = m.client.taskHub;
  if (!hasAnalytics(hub))
    throw new HttpError(404, "not_found", `The task hub ${hub.description} does not report analytics.`);
  const text: Record<string, string> = {};
  for (const name of PARAMETERS) {
    const value = m.query.string(name);
    if (value !== undefined) text[name] = value;
  }
  const now = m.client.clock.now();
  let query;
  try {
    query = analyticsQuery(text, now, (name) => `Query parameter '${name}'`);
  } catch (error) {
    if (!(error instanceof AnalyticsQueryError)) throw error;
    throw invalidParameter(
      error.parameter,
      `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`,
    );
  }
  return jsonResponse(200, analyticsReport(await analyticsOf(hub, query)));
}
