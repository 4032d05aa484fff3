/** The experiment's static HTML report: one row per pair, one column per backbone x fix. */

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (
  x: number,
) => (Math.abs(x) >= 100 || Math.abs(x) < 0.01 ? x.toExponential(2) : x.toFixed(3));

interface ReportCell {
  pair: string;
  net: string;
  fix: string;
  init: string;
  styleWeight: number;
  image: string;
  headline: number;
  seconds: number;
  candidates: { styleWeight: number; headline: number }[];
  score: {
    style: Record<string, { mean: number; perLayer: Record<string, number> }>;
    content: Record<string, number>;
    colourW2: number;
    colourSliced: number;
    artifacts: { nyquist: number; high: number };
  };
}

interface ReportSummary {
  columns: string[];
  mean: Record<string, number>;
  winsOverBaseline: Record<string, number>;
  rows: number;
}

/** Renders results.json as a self-contained HTML page (images referenced relatively). */
export function renderReport(results: {
  meta: Record<string, unknown>;
  cells: ReportCell[];
  summaries: Record<string, Record<string, ReportSummary>>;
}): string {
  const cells = results.cells;
  const column = (c: ReportCell) => `${c.net} / ${c.fix} / ${c.init}`;
  const columns = [...new Set(cells.map(column))];
  const pairs = [...new Set(cells.map((c) => c.pair))];
  const cellHtml = (c: ReportCell | undefined) => {
    if (!c) return "<td>n/a</td>";
    const judges = Object.entries(c.score.style).map(([j, d]) =>
      `<div title="${
        esc(Object.entries(d.perLayer).map(([l, v]) => `${l}: ${fmt(v)}`).join(", "))
      }">style(${esc(j)}) <b>${fmt(d.mean)}</b></div>`
    ).join("");
    const content = Object.entries(c.score.content).map(([j, v]) => `content(${esc(j)}) ${fmt(v)}`)
      .join("<br>");
    return `<td><a href="${esc(c.image)}"><img src="${esc(c.image)}" alt="${esc(column(c))} ${
      esc(c.pair)
    }"></a>
      ${judges}<div>colour W2 ${fmt(c.score.colourW2)} · sliced ${fmt(c.score.colourSliced)}</div>
      <div>${content}</div>
      <div>artifacts: Nyquist x${fmt(c.score.artifacts.nyquist)} · high x${
      fmt(c.score.artifacts.high)
    }</div>
      <div class="dim">style weight ${c.styleWeight.toExponential(0)} (of ${
      c.candidates.map((x) => x.styleWeight.toExponential(0)).join(", ")
    }) · ${c.seconds.toFixed(0)} s</div></td>`;
  };
  const rows = pairs.map((p) =>
    `<tr><th>${esc(p)}</th>${
      columns.map((col) => cellHtml(cells.find((c) => c.pair === p && column(c) === col))).join("")
    }</tr>`
  ).join("\n");
  const summaryTables = Object.entries(results.summaries).map(([metric, byNet]) =>
    Object.entries(byNet).map(([net, s]) =>
      `<h3>${esc(metric)}: ${esc(net)} (lower is better; wins = pairs better than ${
        esc(net)
      } / plain)</h3>
      <table><tr><th>column</th><th>mean</th><th>wins</th></tr>${
        s.columns.filter((c) => c.startsWith(net + " ")).map((c) =>
          `<tr><td>${esc(c)}</td><td>${fmt(s.mean[c])}</td><td>${
            s.winsOverBaseline[c]
          } / ${s.rows}</td></tr>`
        ).join("")
      }</table>`
    ).join("")
  ).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Atelier experiment</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1rem;background:#fafafa;color:#222}
table{border-collapse:collapse;margin-bottom:1rem}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}
td img{width:160px;image-rendering:pixelated;transition:transform .15s;position:relative}
td img:hover,td img:focus{transform:scale(2.5);z-index:5;box-shadow:0 0 0 2px #333}
.dim{color:#777;font-size:12px}
</style></head><body>
<h1>Atelier: backbone x fix grid</h1>
<p>${esc(JSON.stringify(results.meta))}</p>
<p>Headline: layer-balanced Gram distance computed by judge networks other than the optimised one (hover an image to zoom, click for full size).</p>
${summaryTables}
<h2>Outputs</h2>
<table><tr><th>pair</th>${columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>
${rows}
</table></body></html>`;
}
