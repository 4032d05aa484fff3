/**
 * The studio: inputs, settings, run/pause/stop with a live preview, the loss chart, speed and
 * ETA, and the result with download and share. The last result survives a reload (IndexedDB).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { LayerInfo } from "../../shared/nets/manifest.ts";
import type { LossValues, StylizeEvent } from "../../shared/render.ts";
import type { ModelSummary, Preset } from "../../shared/types.ts";
import type { BackendInfo, RawImage } from "../protocol.ts";
import type { Engine } from "../state/engine.ts";
import { idbGet, idbSet } from "../state/idb.ts";
import { pngToRaw, toRaw } from "../state/images.ts";
import { type RunOutput, runRecipe } from "../state/run.ts";
import type { Settings } from "../state/settings.ts";
import type { Inputs } from "../state/inputs.ts";
import { AdvancedPanel } from "./advanced_panel.tsx";
import { InputsPanel } from "./inputs_panel.tsx";
import { LossChart } from "./loss_chart.tsx";
import { RgbaCanvas } from "./rgba_canvas.tsx";
import { formatBytes, SettingsForm } from "./settings_form.tsx";
import { SharePanel } from "./share_panel.tsx";

type Status = "idle" | "running" | "paused";

export interface StudioProps {
  engine: Engine;
  backend?: BackendInfo;
  models: ModelSummary[];
  presets: Preset[];
  settings: Settings;
  setSettings: (s: Settings) => void;
  onPreset: (p: Preset) => void;
  inputs: Inputs;
  notify: (message: string) => void;
}

function fmtTime(s: number): string {
  if (!isFinite(s)) return "–";
  return s < 90 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function StudioView(props: StudioProps) {
  const { engine, settings, inputs } = props;
  const model = props.models.find((m) => m.id === settings.modelId);
  const [layers, setLayers] = useState<LayerInfo[]>([]);
  const [status, setStatus] = useState<Status>("idle");
  const [download, setDownload] = useState<{ loaded: number; total: number }>();
  const [history, setHistory] = useState<LossValues[]>([]);
  const [event, setEvent] = useState<StylizeEvent>();
  const [preview, setPreview] = useState<RawImage>();
  const [result, setResult] = useState<RunOutput>();
  const firstLoss = useRef<number>();

  useEffect(() => {
    idbGet<{ png: Blob; recipe: RunOutput["recipe"] }>("result").then(async (r) => {
      if (r) {
        setResult({ png: r.png, recipe: r.recipe, raw: await pngToRaw(r.png), aborted: false });
      }
    });
  }, []);

  useEffect(() => {
    if (!model) return;
    setLayers([]);
    fetch(`/models/${encodeURIComponent(model.id)}/manifest.json`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((m) => setLayers(m.layers ?? []))
      .catch((e) => props.notify(`The layers of ${model.id} could not be read: ${e.message}`));
  }, [model?.id]);

  useEffect(() =>
    engine.on((m) => {
      if (m.type === "loadProgress") setDownload({ loaded: m.loaded, total: m.total });
      else if (m.type === "loaded") setDownload(undefined);
      else if (m.type === "progress") {
        firstLoss.current ??= m.event.losses.total;
        setEvent(m.event);
        setHistory((h) => [...h, m.event.losses]);
        if (m.event.preview) setPreview(m.event.preview);
      }
    }), [engine]);

  const run = async () => {
    if (!model || !inputs.content || inputs.styles.length === 0 || !props.backend) return;
    setStatus("running");
    setHistory([]);
    setEvent(undefined);
    firstLoss.current = undefined;
    setPreview(await toRaw(inputs.content, settings.size));
    try {
      const out = await runRecipe(engine, {
        settings,
        model,
        content: inputs.content,
        styles: inputs.styles,
      }, { backend: props.backend.name });
      if (out) {
        setResult(out);
        setPreview(out.raw);
        await idbSet("result", { png: out.png, recipe: out.recipe });
      }
    } catch (e) {
      props.notify((e as Error).message);
    } finally {
      setStatus("idle");
      setDownload(undefined);
    }
  };

  const ready = !!model && !!inputs.content && inputs.styles.length > 0 && !!props.backend;
  const rate = event ? event.iteration / (event.elapsedMs / 1000) : 0;
  const eta = event ? (event.iterations - event.iteration) / rate : NaN;
  return (
    <div class="studio">
      <InputsPanel
        content={inputs.content}
        styles={inputs.styles}
        onContent={inputs.addContent}
        onStyles={inputs.addStyles}
        onStylesChange={inputs.setStyles}
      />
      <div class="controls">
        <SettingsForm
          settings={settings}
          models={props.models}
          presets={props.presets}
          onChange={props.setSettings}
          onPreset={props.onPreset}
          disabled={status !== "idle"}
        />
        <AdvancedPanel
          settings={settings}
          architecture={model?.architecture ?? ""}
          layers={layers}
          onChange={props.setSettings}
          disabled={status !== "idle"}
        />
        <div class="row run-buttons">
          <button
            type="button"
            class="primary"
            disabled={!ready || status !== "idle"}
            onClick={run}
          >
            Run
          </button>
          <button
            type="button"
            disabled={status === "idle"}
            onClick={() => {
              if (status === "running") engine.pause();
              else engine.resume();
              setStatus(status === "running" ? "paused" : "running");
            }}
          >
            {status === "paused" ? "Resume" : "Pause"}
          </button>
          <button type="button" disabled={status === "idle"} onClick={() => engine.stop()}>
            Stop
          </button>
        </div>
        {!ready && status === "idle" && (
          <p class="hint">Add a content image and at least one style image to run.</p>
        )}
        {download && (
          <label class="download">
            Downloading {model?.name}: {formatBytes(download.loaded)} of{" "}
            {formatBytes(download.total)}
            <progress max={download.total} value={download.loaded} />
          </label>
        )}
      </div>
      <section class="output" aria-label="Output">
        <RgbaCanvas image={preview ?? result?.raw} label="Live preview" testId="preview" />
        <p class="stats" aria-live="polite" data-testid="status" data-status={status}>
          {event
            ? (
              <>
                Iteration <span data-testid="iteration">{event.iteration}</span> of{" "}
                {event.iterations}
                {" · "}loss{" "}
                <span data-testid="loss" data-first={firstLoss.current}>
                  {event.losses.total.toPrecision(4)}
                </span>{" "}
                (from {firstLoss.current?.toPrecision(4)}) · {rate.toFixed(2)} it/s · ETA{" "}
                {fmtTime(eta)}
                {status === "paused" && " · paused"}
              </>
            )
            : status === "idle"
            ? "Idle"
            : "Starting…"}
        </p>
        <LossChart history={history} />
        {result && status === "idle" && (
          <SharePanel
            key={`${result.recipe.run?.elapsedMs}:${result.png.size}`}
            result={result}
            onError={props.notify}
          />
        )}
      </section>
    </div>
  );
}
