/**
 * Loss per term over the run as an SVG line chart: log-scale y axis with decade ticks, an
 * iteration axis, a legend with each term's latest value, and dashed markers where a
 * coarse-to-fine run moves to its next scale (progress events that carry `scale`).
 */
import type { LossValues } from "../../shared/render.ts";

/** Where a coarse-to-fine (pyramid) run is: scale `index` of `count`, `size` px long side. */
export interface ScaleInfo {
  index: number;
  count: number;
  size: number;
}

/** One plotted step. */
export interface LossPoint {
  losses: LossValues;
  scale?: ScaleInfo;
}

const TERMS = ["total", "content", "style", "tv"] as const;
const STYLES = {
  total: { color: "#1d1d1f", dash: "" },
  content: { color: "#1f77b4", dash: "6 3" },
  style: { color: "#c0282d", dash: "" },
  tv: { color: "#2b8a2b", dash: "2 2" },
};
const W = 400;
const H = 220;
const M = { left: 52, right: 10, top: 10, bottom: 36 };

/** "0.01", "1", "1000", then "1e-5" / "1e+6" outside the readable range. */
export function decadeLabel(k: number): string {
  return k >= -3 && k <= 4 ? String(10 ** k) : `1e${k}`;
}

/** About five round tick positions in [1, n]: 1 and multiples of a 1/2/5 step. */
export function iterationTicks(n: number): number[] {
  if (n <= 1) return [1];
  const raw = n / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const ticks = [1];
  for (let t = step; t <= n; t += step) if (t > 1) ticks.push(t);
  return ticks;
}

/** Where the run moves to a new scale: the 1-based step that starts it, and the scale. */
export function scaleBoundaries(h: LossPoint[]): { i: number; s: ScaleInfo }[] {
  return h.flatMap((p, i) =>
    i > 0 && p.scale && h[i - 1].scale?.index !== p.scale.index ? [{ i: i + 1, s: p.scale }] : []
  );
}

export function LossChart(props: { history: LossPoint[] }) {
  const h = props.history;
  if (h.length < 2) return <p class="hint">The loss chart appears after two iterations.</p>;
  const values = h.flatMap((p) => TERMS.map((t) => p.losses[t])).filter((v) =>
    v > 0 && isFinite(v)
  );
  if (!values.length) return <p class="hint">No positive loss to chart yet.</p>;
  const lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (hi === lo) hi = lo + 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const n = h.length;
  const x = (i: number) => M.left + ((i - 1) / (n - 1)) * pw;
  const y = (v: number) => M.top + ph - ((Math.log10(v) - lo) / (hi - lo)) * ph;
  const decades = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const boundaries = scaleBoundaries(h);
  const last = h[n - 1].losses;
  return (
    <figure class="chart" data-testid="loss-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Loss per term over ${n} iterations, log scale from ${decadeLabel(lo)} to ${
          decadeLabel(hi)
        }`}
      >
        <g class="axis y" data-testid="y-axis">
          {decades.map((k) => (
            <g key={k}>
              <line x1={M.left} x2={W - M.right} y1={y(10 ** k)} y2={y(10 ** k)} class="grid" />
              <text x={M.left - 6} y={y(10 ** k) + 4} text-anchor="end">{decadeLabel(k)}</text>
            </g>
          ))}
          <text
            x={12}
            y={M.top + ph / 2}
            text-anchor="middle"
            transform={`rotate(-90 12 ${M.top + ph / 2})`}
          >
            loss (log scale)
          </text>
        </g>
        <g class="axis x" data-testid="x-axis">
          <line x1={M.left} x2={W - M.right} y1={M.top + ph} y2={M.top + ph} />
          {iterationTicks(n).map((t) => (
            <text key={t} x={x(t)} y={M.top + ph + 14} text-anchor="middle">{t}</text>
          ))}
          <text x={M.left + pw / 2} y={H - 4} text-anchor="middle">iteration</text>
        </g>
        {boundaries.map((b) => (
          <g key={b.i} class="scale-mark" data-testid="scale-mark">
            <line x1={x(b.i)} x2={x(b.i)} y1={M.top} y2={M.top + ph} />
            <text x={x(b.i) + 3} y={M.top + 10}>{b.s.size} px</text>
          </g>
        ))}
        {TERMS.map((t) => {
          const pts = h.flatMap((p, i) =>
            p.losses[t] > 0 && isFinite(p.losses[t])
              ? [`${x(i + 1).toFixed(1)},${y(p.losses[t]).toFixed(1)}`]
              : []
          );
          return pts.length > 1
            ? (
              <polyline
                key={t}
                points={pts.join(" ")}
                fill="none"
                stroke={STYLES[t].color}
                stroke-dasharray={STYLES[t].dash || undefined}
                stroke-width={t === "total" ? 2 : 1.5}
              />
            )
            : null;
        })}
      </svg>
      <figcaption>
        <ul class="legend" aria-label="Legend">
          {TERMS.map((t) => (
            <li key={t}>
              <svg width="22" height="8" aria-hidden="true">
                <line
                  x1="1"
                  x2="21"
                  y1="4"
                  y2="4"
                  stroke={STYLES[t].color}
                  stroke-dasharray={STYLES[t].dash || undefined}
                  stroke-width="2"
                />
              </svg>
              {t} {last[t] > 0 ? last[t].toPrecision(3) : "–"}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
