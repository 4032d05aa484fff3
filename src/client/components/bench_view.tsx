/**
 * Benchmark (?view=bench): times one Gatys objective evaluation (src/shared/bench.ts) for
 * each network x size on every backend this browser offers, in its own worker
 * (bench_worker.ts), and shows ms per evaluation, GFLOP/s and peak memory beside each device's
 * adapter and limits, as a table and as downloadable JSON. URL parameters preset the form:
 * nets=a,b sizes=128,256 backends=wasm,webgpu evals=3 convgrad=1.
 */
import { useEffect, useState } from "preact/hooks";
import type { ModelSummary } from "../../shared/types.ts";
import type {
  BenchDevice,
  BenchReport,
  BenchRequest,
  BenchRow,
  FromBench,
} from "../bench_protocol.ts";
import { type BackendName, BACKENDS } from "../protocol.ts";

/** Bundled bench worker URL, injected by scripts/build_client.ts. */
declare const __BENCH_WORKER_URL__: string;

const DEFAULT_NETS = "darknet-tiny,mobilenet-v1,resnet50";
const DEFAULT_SIZES = "128,256";

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const fmt = (x: number | undefined, d = 0) =>
  x === undefined || !Number.isFinite(x) ? "" : x.toFixed(d);

export function BenchView(props: { models: ModelSummary[] }) {
  const params = new URLSearchParams(location.search);
  const [nets, setNets] = useState(params.get("nets") ?? DEFAULT_NETS);
  const [sizes, setSizes] = useState(params.get("sizes") ?? DEFAULT_SIZES);
  const [evals, setEvals] = useState(Number(params.get("evals") ?? 3));
  const [backends, setBackends] = useState<BackendName[]>(
    params.get("backends")
      ? list(params.get("backends")!).filter((b): b is BackendName =>
        (BACKENDS as readonly string[]).includes(b)
      )
      : [...BACKENDS],
  );
  const [compareConvGrad, setCompare] = useState(params.get("convgrad") === "1");
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<BenchReport>();
  const [error, setError] = useState<string>();
  const [worker, setWorker] = useState<Worker>();
  useEffect(() => () => worker?.terminate(), [worker]);

  const start = () => {
    worker?.terminate();
    const req: BenchRequest = {
      type: "run",
      backends,
      nets: list(nets),
      sizes: list(sizes).map(Number).filter((n) => n > 0),
      evaluations: Math.max(1, evals | 0),
      compareConvGrad,
    };
    const devices: BenchDevice[] = [];
    const rows: BenchRow[] = [];
    const snapshot = (): BenchReport => ({
      meta: {
        date: new Date().toISOString(),
        userAgent: navigator.userAgent,
        hardwareConcurrency: navigator.hardwareConcurrency,
        crossOriginIsolated: globalThis.crossOriginIsolated,
        evaluations: req.evaluations,
        unit: "one Gatys objective evaluation: forward, Gram and content losses, gradient " +
          "with respect to the image; median ms after one warm-up; FLOPs = 2 x forward",
      },
      devices: [...devices],
      rows: [...rows],
    });
    const w = new Worker(__BENCH_WORKER_URL__, { type: "module", name: "atelier-bench" });
    w.onmessage = (ev: MessageEvent<FromBench>) => {
      const m = ev.data;
      if (m.type === "device") devices.push(m.device);
      else if (m.type === "row") rows.push(m.row);
      else if (m.type === "error") setError(m.message);
      if (m.type === "done" || m.type === "error") setRunning(false);
      setReport(snapshot());
    };
    w.onerror = (ev) => {
      setError(`The bench worker failed: ${ev.message || "unknown error"}`);
      setRunning(false);
    };
    setWorker(w);
    setError(undefined);
    setReport(snapshot());
    setRunning(true);
    w.postMessage(req);
  };

  const json = report ? JSON.stringify(report, null, 2) : "";
  const href = json ? URL.createObjectURL(new Blob([json], { type: "application/json" })) : "";
  useEffect(() => () => href && URL.revokeObjectURL(href), [href]);

  return (
    <section class="bench" aria-labelledby="bench-title">
      <h2 id="bench-title">Benchmark</h2>
      <p>
        Times one style-transfer objective evaluation (forward through the network, Gram and content
        losses, gradient with respect to the image) per network and size on each backend this
        browser offers. The CLI's <code>deno task bench --profile</code> times the same.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!running) start();
        }}
      >
        <label>
          Networks{" "}
          <input
            value={nets}
            list="bench-nets"
            onInput={(e) => setNets((e.target as HTMLInputElement).value)}
          />
        </label>
        <datalist id="bench-nets">
          {props.models.map((m) => <option key={m.id} value={m.id} />)}
        </datalist>{" "}
        <label>
          Sizes (px){" "}
          <input value={sizes} onInput={(e) => setSizes((e.target as HTMLInputElement).value)} />
        </label>{" "}
        <label>
          Evaluations{" "}
          <input
            type="number"
            min={1}
            max={20}
            value={evals}
            onInput={(e) => setEvals(Number((e.target as HTMLInputElement).value))}
          />
        </label>
        <fieldset>
          <legend>Backends</legend>
          {BACKENDS.map((b) => (
            <label key={b}>
              <input
                type="checkbox"
                checked={backends.includes(b)}
                onChange={(e) =>
                  setBackends(
                    (e.target as HTMLInputElement).checked
                      ? BACKENDS.filter((x) => x === b || backends.includes(x))
                      : backends.filter((x) => x !== b),
                  )}
              />{" "}
              {b}
            </label>
          ))}
        </fieldset>
        <label>
          <input
            type="checkbox"
            checked={compareConvGrad}
            onChange={(e) => setCompare((e.target as HTMLInputElement).checked)}
          />{" "}
          Time the conv gradient both ways (forward-conv trick and tfjs's kernel)
        </label>{" "}
        <button type="submit" disabled={running}>
          {running ? "Running…" : "Run benchmark"}
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      {report && (
        <div data-testid="bench-report" data-status={running ? "running" : "done"}>
          <h3>Devices</h3>
          <ul>
            {report.devices.map((d) => (
              <li key={d.backend} data-testid={`bench-device-${d.backend}`}>
                <strong>{d.backend}</strong>: {d.ok
                  ? [
                    d.adapter,
                    d.threads !== undefined &&
                    `${d.threads} thread${d.threads === 1 ? "" : "s"}`,
                    d.limits &&
                    `max tensor ${fmt(d.limits.maxTensorBytes / 2 ** 20)} MiB, max texture ${
                      fmt(d.limits.maxTextureSize)
                    }`,
                    d.gpuLimits &&
                    Object.entries(d.gpuLimits).map(([k, v]) =>
                      `${k} ${v}`
                    ).join(", "),
                  ].filter(Boolean).join(" · ")
                  : `not available (${d.reason})`}
              </li>
            ))}
          </ul>
          <table data-testid="bench-table">
            <thead>
              <tr>
                <th>backend</th>
                <th>net</th>
                <th>px</th>
                <th>conv grad</th>
                <th>ms / evaluation</th>
                <th>GFLOP / evaluation</th>
                <th>GFLOP/s</th>
                <th>peak MB</th>
                <th>note</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r, i) => (
                <tr key={i} data-status={r.status}>
                  <td>{r.backend}</td>
                  <td>{r.net}</td>
                  <td>{r.shape ? `${r.shape[2]}x${r.shape[1]}` : r.size}</td>
                  <td>{r.convGrad}</td>
                  <td>{fmt(r.msPerEval)}</td>
                  <td>{fmt((r.flopsPerEval ?? NaN) / 1e9, 2)}</td>
                  <td>{fmt(r.gflops, 2)}</td>
                  <td>{fmt((r.peakBytes ?? NaN) / 1e6)}</td>
                  <td>{r.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!running && (
            <p>
              <a href={href} download="atelier-bench.json">Download JSON</a>
            </p>
          )}
          <details>
            <summary>JSON</summary>
            <pre data-testid="bench-json">{json}</pre>
          </details>
        </div>
      )}
    </section>
  );
}
