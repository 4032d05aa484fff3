/** Loss per term over iterations, as a small log-scale SVG line chart. */
import type { LossValues } from "../../shared/render.ts";

const TERMS = ["total", "content", "style", "tv"] as const;
const COLORS = { total: "#222", content: "#1f77b4", style: "#d62728", tv: "#2ca02c" };
const W = 320;
const H = 140;

export function LossChart(props: { history: LossValues[] }) {
  const h = props.history;
  if (h.length < 2) return <p class="hint">The loss chart appears after two iterations.</p>;
  const values = h.flatMap((l) => TERMS.map((t) => l[t])).filter((v) => v > 0 && isFinite(v));
  const lo = Math.log10(Math.min(...values));
  const hi = Math.log10(Math.max(...values));
  const y = (v: number) => H - 4 - ((Math.log10(v) - lo) / (hi - lo || 1)) * (H - 8);
  const x = (i: number) => (i / (h.length - 1)) * (W - 8) + 4;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Loss per term, log scale">
        {TERMS.map((t) => {
          const pts = h.map((l, i) => (l[t] > 0 ? `${x(i).toFixed(1)},${y(l[t]).toFixed(1)}` : ""))
            .filter(Boolean);
          return pts.length > 1
            ? <polyline key={t} points={pts.join(" ")} fill="none" stroke={COLORS[t]} />
            : null;
        })}
      </svg>
      <figcaption>
        {TERMS.map((t) => (
          <span key={t} style={{ color: COLORS[t] }}>
            {t} {h[h.length - 1][t].toPrecision(3)}
            {" "}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
