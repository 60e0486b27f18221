// The timeline (Gantt) view: SVG drawn only for the rows in view (a history of 10,000 events has thousands of rows),
// bars coloured by state (failures red), retries as repeated bars on their call's row.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { duration } from "./format.js";
import { href } from "./router.js";
import { timelineModel } from "./timeline-model.js";

const ROW = 24;
const LABEL = 230;
const VIEW_ROWS = 18;

export function Timeline({ history, now }) {
  const model = useMemo(() => timelineModel(history, now), [history, now]);
  const scroller = useRef(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setWidth(Math.max(320, el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const rows = model.rows;
  if (rows.length === 0) return html`<p class="muted">No history yet.</p>`;
  const label = width < 560 ? 120 : LABEL;
  const chart = width - label - 12;
  const span = model.end - model.start;
  const x = (t) => label + ((t - model.start) / span) * chart;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 4);
  const last = Math.min(rows.length, first + VIEW_ROWS + 10);
  const visible = rows.slice(first, last);
  const tickCount = width < 560 ? 3 : 6;
  const ticks = Array.from({ length: tickCount }, (_, i) => model.start + (span * i) / (tickCount - 1));
  const failedBars = rows.reduce((n, r) => n + r.bars.filter((b) => b.state === "failed").length, 0);
  return html`
    <div class="timeline">
      <p class="legend" aria-hidden="true">
        <span class="swatch ok"></span> completed <span class="swatch failed"></span> failed
        <span class="swatch running"></span> running <span class="swatch planned"></span> timer not due
        <span class="swatch cancelled"></span> never finished
      </p>
      <svg class="axis" width=${width} height="22" aria-hidden="true">
        ${ticks.map((t) => html`<g><line x1=${x(t)} x2=${x(t)} y1="16" y2="22" /><text x=${x(t)} y="12" text-anchor=${t === ticks[0] ? "start" : t === ticks[ticks.length - 1] ? "end" : "middle"}>+${duration(t - model.start)}</text></g>`)}
      </svg>
      <div
        class="timeline-scroll"
        ref=${scroller}
        style=${`height:${Math.min(rows.length, VIEW_ROWS) * ROW + 2}px`}
        onScroll=${(e) => setScrollTop(e.currentTarget.scrollTop)}
        tabindex="0"
        role="img"
        aria-label=${`Timeline: ${rows.length} rows, ${failedBars} failed bars, over ${duration(span)}. The history table lists the same events.`}
      >
        <div style=${`height:${rows.length * ROW}px;position:relative`}>
          <svg
            width=${width}
            height=${visible.length * ROW}
            style=${`position:absolute;top:${first * ROW}px;left:0`}
          >
            ${visible.map((r, i) => {
              const y = i * ROW;
              return html`<g key=${first + i} class=${`row kind-${r.kind}`}>
                <rect class="row-bg" x="0" y=${y} width=${width} height=${ROW} />
                ${
                  r.instanceId
                    ? html`<a href=${href("instance", r.instanceId)}
                        ><text class="row-label link" x="4" y=${y + 16}>${clip(r.label, label)}</text></a
                      >`
                    : html`<text class="row-label" x="4" y=${y + 16}
                        >${clip(r.label, label)}<title>${r.label}</title></text
                      >`
                }
                ${r.bars.map((b) => {
                  const left = x(b.start);
                  const w = Math.max(2, x(b.end) - left);
                  return html`<rect
                    class=${`bar ${b.state}`}
                    x=${left}
                    y=${y + 5}
                    width=${w}
                    height=${ROW - 10}
                    rx="2"
                  >
                    <title>${b.title}: ${duration(b.end - b.start)}</title>
                  </rect>`;
                })}
              </g>`;
            })}
          </svg>
        </div>
      </div>
    </div>
  `;
}

function clip(text, width) {
  const max = Math.floor(width / 7);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
