// One instance: its summary, input / output / custom status, failure record (type, message, stack, cause chain),
// parent and sub-orchestrations, actions, and its history as a timeline and as a table. Refreshes while active.
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { getInstance } from "./api.js";
import { duration, statusClass, time } from "./format.js";
import { href, useInterval } from "./router.js";
import { InstanceActions } from "./actions.js";
import { HistoryTable } from "./history-table.js";
import { Timeline } from "./timeline.js";
import { ErrorBox, LiveToggle, Payload } from "./widgets.js";

const ACTIVE = new Set(["Running", "Pending", "Suspended", "ContinuedAsNew"]);

function Failure({ failure }) {
  const chain = [];
  for (let f = failure; f && chain.length < 20; f = f.cause) chain.push(f);
  return html`<section class="failure" aria-labelledby="failure-title">
    <h2 id="failure-title">Failure</h2>
    ${chain.map(
      (f, i) =>
        html`<div class="failure-link">
          <p>
            <strong>${i === 0 ? "" : "Caused by "}${f.errorType}</strong>${`: ${f.message}${f.nonRetryable ? " (not retryable)" : ""}`}
          </p>
          ${
            f.stack &&
            html`<details>
              <summary>Stack trace</summary>
              <pre>${f.stack}</pre>
            </details>`
          }
        </div>`,
    )}
  </section>`;
}

export function InstancePage({ id }) {
  const [instance, setInstance] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState(true);
  const [view, setView] = useState("timeline");
  const [now, setNow] = useState(() => Date.now());
  const load = useCallback(async () => {
    try {
      const data = await getInstance(id);
      setInstance(data);
      setNow(Date.now());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => {
    load();
  }, [load]);
  const active = instance && ACTIVE.has(instance.status);
  useInterval(load, 3000, live && active);
  if (!instance)
    return html`<h1>Instance ${id}</h1>
      <${ErrorBox} error=${error} />${!error && html`<p class="loading">Loading…</p>`}`;
  const i = instance;
  return html`
    <p class="crumbs"><a href=${href("instances")}>Instances</a> / <span>${i.instanceId}</span></p>
    <h1>
      <span class=${statusClass(i.status)}>${i.status}</span> ${i.name}
      <code class="id">${i.instanceId}</code>
    </h1>
    <${ErrorBox} error=${error} />
    <div class="toolbar">
      <${InstanceActions} instance=${i} onDone=${load} />
      ${active && html`<${LiveToggle} live=${live} onChange=${setLive} />`}
    </div>
    <dl class="facts">
      <div>
        <dt>Version</dt>
        <dd>${i.version ?? "none"}</dd>
      </div>
      <div>
        <dt>Execution</dt>
        <dd><code>${i.executionId}</code></dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd title=${i.createdAt}>${time(i.createdAt)}</dd>
      </div>
      <div>
        <dt>Last updated</dt>
        <dd title=${i.lastUpdatedAt}>${time(i.lastUpdatedAt)}</dd>
      </div>
      <div>
        <dt>Duration</dt>
        <dd>
          ${i.durationMs === null ? `running for ${duration(now - Date.parse(i.createdAt))}` : duration(i.durationMs)}
        </dd>
      </div>
      <div>
        <dt>Parent</dt>
        <dd>
          ${i.parentInstanceId ? html`<a href=${href("instance", i.parentInstanceId)}>${i.parentInstanceId}</a>` : "none"}
        </dd>
      </div>
      <div>
        <dt>Sub-orchestrations</dt>
        <dd>
          ${
            i.subOrchestrations.length === 0
              ? "none"
              : html`<ul class="plain">
                    ${i.subOrchestrations.slice(0, 50).map((s) => html`<li><a href=${href("instance", s.instanceId)}>${s.name} ${s.instanceId}</a></li>`)}
                  </ul>
                  ${i.subOrchestrations.length > 50 && html`<span class="muted">and ${i.subOrchestrations.length - 50} more (see the history)</span>`}`
          }
        </dd>
      </div>
    </dl>
    ${i.failure && i.status !== "Terminated" && html`<${Failure} failure=${i.failure} />`}
    ${i.failure && i.status === "Terminated" && html`<p class="muted">Terminated: ${i.failure.message}</p>`}
    <div class="payloads">
      <${Payload} label="Input" payload=${i.input} />
      <${Payload} label="Output" payload=${i.output} />
      <${Payload} label="Custom status" payload=${i.customStatus} />
    </div>
    <section aria-labelledby="history-title">
      <h2 id="history-title">History <span class="muted">(${i.history.length} events)</span></h2>
      <div class="tabs" role="tablist" aria-label="History views">
        <button
          type="button"
          role="tab"
          id="tab-timeline"
          aria-selected=${view === "timeline"}
          aria-controls="panel-history"
          onClick=${() => setView("timeline")}
        >
          Timeline
        </button>
        <button
          type="button"
          role="tab"
          id="tab-table"
          aria-selected=${view === "table"}
          aria-controls="panel-history"
          onClick=${() => setView("table")}
        >
          Table
        </button>
      </div>
      <div
        id="panel-history"
        role="tabpanel"
        aria-labelledby=${view === "timeline" ? "tab-timeline" : "tab-table"}
      >
        ${view === "timeline" ? html`<${Timeline} history=${i.history} now=${now} />` : html`<${HistoryTable} history=${i.history} />`}
      </div>
    </section>
  `;
}
