// The history as a table, one page of events at a time (a 10,000-event history stays a small DOM), with a filter
// by event type. Payloads are collapsed.
import { useMemo, useState } from "preact/hooks";
import { html } from "./html.js";
import { duration, oneLine, prettyJson, size } from "./format.js";
import { href } from "./router.js";

const PAGE = 100;

function details(e) {
  const parts = [];
  if (e.name) parts.push(e.name);
  if (e.eventId !== undefined) parts.push(`#${e.eventId}`);
  if (e.taskScheduledId !== undefined) parts.push(`of #${e.taskScheduledId}`);
  if (e.timerId !== undefined) parts.push(`timer #${e.timerId}`);
  if (e.attempt !== undefined && e.attempt > 1) parts.push(`attempt ${e.attempt}`);
  if (e.fireAt) parts.push(`fires ${e.fireAt}`);
  if (e.status) parts.push(e.status);
  if (e.operation) parts.push(`${e.operation} on ${e.targetInstanceId}`);
  if (e.reason) parts.push(`reason: ${e.reason}`);
  if (e.version) parts.push(`version ${e.version}`);
  if (e.patchId) parts.push(`patch ${e.patchId}`);
  return parts.join(" · ");
}

function PayloadCell({ e }) {
  const text = e.result ?? e.input;
  const failure = e.failure;
  return html`
    ${failure && html`<span class="fail-text">${failure.errorType}: ${oneLine(JSON.stringify(failure.message), 100)}</span>`}
    ${
      text !== undefined &&
      html`<details>
        <summary>
          ${oneLine(text, 60)}
          ${e.resultChars || e.inputChars ? html`<span class="muted">(cut, ${size(e.resultChars ?? e.inputChars)})</span>` : ""}
        </summary>
        <pre>${prettyJson(text)}</pre>
      </details>`
    }
  `;
}

export function HistoryTable({ history }) {
  const [page, setPage] = useState(0);
  const [type, setType] = useState("");
  const types = useMemo(() => [...new Set(history.map((e) => e.type))].sort(), [history]);
  const rows = useMemo(
    () => history.map((e, index) => ({ e, index })).filter((r) => !type || r.e.type === type),
    [history, type],
  );
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const current = Math.min(page, pages - 1);
  const start = history.length > 0 ? Date.parse(history[0].timestamp) : 0;
  const shown = rows.slice(current * PAGE, current * PAGE + PAGE);
  return html`
    <div class="toolbar">
      <label
        >Event type
        <select
          value=${type}
          onChange=${(e) => {
            setType(e.currentTarget.value);
            setPage(0);
          }}
        >
          <option value="">All (${history.length})</option>
          ${types.map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
      </label>
      <nav class="pager" aria-label="History pages">
        <button type="button" onClick=${() => setPage(Math.max(0, current - 1))} disabled=${current === 0}>
          ← Previous
        </button>
        <span>${`Events ${rows.length === 0 ? 0 : current * PAGE + 1}–${Math.min(rows.length, (current + 1) * PAGE)} of ${rows.length}`}</span>
        <button
          type="button"
          onClick=${() => setPage(Math.min(pages - 1, current + 1))}
          disabled=${current >= pages - 1}
        >
          Next →
        </button>
      </nav>
    </div>
    <div class="table-wrap">
      <table class="history">
        <caption class="sr-only">
          History events
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Details</th>
            <th scope="col">Payload / failure</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            ({ e, index }) =>
              html`<tr key=${index} class=${e.type.endsWith("Failed") || e.failure ? "failed-row" : ""}>
                <td>${index}</td>
                <td title=${e.timestamp}>+${duration(Date.parse(e.timestamp) - start)}</td>
                <td>${e.type}</td>
                <td>
                  ${e.type === "SubOrchestrationInstanceCreated" ? html`<a href=${href("instance", e.instanceId)}>${details(e)} ${e.instanceId}</a>` : details(e)}
                </td>
                <td><${PayloadCell} e=${e} /></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
