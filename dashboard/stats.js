// The stats page, from the hub's analytics (GET .../durabletask/stats): throughput over time, failed orchestrations
// over time, failure rates and slowest runs by name, the most frequent failures.
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { getStats, listInstances } from "./api.js";
import { duration } from "./format.js";
import { href, navigate } from "./router.js";
import { NameBars, TimeBars } from "./charts.js";
import { ErrorBox } from "./widgets.js";

const WINDOWS = [
  ["1h", "Last hour"],
  ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"],
];

const sum = (lists, n) => Array.from({ length: n }, (_, i) => lists.reduce((s, l) => s + (l[i] ?? 0), 0));

/** Failed orchestrations created in the window, per bucket of their completion time (the first 1,000 of them). */
async function failuresOverTime(report) {
  const since = Date.parse(report.since);
  const size = report.buckets.sizeMs;
  const counts = new Array(report.buckets.starts.length).fill(0);
  const page = await listInstances({
    status: "Failed",
    createdFrom: report.since,
    createdTo: report.until,
    top: 1000,
  });
  for (const r of page.instances) {
    const end = Date.parse(r.completedAt ?? r.lastUpdatedAt);
    const i = Math.floor((end - since) / size);
    if (i >= 0 && i < counts.length) counts[i]++;
  }
  return counts;
}

function NameTable({ title, names }) {
  return html`<section>
    <h2>${title}</h2>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Finished</th>
            <th scope="col">Failed</th>
            <th scope="col">Failure rate</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">p99</th>
            <th scope="col">Max</th>
            <th scope="col">Slowest</th>
          </tr>
        </thead>
        <tbody>
          ${
            names.length === 0 &&
            html`<tr>
              <td colspan="9" class="muted">Nothing in the window.</td>
            </tr>`
          }
          ${names.map(
            (n) =>
              html`<tr key=${n.name}>
                <td>${n.name}</td>
                <td>${n.finished}</td>
                <td>${n.failed}</td>
                <td>${n.failureRate === null ? "" : `${(n.failureRate * 100).toFixed(1)} %`}</td>
                <td>${duration(n.durationsMs?.p50)}</td>
                <td>${duration(n.durationsMs?.p95)}</td>
                <td>${duration(n.durationsMs?.p99)}</td>
                <td>${duration(n.durationsMs?.max)}</td>
                <td>
                  ${n.slowest.slice(0, 3).map((s) => html`<a class="chip" href=${href("instance", s.instanceId)}>${s.instanceId}${s.taskId !== undefined ? `#${s.taskId}` : ""} ${duration(s.durationMs)}</a> `)}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

export function StatsPage({ params }) {
  const since = params.since || "24h";
  const [report, setReport] = useState(null);
  const [failed, setFailed] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(async () => {
    try {
      const r = await getStats({ since });
      setReport(r);
      setFailed(await failuresOverTime(r));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [since]);
  useEffect(() => {
    load();
  }, [load]);
  const n = report?.buckets.starts.length ?? 0;
  const slowestActivities = report
    ? report.activities
        .flatMap((a) => a.slowest.map((s) => ({ ...s, name: a.name })))
        .sort((a, b) => b.durationMs - a.durationMs)
        .slice(0, 10)
    : [];
  const failures = report
    ? [...report.orchestrations, ...report.activities]
        .flatMap((x) => x.topFailures.map((f) => ({ ...f, name: x.name })))
        .sort((a, b) => b.count - a.count)
        .slice(0, 10)
    : [];
  return html`
    <h1>Stats</h1>
    <div class="toolbar">
      <label
        >Window
        <select
          value=${since}
          onChange=${(e) => navigate(href("stats", undefined, { since: e.currentTarget.value }), true)}
        >
          ${WINDOWS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
      </label>
      <button type="button" onClick=${load}>Refresh</button>
    </div>
    <${ErrorBox} error=${error} />
    ${
      report &&
      html`
        <div class="charts">
          <${TimeBars}
            title="Orchestrations finished"
            starts=${report.buckets.starts}
            series=${[
              {
                label: "finished",
                className: "ok",
                values: sum(
                  report.orchestrations.map((o) => o.throughput),
                  n,
                ),
              },
            ]}
          />
          <${TimeBars}
            title="Activity attempts ended"
            starts=${report.buckets.starts}
            series=${[
              {
                label: "ended",
                className: "ok",
                values: sum(
                  report.activities.map((a) => a.throughput),
                  n,
                ),
              },
            ]}
          />
          ${failed && html`<${TimeBars} title="Orchestrations failed (created in the window)" starts=${report.buckets.starts} series=${[{ label: "failed", className: "failed", values: failed }]} />`}
          <${NameBars}
            title="Failure rate by name"
            className="failed"
            items=${[...report.orchestrations, ...report.activities].filter((x) => x.failed > 0).map((x) => ({ label: x.name, value: x.failureRate ?? 0, text: `${x.failed} of ${x.finished} (${((x.failureRate ?? 0) * 100).toFixed(1)} %)` }))}
          />
        </div>
        <section>
          <h2>Slowest activities</h2>
          <${NameBars}
            title="Slowest activity attempts in the window"
            items=${slowestActivities.map((s) => ({ label: `${s.name} ${s.instanceId}#${s.taskId ?? ""}`, value: s.durationMs, text: duration(s.durationMs) }))}
          />
        </section>
        <section>
          <h2>Most frequent failures</h2>
          ${
            failures.length === 0
              ? html`<p class="muted">No failures in the window.</p>`
              : html`<ul class="plain">
                  ${failures.map((f) => html`<li><strong>${f.count}×</strong> ${f.name}: <code>${f.errorType}</code> ${f.message}</li>`)}
                </ul>`
          }
        </section>
        <${NameTable} title="Orchestrations" names=${report.orchestrations} />
        <${NameTable} title="Activities" names=${report.activities} />
      `
    }
  `;
}
