// The entities page: name and key-prefix filters, each entity's state, lock owner and queued requests, paging.
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { listEntities } from "./api.js";
import { oneLine, prettyJson, time } from "./format.js";
import { href, navigate, useInterval } from "./router.js";
import { ErrorBox, LiveToggle } from "./widgets.js";

export function EntitiesPage({ params }) {
  const filters = { name: params.name || undefined, keyPrefix: params.keyPrefix || undefined };
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState(filters);
  const [tokens, setTokens] = useState([undefined]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState(true);
  const load = useCallback(
    async (token) => {
      try {
        setPage(await listEntities({ ...filters, top: 50 }, token));
        setError(null);
      } catch (e) {
        setError(e);
      }
    },
    [key],
  );
  useEffect(() => {
    setDraft(filters);
    setTokens([undefined]);
    load(undefined);
  }, [key]);
  const current = tokens[tokens.length - 1];
  const refresh = useCallback(() => load(current), [load, current]);
  useInterval(refresh, 5000, live);
  const apply = (e) => {
    e.preventDefault();
    navigate(href("entities", undefined, draft), true);
  };
  const rows = page?.entities ?? [];
  return html`
    <h1>Entities</h1>
    <form class="filters" onSubmit=${apply} aria-label="Filter entities">
      <div class="field">
        <label for="e-name">Entity name</label>
        <input
          id="e-name"
          name="entityName"
          value=${draft.name ?? ""}
          onInput=${(e) => setDraft({ ...draft, name: e.currentTarget.value })}
          placeholder="Counter"
        />
      </div>
      <div class="field">
        <label for="e-key">Key prefix</label>
        <input
          id="e-key"
          name="keyPrefix"
          value=${draft.keyPrefix ?? ""}
          onInput=${(e) => setDraft({ ...draft, keyPrefix: e.currentTarget.value })}
          placeholder="user-"
        />
      </div>
      <div class="filter-buttons">
        <button type="submit" class="primary">Apply</button>
        <button type="button" onClick=${() => navigate(href("entities"), true)}>Clear</button>
      </div>
    </form>
    <div class="toolbar"><${LiveToggle} live=${live} onChange=${setLive} /></div>
    <${ErrorBox} error=${error} />
    <div class="table-wrap">
      <table>
        <caption class="sr-only">
          Entities
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Last operation</th>
            <th scope="col">Locked by</th>
            <th scope="col">Queued</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0 &&
            html`<tr>
              <td colspan="6" class="muted">No entity matches.</td>
            </tr>`
          }
          ${rows.map(
            (e) =>
              html`<tr key=${`${e.name}@${e.key}`}>
                <td>${e.name}</td>
                <td class="id">${e.key}</td>
                <td title=${e.lastOperationTime}>${time(e.lastOperationTime)}</td>
                <td>
                  ${e.lockedBy ? html`<a href=${href("instance", e.lockedBy)}>${e.lockedBy}</a>` : html`<span class="muted">not locked</span>`}
                </td>
                <td>${e.backlogQueueSize}</td>
                <td>
                  ${
                    e.state.text.length > 80
                      ? html`<details>
                          <summary>${oneLine(e.state.text, 60)}</summary>
                          <pre>${prettyJson(e.state.text)}</pre>
                        </details>`
                      : html`<code>${e.state.text}</code>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        disabled=${tokens.length < 2}
        onClick=${() => {
          const rest = tokens.slice(0, -1);
          setTokens(rest);
          load(rest[rest.length - 1]);
        }}
      >
        ← Previous
      </button>
      <button
        type="button"
        disabled=${!page?.continuationToken}
        onClick=${() => {
          setTokens([...tokens, page.continuationToken]);
          load(page.continuationToken);
        }}
      >
        Next →
      </button>
    </nav>
  `;
}
