/**
 * `taskhub stats`: analytics over the hub's history (see `task-hub/analytics.ts`) for a window (`--since 24h`,
 * `--until ...`), optionally one name (`--name`): a table per kind, or the JSON report (`--json`, the management
 * API's `stats` route prints the same). Only reads the hub.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { HostConfig } from "../host/config.js";
import { analyticsOf, type HubAnalytics, type NameAnalytics } from "../task-hub/analytics.js";
import { analyticsReport } from "../task-hub/analytics-report.js";
import { analyticsQuery, type AnalyticsQueryText } from "../task-hub/analytics-window.js";
import { systemClock } from "../task-hub/clock.js";
import type { SqlTaskHub } from "../sql/sql-task-hub.js";
import { hubReadError, HubReadError, openHubForReading } from "./read-hub.js";
import { UsageError } from "./usage-error.js";

const COMMAND = "stats";

/**
 * Runs `taskhub stats`; returns the exit code (0, or 1 when the hub cannot be read; a {@link UsageError} for a wrong
 * command line, checked before the hub is opened).
 */
export async function runStatsCommand(
  positionals: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  config: () => HostConfig,
): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, COMMAND);
  const text = (name: string) => (typeof flags[name] === "string" ? flags[name] : undefined);
  const texts: AnalyticsQueryText = {
    since: text("since"),
    until: text("until"),
    name: text("name"),
    top: text("top"),
    bucket: text("bucket"),
  };
  let query;
  try {
    // The CLI's hubs (a file, a server) keep time on the system clock.
    query = analyticsQuery(texts, systemClock.now(), (name) => `'--${name}'`);
  } catch (error) {
    if (error instanceof InvalidArgumentError)
      throw new UsageError(error.message.replace(/\.$/, ""), COMMAND);
    throw error;
  }
  const settings = config();
  let hub: SqlTaskHub | undefined;
  try {
    hub = await openHubForReading(settings);
    const analytics = await analyticsOf(hub, query);
    process.stdout.write(
      flags["json"] === true
        ? `${JSON.stringify(analyticsReport(analytics), null, 2)}\n`
        : formatAnalytics(analytics),
    );
    return 0;
  } catch (error) {
    const message = error instanceof HubReadError ? error.message : hubReadError(settings, error).message;
    process.stderr.write(`taskhub stats: ${message}\n`);
    return 1;
  } finally {
    await hub?.close();
  }
}

/** The text form: the window, then a table per kind (one row per name), then the slowest and the top failures. */
export function formatAnalytics(a: HubAnalytics): string {
  const iso = (time: number) => new Date(time).toISOString();
  const lines = [`Window ${iso(a.since)} to ${iso(a.until)} (buckets of ${duration(a.bucketMs)})`, ""];
  for (const [title, names] of [
    ["Orchestrations", a.orchestrations],
    ["Activities", a.activities],
  ] as const) {
    lines.push(`${title}:`);
    if (names.length === 0) {
      lines.push("  (none in the window)", "");
      continue;
    }
    const header = ["NAME", "FINISHED", "FAILED", "FAIL %", "P50", "P95", "P99", "MAX", "OTHER"];
    const rows = names.map((n) => [
      n.name,
      String(n.finished),
      String(n.failed),
      n.failureRate === null ? "-" : (n.failureRate * 100).toFixed(1),
      ...(n.durations
        ? [n.durations.p50, n.durations.p95, n.durations.p99, n.durations.max].map(duration)
        : ["-", "-", "-", "-"]),
      other(n),
    ]);
    lines.push(...table([header, ...rows]).map((line) => `  ${line}`));
    for (const n of names) {
      if (n.slowest.length > 0)
        lines.push(
          `  ${n.name} slowest: ${n.slowest
            .map(
              (s) =>
                `${s.instanceId}${s.taskId !== undefined ? `#${s.taskId}` : ""} ${duration(s.durationMs)}`,
            )
            .join(", ")}`,
        );
      for (const f of n.topFailures)
        lines.push(`  ${n.name} failed ${f.count}x: ${f.errorType}: ${f.message}`);
    }
    lines.push("");
  }
  return `${lines.join("\n")}`;
}

/** Statuses other than Completed and Failed (Terminated, Running...), as `Running 3, Pending 1`. */
function other(n: NameAnalytics): string {
  const parts = Object.entries(n.byStatus)
    .filter(([status]) => status !== "Completed" && status !== "Failed")
    .map(([status, count]) => `${status} ${count}`);
  return parts.length > 0 ? parts.join(", ") : "-";
}

/** `850ms`, `1.25s`, `12.5s`, `5m`, `2.5m`, `1h`... (whole units without decimals). */
function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const [unit, suffix] = ms < 60_000 ? [1000, "s"] : ms < 3_600_000 ? [60_000, "m"] : [3_600_000, "h"];
  if (ms % unit === 0) return `${ms / unit}${suffix}`;
  return `${(ms / unit).toFixed(suffix === "s" && ms < 10_000 ? 2 : 1)}${suffix}`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
