// Formatting of times, durations, sizes and JSON payloads.

/** `2026-12-03 15:04:05` in the browser's time zone (the ISO text is in the title). */
export function time(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850 ms`, `1.25 s`, `3 m 05 s`, `2 h 10 m`, `3 d 4 h`. */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} m`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** `512 B`, `12.3 KB`, `4.5 MB` (characters of JSON text, close to bytes). */
export function size(chars) {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(1)} KB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

/** JSON text pretty-printed (text that is not JSON as it is). */
export function prettyJson(text) {
  if (text === null || text === undefined) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A one-line preview of JSON text. */
export function oneLine(text, max = 120) {
  if (text === null || text === undefined) return "";
  let value = text;
  try {
    const parsed = JSON.parse(text);
    value = typeof parsed === "string" ? parsed : JSON.stringify(parsed);
  } catch {
    // not JSON: as it is
  }
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A `datetime-local` input's value as an ISO string (or undefined when empty). */
export function localToIso(value) {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The CSS class of a runtime status. */
export function statusClass(status) {
  return `status status-${String(status).toLowerCase()}`;
}
