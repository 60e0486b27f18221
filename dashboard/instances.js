// The instances page: filters (status, name, ID prefix, created range, custom status text), counts by status, one
// page of the hub's listing at a time (its continuation tokens), live refresh with a pause, bulk terminate / purge.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { countInstances, listInstances } from "./api.js";
import { duration, localToIso, oneLine, statusClass, time } from "./format.js";
import { href, navigate, useInterval } from "./router.js";
import { BulkActions } from "./actions.js";
import { ErrorBox, LiveToggle } from "./widgets.js";

export const STATUSES = [
  "Running",
  "Pending",
  "Suspended",
  "Completed",
  "Failed",
  "Terminated",
  "ContinuedAsNew",
];
const FILTERS = ["status", "name", "prefix", "createdFrom", "createdTo", "customStatus"];
const PAGE_SIZE = 50;

function isoToLocal(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function Filters({ params }) {
  const [draft, setDraft] = useState(params);
  useEffect(() => setDraft(params), [JSON.stringify(params)]);
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.currentTarget.value });
  const apply = (e) => {
    e.preventDefault();
    const next = {};
    for (const name of FILTERS) if (draft[name]) next[name] = draft[name];
    navigate(href("instances", undefined, next), true);
  };
  return html`
    <form class="filters" onSubmit=${apply} aria-label="Filter instances">
      <div class="field">
        <label for="f-status">Status</label>
        <select id="f-status" name="status" value=${draft.status ?? ""} onChange=${set("status")}>
          <option value="">Any</option>
          ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-name">Name</label>
        <input
          id="f-name"
          name="name"
          value=${draft.name ?? ""}
          onInput=${set("name")}
          placeholder="ProcessOrder"
        />
      </div>
      <div class="field">
        <label for="f-prefix">ID prefix</label>
        <input
          id="f-prefix"
          name="prefix"
          value=${draft.prefix ?? ""}
          onInput=${set("prefix")}
          placeholder="order-"
        />
      </div>
      <div class="field">
        <label for="f-from">Created from</label>
        <input
          id="f-from"
          type="datetime-local"
          name="createdFrom"
          value=${isoToLocal(draft.createdFrom)}
          onInput=${(e) => setDraft({ ...draft, createdFrom: localToIso(e.currentTarget.value) })}
        />
      </div>
      <div class="field">
        <label for="f-to">Created to</label>
        <input
          id="f-to"
          type="datetime-local"
          name="createdTo"
          value=${isoToLocal(draft.createdTo)}
          onInput=${(e) => setDraft({ ...draft, createdTo: localToIso(e.currentTarget.value) })}
        />
      </div>
      <div class="field">
        <label for="f-custom">Custom status contains</label>
        <input
          id="f-custom"
          name="customStatus"
          value=${draft.customStatus ?? ""}
          onInput=${set("customStatus")}
          placeholder="waiting"
        />
      </div>
      <div class="filter-buttons">
        <button type="submit" class="primary">Apply</button>
        <button type="button" onClick=${() => navigate(href("instances"), true)}>Clear</button>
      </div>
    </form>
  `;
}

function Counts({ counts, params }) {
  if (!counts) return null;
  return html`
    <ul class="counts" aria-label="Instances by status">
      ${STATUSES.map((status) => {
        const n = counts.counts[status] ?? 0;
        const label = `${n}${counts.capped.includes(status) ? "+" : ""}`;
        return html`<li>
          <a
            class=${statusClass(status)}
            href=${href("instances", undefined, { ...params, status })}
            aria-current=${params.status === status ? "true" : undefined}
          >
            ${status} <strong>${label}</strong>
          </a>
        </li>`;
      })}
    </ul>
  `;
}

