// Actions on instances through the management API, each behind a confirmation: raise event, terminate, suspend,
// resume, rewind, restart, purge; terminate or purge a selection. Errors from the API are shown in the dialog.
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { actions } from "./api.js";
import { href, navigate } from "./router.js";
import { ConfirmDialog } from "./widgets.js";

const ACTIVE = new Set(["Running", "Pending", "Suspended", "ContinuedAsNew"]);

/** Which actions an instance in `status` offers. */
function available(status) {
  const active = ACTIVE.has(status);
  return {
    raise: active,
    terminate: active,
    suspend: status === "Running" || status === "Pending",
    resume: status === "Suspended",
    rewind: status === "Failed",
    restart: !active,
    purge: !active,
  };
}

const TITLES = {
  raise: "Raise an event",
  terminate: "Terminate",
  suspend: "Suspend",
  resume: "Resume",
  rewind: "Rewind",
  restart: "Restart",
  purge: "Purge",
};

/** The action buttons of one instance, and the dialog of the one chosen. */
export function InstanceActions({ instance, onDone }) {
  const [open, setOpen] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [form, setForm] = useState({ name: "", data: "", reason: "", newId: false });
  const can = available(instance.status);
  const id = instance.instanceId;
  const start = (action) => {
    setError(null);
    setForm({ name: "", data: "", reason: "", newId: false });
    setOpen(action);
  };
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      let restartedId;
      switch (open) {
        case "raise": {
          if (form.name.trim() === "") throw new Error("Give the event's name.");
          let data;
          const text = form.data.trim() === "" ? "null" : form.data;
          try {
            data = JSON.parse(text);
          } catch {
            throw new Error("The event data is not valid JSON.");
          }
          await actions.raiseEvent(id, form.name.trim(), JSON.stringify(data));
          break;
        }
        case "terminate":
        case "suspend":
        case "resume":
        case "rewind":
          await actions[open](id, form.reason || undefined);
          break;
        case "restart": {
          const { body } = await actions.restart(id, form.newId);
          restartedId = body?.id;
          break;
        }
        case "purge":
          await actions.purge(id);
          break;
      }
      setOpen(null);
      if (open === "purge") navigate(href("instances"));
      else if (restartedId && restartedId !== id) navigate(href("instance", restartedId));
      else onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const field = (name) => (e) => {
    setError(null);
    setForm({ ...form, [name]: e.currentTarget.value });
  };
  const danger = open === "terminate" || open === "purge";
  return html`
    <div class="actions" role="group" aria-label="Actions">
      ${Object.entries(can)
        .filter(([, ok]) => ok)
        .map(
          ([action]) =>
            html`<button
              type="button"
              class=${action === "terminate" || action === "purge" ? "danger" : ""}
              onClick=${() => start(action)}
            >
              ${TITLES[action]}
            </button>`,
        )}
    </div>
    ${
      open &&
      html`<${ConfirmDialog}
      title=${open === "raise" ? `Raise an event on ${id}` : `${TITLES[open]} ${id}?`}
      confirmLabel=${TITLES[open]}
      danger=${danger}
      busy=${busy}
      error=${error}
      onConfirm=${run}
      onCancel=${() => setOpen(null)}
    >
      ${
        open === "raise" &&
        html`<label for="event-name">Event name</label>
          <input id="event-name" value=${form.name} onInput=${field("name")} required autocomplete="off" />
          <label for="event-data">Data (JSON)</label>
          <textarea
            id="event-data"
            rows="6"
            value=${form.data}
            onInput=${field("data")}
            placeholder='{"approved": true}'
          ></textarea>`
      }
      ${
        (open === "terminate" || open === "suspend" || open === "resume" || open === "rewind") &&
        html`<label for="action-reason">Reason (optional)</label>
          <input id="action-reason" value=${form.reason} onInput=${field("reason")} autocomplete="off" />`
      }
      ${
        open === "restart" &&
        html`<label class="inline"
          ><input
            type="checkbox"
            checked=${form.newId}
            onChange=${(e) => setForm({ ...form, newId: e.currentTarget.checked })}
          />
          Start with a new instance ID</label
        >`
      }
      ${open === "purge" && html`<p>The instance and its history are deleted for good.</p>`}
      ${open === "terminate" && html`<p>The instance stops now; its running activities' results are discarded.</p>`}
    </${ConfirmDialog}>`
    }
  `;
}

/** Terminate or purge the selected instances (one request each); reports what failed, by instance. */
export function BulkActions({ selected, rows, onDone }) {
  const [open, setOpen] = useState(null);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  if (selected.length === 0 && !result) return null;
  const run = async () => {
    setBusy(true);
    setError(null);
    const failures = [];
    let done = 0;
    for (const id of selected) {
      try {
        if (open === "terminate") await actions.terminate(id, reason || undefined);
        else await actions.purge(id);
        done++;
      } catch (e) {
        failures.push(`${id}: ${e.status ? `${e.status} ` : ""}${e.message}`);
      }
    }
    setBusy(false);
    const verb = open === "terminate" ? "terminated" : "purged";
    setResult({ text: `${done} of ${selected.length} ${verb}.`, failures });
    setOpen(null);
    onDone();
  };
  const statuses = new Map(rows.map((r) => [r.instanceId, r.status]));
  const active = selected.filter((id) => ACTIVE.has(statuses.get(id))).length;
  return html`
    <span class="bulk" role="group" aria-label="Selected instances">
      ${
        selected.length > 0 &&
        html`<span>${selected.length} selected</span>
          <button
            type="button"
            class="danger"
            onClick=${() => {
              setError(null);
              setOpen("terminate");
            }}
          >
            Terminate selected
          </button>
          <button
            type="button"
            class="danger"
            onClick=${() => {
              setError(null);
              setOpen("purge");
            }}
          >
            Purge selected
          </button>`
      }
      ${
        result &&
        html`<span role="status" class=${result.failures.length ? "error inline" : "ok"}>
          ${result.text}
          ${result.failures.length > 0 && html`<span>Failed: ${result.failures.join("; ")}</span>`}
          <button type="button" class="link" onClick=${() => setResult(null)} aria-label="Dismiss">✕</button>
        </span>`
      }
    </span>
    ${
      open &&
      html`<${ConfirmDialog}
      title=${`${open === "terminate" ? "Terminate" : "Purge"} ${selected.length} instance${selected.length === 1 ? "" : "s"}?`}
      confirmLabel=${open === "terminate" ? "Terminate all" : "Purge all"}
      danger=${true}
      busy=${busy}
      error=${error}
      onConfirm=${run}
      onCancel=${() => setOpen(null)}
    >
      ${
        open === "terminate"
          ? html`<p>${active} of them are active; finished ones are refused by the host (shown after).</p>
              <label for="bulk-reason">Reason (optional)</label>
              <input id="bulk-reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} />`
          : html`<p>
              Finished instances and their histories are deleted for good; active ones are refused by the
              host.
            </p>`
      }
    </${ConfirmDialog}>`
    }
  `;
}
