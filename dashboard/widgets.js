// Small shared pieces: error box, live toggle, collapsible JSON payloads, confirmation dialog.
import { useEffect, useRef } from "preact/hooks";
import { html } from "./html.js";
import { prettyJson, size } from "./format.js";

/** An API error, shown (never swallowed). */
export function ErrorBox({ error }) {
  if (!error) return null;
  const status = error.status ? `${error.status}: ` : "";
  return html`<p class="error" role="alert">${status}${error.message}</p>`;
}

/** Live refresh on / paused. */
export function LiveToggle({ live, onChange }) {
  return html`<button type="button" aria-pressed=${live ? "true" : "false"} onClick=${() => onChange(!live)}>
    ${live ? "Pause live refresh" : "Resume live refresh"}
  </button>`;
}

const COLLAPSE_CHARS = 400;
const COLLAPSE_LINES = 12;

/**
 * A JSON payload ({ text, chars, truncated } from the data routes): shown open when small, collapsed in a <details>
 * when large; a payload the host cut says how long it is.
 */
export function Payload({ label, payload }) {
  if (!payload || payload.text === null || payload.text === undefined)
    return html`<div class="payload">
      <h3>${label}</h3>
      <p class="muted">none</p>
    </div>`;
  const text = payload.truncated ? payload.text : prettyJson(payload.text);
  const large = text.length > COLLAPSE_CHARS || text.split("\n").length > COLLAPSE_LINES;
  const note = payload.truncated
    ? html`<p class="muted">Cut: the first ${size(payload.text.length)} of ${size(payload.chars)}.</p>`
    : null;
  if (!large)
    return html`<div class="payload">
      <h3>${label}</h3>
      <pre>${text}</pre>
      ${note}
    </div>`;
  return html`<div class="payload">
    <h3>${label}</h3>
    <details>
      <summary>Show ${size(payload.chars)}</summary>
      <pre>${text}</pre>
    </details>
    ${note}
  </div>`;
}

/**
 * A modal confirmation dialog (the native <dialog>: focus trapped, Escape cancels). `children`: extra fields.
 * `onConfirm` may return a promise; its error stays shown in the dialog.
 */
export function ConfirmDialog({ title, confirmLabel, danger, busy, error, onConfirm, onCancel, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.open && dialog.close();
  }, []);
  return html`<dialog
    ref=${ref}
    class="confirm"
    aria-labelledby="confirm-title"
    onCancel=${(e) => {
      e.preventDefault();
      onCancel();
    }}
  >
    <form
      method="dialog"
      onSubmit=${(e) => {
        e.preventDefault();
        onConfirm();
      }}
    >
      <h2 id="confirm-title">${title}</h2>
      ${children}
      <${ErrorBox} error=${error} />
      <div class="dialog-buttons">
        <button type="button" onClick=${onCancel}>Cancel</button>
        <button type="submit" class=${danger ? "danger" : "primary"} disabled=${busy}>
          ${busy ? "Working…" : confirmLabel}
        </button>
      </div>
    </form>
  </dialog>`;
}
