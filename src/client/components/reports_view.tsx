/**
 * Reports: the experiment reports the server holds (`deno task experiment` writes them under
 * experiments/), newest first. A report is a static page: it opens on its own, not framed
 * (the server's CSP forbids framing).
 */
import { useEffect, useState } from "preact/hooks";
import { type ExperimentSummary, listExperiments } from "../state/api.ts";

export function ReportsView(props: { notify: (m: string) => void }) {
  const [items, setItems] = useState<ExperimentSummary[]>();
  useEffect(() => {
    listExperiments().then((r) => setItems(r.experiments)).catch((e) => {
      props.notify(`The reports could not be listed: ${(e as Error).message}`);
      setItems([]);
    });
  }, []);
  return (
    <section class="reports" aria-label="Experiment reports">
      <h2>Experiment reports</h2>
      {items === undefined && <p>Loading…</p>}
      {items?.length === 0 && (
        <p>
          No reports yet: run <code>deno task experiment --quick</code> and they appear here.
        </p>
      )}
      <ul data-testid="reports">
        {items?.map((r) => (
          <li key={r.name} data-name={r.name}>
            <a href={r.report}>{r.name}</a>
            {r.date && (
              <span class="hint">
                · <time dateTime={r.date}>{new Date(r.date).toLocaleString()}</time>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
