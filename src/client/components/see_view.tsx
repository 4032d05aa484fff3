/**
 * "What does this network see?": feature visualisation by activation maximisation (Olah et al.
 * 2017) of one channel of a layer, or of a class logit, on any installed network. Runs
 * visualize() (src/shared/featurevis.ts) in the engine worker with a live preview, the
 * activation as it rises, Stop and a PNG download. The classifier head is loaded only for
 * "logits".
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { LayerInfo } from "../../shared/nets/manifest.ts";
import type { ParamSpec, TransformsSpec } from "../../shared/types.ts";
import type { BackendInfo, RawImage, VisOutcome } from "../protocol.ts";
import type { Engine } from "../state/engine.ts";
import { rawToPng } from "../state/images.ts";
import { download } from "../state/run.ts";
import { TRANSFORMS_LUCID } from "../state/settings.ts";
import { MAX_VIS_SIZE as MAX_SIZE, MIN_SIZE } from "../../shared/recipe_defaults.ts";
import type { ModelSummary } from "../../shared/types.ts";
import { ParamControls } from "./fixes_panel.tsx";
import { RgbaCanvas } from "./rgba_canvas.tsx";
import { CommitInput, intIn } from "./commit_input.tsx";

interface Manifest {
  layers: LayerInfo[];
  labels?: string[];
}

export function SeeView(props: {
  engine: Engine;
  backend?: BackendInfo;
  models: ModelSummary[];
}) {
  const { engine } = props;
  const [modelId, setModelId] = useState("");
  const [manifest, setManifest] = useState<Manifest>();
  const [layer, setLayer] = useState("");
  const [channel, setChannel] = useState(0);
  const [size, setSize] = useState(128);
  const [iterations, setIterations] = useState(64);
  // Mordvintsev et al. 2018: decorrelated Fourier images with lucid's transforms, the setting
  // in which feature visualisations are readable.
  const [param, setParam] = useState<ParamSpec>({ kind: "fourier", decorrelate: true });
  const [transforms, setTransforms] = useState<TransformsSpec>(TRANSFORMS_LUCID);
  const [running, setRunning] = useState(false);
  const [preview, setPreview] = useState<RawImage>();
  const [progress, setProgress] = useState<{ iteration: number; iterations: number }>();
  const [activations, setActivations] = useState<number[]>([]);
  const [result, setResult] = useState<VisOutcome>();
  const [error, setError] = useState<string>();
  const [download_, setDownload] = useState<{ loaded: number; total: number }>();
  const first = useRef<number>();

  useEffect(() => {
    if (!modelId && props.models.length) setModelId(props.models[0].id);
  }, [props.models]);

  useEffect(() => {
    if (!modelId) return;
    setManifest(undefined);
    fetch(`/models/${encodeURIComponent(modelId)}/manifest.json`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((m: Manifest) => {
        setManifest({ layers: m.layers ?? [], labels: m.labels });
        const features = (m.layers ?? []).filter((l) => l.kind === "feature");
        // A mid-depth layer: its channels show textures and parts rather than edges or noise.
        setLayer(features[Math.floor(features.length / 2)]?.name ?? m.layers[0]?.name ?? "");
        setChannel(0);
      })
      .catch((e) => setError(`The layers of ${modelId} could not be read: ${e.message}`));
  }, [modelId]);

  useEffect(() =>
    engine.on((m) => {
      if (m.type === "loadProgress") setDownload({ loaded: m.loaded, total: m.total });
      else if (m.type === "loaded") setDownload(undefined);
      else if (m.type === "visProgress") {
        first.current ??= m.event.activation;
        setProgress({ iteration: m.event.iteration, iterations: m.event.iterations });
        setActivations((a) => [...a, m.event.activation]);
        if (m.event.preview) setPreview(m.event.preview);
      }
    }), [engine]);

  const info = manifest?.layers.find((l) => l.name === layer);
  const isLogits = info?.kind === "logits";
  const labels = manifest?.labels ?? [];

  const run = async () => {
    setRunning(true);
    setError(undefined);
    setResult(undefined);
    setActivations([]);
    setProgress(undefined);
    first.current = undefined;
    try {
      const out = await engine.visualize({
        modelId,
        target: { layer, channel },
        size,
        iterations,
        param,
        transforms,
        seed: 1,
        previewEvery: Math.max(1, Math.min(8, Math.round(iterations / 16))),
      });
      setResult(out);
      setPreview(out.image);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
      setDownload(undefined);
    }
  };

  const last = activations[activations.length - 1];
  const targetName = isLogits
    ? `class ${channel}${labels[channel] ? ` (${labels[channel]})` : ""}`
    : `${layer} channel ${channel}`;
  return (
    <div class="see">
      <fieldset class="settings" disabled={running}>
        <legend>What does this network see?</legend>
        <label>
          Network
          <select
            aria-label="Network"
            value={modelId}
            onChange={(e) => setModelId(e.currentTarget.value)}
          >
            {props.models.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
          </select>
        </label>
        <label>
          Layer
          <select
            aria-label="Layer"
            value={layer}
            onChange={(e) => {
              setLayer(e.currentTarget.value);
              setChannel(0);
            }}
          >
            {manifest?.layers.map((l) => (
              <option key={l.name} value={l.name}>
                {l.kind === "logits" ? `${l.name} (classes)` : `${l.name} (${l.channels} ch)`}
              </option>
            ))}
          </select>
        </label>
        {isLogits && labels.length > 0
          ? (
            <label>
              Class
              <select
                aria-label="Class"
                value={String(channel)}
                onChange={(e) => setChannel(Number(e.currentTarget.value))}
              >
                {labels.map((name, i) => <option key={i} value={String(i)}>{i}: {name}</option>)}
              </select>
            </label>
          )
          : (
            <label>
              {isLogits ? "Class index" : "Channel"}
              <CommitInput
                type="number"
                aria-label={isLogits ? "Class index" : "Channel"}
                aria-describedby="channel-hint"
                value={channel}
                onCommit={(text) => {
                  // Out of range is explained below the field, not refused.
                  const v = intIn(text, 0, 2 ** 31 - 1);
                  if (v === undefined) return false;
                  setChannel(v);
                }}
              />
              {info && <span id="channel-hint" class="hint">0 to {info.channels - 1}</span>}
            </label>
          )}
        <label>
          Size (px)
          <CommitInput
            type="number"
            min={MIN_SIZE}
            max={MAX_SIZE}
            step={16}
            value={size}
            onCommit={(text) => {
              const v = intIn(text, MIN_SIZE, MAX_SIZE);
              if (v === undefined) return false;
              setSize(v);
            }}
          />
        </label>
        <label>
          Iterations
          <CommitInput
            type="number"
            min={1}
            max={10000}
            value={iterations}
            onCommit={(text) => {
              const v = intIn(text, 1, 10000);
              if (v === undefined) return false;
              setIterations(v);
            }}
          />
        </label>
        <ParamControls
          param={param}
          transforms={transforms}
          onParam={setParam}
          onTransforms={setTransforms}
        />
      </fieldset>
      <div class="row run-buttons">
        <button
          type="button"
          class="primary"
          disabled={running || !props.backend || !layer}
          onClick={run}
        >
          Visualise
        </button>
        <button type="button" disabled={!running} onClick={() => engine.stop()}>
          Stop
        </button>
        {result && !running && (
          <button
            type="button"
            onClick={async () =>
              download(await rawToPng(result.image), `atelier-${modelId}-${layer}-${channel}.png`)}
          >
            Download PNG
          </button>
        )}
      </div>
      {download_ && (
        <label class="download">
          Downloading {modelId}
          <progress max={download_.total} value={download_.loaded} />
        </label>
      )}
      {error && <p class="notice error" role="alert">{error}</p>}
      <section class="output" aria-label="Visualisation">
        <RgbaCanvas image={preview} label={`Visualisation of ${targetName}`} testId="vis-preview" />
        <p
          class="stats"
          aria-live="polite"
          data-testid="vis-status"
          data-status={running ? "running" : "idle"}
        >
          {progress && last !== undefined
            ? (
              <>
                Iteration {progress.iteration} of {progress.iterations} · activation{" "}
                <span data-testid="activation" data-first={first.current}>
                  {last.toPrecision(4)}
                </span>{" "}
                (from {first.current?.toPrecision(4)})
                {result && ` · final ${result.activation.toPrecision(4)}`}
                {result?.aborted && " · stopped"}
              </>
            )
            : running
            ? "Starting…"
            : "Idle"}
        </p>
        <Sparkline values={activations} />
      </section>
    </div>
  );
}

/** The activation over iterations, as a small line (it should rise). */
function Sparkline(props: { values: number[] }) {
  const v = props.values;
  if (v.length < 2) return null;
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pts = v.map((a, i) =>
    `${((i / (v.length - 1)) * 316 + 2).toFixed(1)},${
      (78 - ((a - lo) / (hi - lo || 1)) * 76).toFixed(1)
    }`
  );
  return (
    <figure class="chart">
      <svg viewBox="0 0 320 80" role="img" aria-label="Activation per iteration">
        <polyline points={pts.join(" ")} fill="none" stroke="#2f5fd0" />
      </svg>
    </figure>
  );
}