export function InstancesPage({ params }) {
  const filters = Object.fromEntries(FILTERS.filter((f) => params[f]).map((f) => [f, params[f]]));
  const key = JSON.stringify(filters);
  // tokens[i]: the token of page i (page 0 has none).
  const [tokens, setTokens] = useState([undefined]);
  const [page, setPage] = useState(null);
  const [counts, setCounts] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState(true);
  const [selected, setSelected] = useState(new Set());
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);

  const load = useCallback(
    async (token) => {
      const call = ++latest.current;
      setLoading(true);
      try {
        const [list, c] = await Promise.all([
          listInstances({ ...filters, top: PAGE_SIZE }, token),
          countInstances({ ...filters, status: undefined, customStatus: undefined }),
        ]);
        if (call !== latest.current) return;
        setPage(list);
        setCounts(c);
        setError(null);
      } catch (e) {
        if (call === latest.current) setError(e);
      } finally {
        if (call === latest.current) setLoading(false);
      }
    },
    [key],
  );

  useEffect(() => {
    setTokens([undefined]);
    setSelected(new Set());
    load(undefined);
  }, [key]);

  const current = tokens[tokens.length - 1];
  const refresh = useCallback(() => load(current), [load, current]);
  useInterval(refresh, 5000, live);

  const next = () => {
    const token = page?.continuationToken;
    if (!token) return;
    setTokens([...tokens, token]);
    load(token);
  };
  const previous = () => {
    if (tokens.length < 2) return;
    const rest = tokens.slice(0, -1);
    setTokens(rest);
    load(rest[rest.length - 1]);
  };
  const rows = page?.instances ?? [];
  const toggle = (id) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.instanceId));

  return html`
    <h1>Instances</h1>
    <${Filters} params=${filters} />
    <${Counts} counts=${counts} params=${filters} />
    <div class="toolbar">
      <${LiveToggle} live=${live} onChange=${setLive} />
      <button type="button" onClick=${refresh} disabled=${loading}>Refresh</button>
      <span class="muted" aria-live="polite"
        >${loading ? "Loading…" : `Page ${tokens.length}, ${rows.length} shown`}</span
      >
      <${BulkActions}
        selected=${[...selected]}
        rows=${rows}
        onDone=${() => {
          setSelected(new Set());
          refresh();
        }}
      />
    </div>
    <${ErrorBox} error=${error} />
    <div class="table-wrap">
      <table class="instances">
        <caption class="sr-only">
          Orchestration instances
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all shown"
                checked=${allSelected}
                onChange=${() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.instanceId)))}
              />
            </th>
            <th scope="col">Status</th>
            <th scope="col">Name</th>
            <th scope="col">Instance ID</th>
            <th scope="col">Version</th>
            <th scope="col">Created</th>
            <th scope="col">Last updated</th>
            <th scope="col">Duration</th>
            <th scope="col">Custom status</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0 &&
            !loading &&
            html`<tr>
              <td colspan="9" class="muted">No instance matches.</td>
            </tr>`
          }
          ${rows.map(
            (r) =>
              html`<tr key=${r.instanceId} class=${selected.has(r.instanceId) ? "selected" : ""}>
                <td>
                  <input
                    type="checkbox"
                    aria-label=${`Select ${r.instanceId}`}
                    checked=${selected.has(r.instanceId)}
                    onChange=${() => toggle(r.instanceId)}
                  />
                </td>
                <td><span class=${statusClass(r.status)}>${r.status}</span></td>
                <td>${r.name}</td>
                <td class="id"><a href=${href("instance", r.instanceId)}>${r.instanceId}</a></td>
                <td>${r.version ?? ""}</td>
                <td title=${r.createdAt}>${time(r.createdAt)}</td>
                <td title=${r.lastUpdatedAt}>${time(r.lastUpdatedAt)}</td>
                <td>${duration(r.durationMs)}</td>
                <td class="custom" title=${r.customStatus ?? ""}>${oneLine(r.customStatus, 60)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick=${previous} disabled=${tokens.length < 2}>← Previous</button>
      <button type="button" onClick=${next} disabled=${!page?.continuationToken}>Next →</button>
    </nav>
  `;
}
