/**
 * Reports: the experiment reports the server holds (`deno task experiment` writes them under
 * experiments/), newest first, each with a strip of its output images and its key numbers
 * read from results.json. A report itself is a static page: it opens on its own, not framed
 * (the server's CSP forbids framing).
 */
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  type ExperimentCell,
  type ExperimentResults,
  type ExperimentSummary,
  getExperimentResults,
  listExperiments,
} from "../state/api.ts";
import { fmtTime } from "./studio_view.tsx";

/** Images the strip shows at most; the report has them all. */
const STRIP_MAX = 8;
/** The server serves only images/<file>.png of an experiment (routes/experiments.ts). */
const IMAGE_RE = /^images\/[A-Za-z0-9][A-Za-z0-9_.+-]*\.png$/;

/** The best cell per backbone and fix (lowest judge headline), in results order. */
export function stripCells(cells: ExperimentCell[]): ExperimentCell[] {
  const best = new Map<string, ExperimentCell>();
  for (const c of cells) {
    if (!c.image || !IMAGE_RE.test(c.image)) continue;
    const k = `${c.net}/${c.fix}`;
    const cur = best.get(k);
    if (!cur || (c.headline ?? Infinity) < (cur.headline ?? Infinity)) best.set(k, c);
  }
  return [...best.values()].slice(0, STRIP_MAX);
}

/**
 * Per backbone, the cell with the lowest judge headline. Only within a backbone are headlines
 * comparable: each backbone is judged by the networks other than itself.
 */
export function bestPerNet(cells: ExperimentCell[]): ExperimentCell[] {
  const best = new Map<string, ExperimentCell>();
  for (const c of cells) {
    if (typeof c.headline !== "number" || !isFinite(c.headline)) continue;
    const cur = best.get(c.net);
    if (!cur || c.headline < cur.headline!) best.set(c.net, c);
  }
  return [...best.values()];
}

function Card(props: { item: ExperimentSummary }) {
  const r = props.item;
  const [results, setResults] = useState<ExperimentResults | null>();
  useEffect(() => {
    getExperimentResults(r.name).then(setResults).catch(() => setResults(null));
  }, [r.name]);
  const cells = results?.cells ?? [];
  const strip = stripCells(cells);
  const best = bestPerNet(cells);
  const m = results?.meta;
  const base = `/experiments/${encodeURIComponent(r.name)}/`;
  return (
    <li data-name={r.name} class="report-card">
      <h3>
        <a href={r.report}>{r.name}</a>
      </h3>
      {r.date && (
        <p class="hint">
          <time dateTime={r.date}>{new Date(r.date).toLocaleString()}</time>
        </p>
      )}
      {strip.length > 0 && (
        <ul class="strip" aria-label={`Outputs of ${r.name}`}>
          {strip.map((c) => (
            <li key={c.image}>
              <img
                src={base + c.image}
                alt={`${c.net}, ${c.fix}, from ${c.init}`}
                loading="lazy"
              />
            </li>
          ))}
        </ul>
      )}
      {m && (
        <dl class="numbers" data-testid="report-numbers">
          {cells.length > 0 && (
            <>
              <dt>Runs</dt>
              <dd>{cells.length}</dd>
            </>
          )}
          {m.size && (
            <>
              <dt>Size</dt>
              <dd>{m.size} px, {m.iterations ?? "?"} iterations</dd>
            </>
          )}
          {m.backend && (
            <>
              <dt>Backend</dt>
              <dd>{m.backend}</dd>
            </>
          )}
          {typeof m.seconds === "number" && (
            <>
              <dt>Took</dt>
              <dd>{fmtTime(m.seconds)}</dd>
            </>
          )}
          {best.map((c) => (
            <Fragment key={c.net}>
              <dt>Best on {c.net}</dt>
              <dd>
                {c.fix}, from {c.init}: judge style distance {c.headline!.toFixed(3)}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
    </li>
  );
}

export function ReportsView(props: { notify: (m: string) => void }) {
  const [items, setItems] = useState<ExperimentSummary[]>();
  useEffect(() => {
    listExperiments().then((r) => setItems(r.experiments)).catch((e) => {
      props.notify(`The reports could not be listed: ${(e as Error).message}`);
      setItems([]);
    });
  }, []);
  return (
    <section class="reports" aria-labelledby="reports-title">
      <h2 id="reports-title">Experiment reports</h2>
      {items === undefined && <p>Loading…</p>}
      {items?.length === 0 && (
        <p>
          No reports yet: run <code>deno task experiment --quick</code> and they appear here.
        </p>
      )}
      <ul data-testid="reports" class="report-list">
        {items?.map((r) => <Card key={r.name} item={r} />)}
      </ul>
    </section>
  );
}
