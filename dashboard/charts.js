// Simple SVG charts: bars over time (throughput, failures) and horizontal bars (by name).
import { html } from "./html.js";

/** Bars per time bucket: `series` [{ label, className, values }] stacked; `starts` the buckets' ISO starts. */
export function TimeBars({ title, starts, series, width = 640, height = 160 }) {
  const n = starts.length;
  const totals = starts.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const left = 36;
  const bottom = 20;
  const w = (width - left) / Math.max(1, n);
  const y = (v) => (height - bottom) * (1 - v / max);
  const label = (iso) => {
    const d = new Date(iso);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  };
  const step = Math.max(1, Math.ceil(n / 8));
  const summary = `${title}: ${totals.reduce((a, b) => a + b, 0)} in total over ${n} buckets, at most ${max} in one.`;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${summary}>
      <line class="axis-line" x1=${left} x2=${width} y1=${height - bottom} y2=${height - bottom} />
      <text class="tick" x=${left - 4} y="10" text-anchor="end">${max}</text>
      <text class="tick" x=${left - 4} y=${height - bottom} text-anchor="end">0</text>
      ${starts.map((start, i) => {
        let base = 0;
        return html`<g>
          ${series.map((s) => {
            const v = s.values[i] ?? 0;
            if (v === 0) return null;
            const top = y(base + v);
            const rect = html`<rect
              class=${`bar ${s.className}`}
              x=${left + i * w + 1}
              y=${top}
              width=${Math.max(1, w - 2)}
              height=${y(base) - top}
            >
              <title>${label(start)}: ${s.label} ${v}</title>
            </rect>`;
            base += v;
            return rect;
          })}
          ${i % step === 0 && html`<text class="tick" x=${left + i * w + w / 2} y=${height - 4} text-anchor="middle">${label(start)}</text>`}
        </g>`;
      })}
    </svg>
    <p class="legend">
      ${series.map((s) => html`<span><span class=${`swatch ${s.className}`}></span> ${s.label}</span> `)}
    </p>
  </figure>`;
}

/** Horizontal bars, one per item [{ label, value, text }]. */
export function NameBars({ title, items, className = "ok" }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    ${
      items.length === 0
        ? html`<p class="muted">Nothing in the window.</p>`
        : html`<ul class="hbars">
            ${items.map(
              (i) =>
                html`<li>
                  <span class="hbar-label">${i.label}</span>
                  <span class="hbar-track"
                    ><span class=${`hbar ${className}`} style=${`width:${(i.value / max) * 100}%`}></span
                  ></span>
                  <span class="hbar-value">${i.text ?? i.value}</span>
                </li>`,
            )}
          </ul>`
    }
  </figure>`;
}
