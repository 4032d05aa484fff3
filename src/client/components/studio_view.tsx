/**
 * The studio: example and own inputs, one Paint button (settings behind "More options"),
 * pause/resume/stop with a live preview, the loss chart, elapsed time and ETA from the measured
 * speed, the backend, and the result with download and share. The last result survives a
 * reload (IndexedDB).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Eta } from "../../shared/eta.ts";
import type { LayerInfo } from "../../shared/nets/manifest.ts";
import type { StylizeEvent } from "../../shared/render.ts";
import type { ModelSummary, Preset } from "../../shared/types.ts";
import type { BackendInfo, FromWorker, RawImage } from "../protocol.ts";
import type { Engine } from "../state/engine.ts";
import { idbGet, idbSet } from "../state/idb.ts";
import { pngToRaw, toRaw } from "../state/images.ts";
import { type RunOutput, runRecipe } from "../state/run.ts";
import type { Settings } from "../state/settings.ts";
import type { Inputs } from "../state/inputs.ts";
import { AdvancedPanel } from "./advanced_panel.tsx";
import { ExamplesPicker } from "./examples_picker.tsx";
import { FirstHint } from "./first_hint.tsx";
import { HeroStrip } from "./hero_strip.tsx";
import { InputsPanel } from "./inputs_panel.tsx";
import { LossChart, type LossPoint, type ScaleInfo } from "./loss_chart.tsx";
import { MoreOptions } from "./more_options.tsx";
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

/** "42 s", "3 min 5 s"; "–" when unknown. */
export function fmtTime(s: number): string {
  if (!isFinite(s) || s < 0) return "–";
  const r = Math.round(s);
  return r < 90 ? `${r} s` : `${Math.floor(r / 60)} min ${r % 60} s`;
}

/** The last result as IndexedDB keeps it (older saves have no inputs). */
type SavedResult = Pick<RunOutput, "png" | "recipe" | "inputs">;

/** Pyramid runs add `scale` to their progress events; older engines do not. */
type ScaledEvent = StylizeEvent & { scale?: ScaleInfo };
type TileMessage = Extract<FromWorker, { type: "tile" }>;

/** "scale 2/3 · tile 4/9 (pass 1/2)": where a tiled evaluation is (issue 14). */
export function tileText(t: TileMessage["progress"]): string {
  return `scale ${t.scale + 1}/${t.scales} · tile ${t.index + 1}/${t.count} (pass ${t.pass}/2)`;
}

function tileLine(t: TileMessage["progress"]) {
  return <span data-testid="tile">{tileText(t)}</span>;
}

/** The backend in one phrase: name, then its threads or adapter when the engine reports them. */
export function backendLabel(b: BackendInfo): string {
  const parts: string[] = [b.name];
  if (b.adapter) parts.push(b.adapter);
  if (b.threads) parts.push(`${b.threads} thread${b.threads === 1 ? "" : "s"}`);
  return parts.join(", ");
}

export function StudioView(props: StudioProps) {
  const { engine, settings, inputs } = props;
  const model = props.models.find((m) => m.id === settings.modelId);
  const [layers, setLayers] = useState<LayerInfo[]>([]);
  const [status, setStatus] = useState<Status>("idle");
  const [download, setDownload] = useState<{ loaded: number; total: number }>();
  const [history, setHistory] = useState<LossPoint[]>([]);
  const [event, setEvent] = useState<ScaledEvent>();
  const [tile, setTile] = useState<TileMessage["progress"]>();
  const [preview, setPreview] = useState<RawImage>();
  const [result, setResult] = useState<RunOutput>();
  const firstLoss = useRef<number>();
  // The run's ETA: the engine's (stylize() puts createEta()'s on every progress event).
  const [eta, setEta] = useState<Eta>({ seconds: NaN, approximate: false });

  useEffect(() => {
    // The input PNGs are kept with the result, so Share after a reload still sends them.
    idbGet<SavedResult>("result").then(async (r) => {
      if (r) {
        setResult({
          png: r.png,
          recipe: r.recipe,
          raw: await pngToRaw(r.png),
          aborted: false,
          ...(r.inputs ? { inputs: r.inputs } : {}),
        });
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
        const ev: ScaledEvent = m.event;
        setEvent(ev);
        setEta(ev.eta);
        if (!ev.tiles) setTile(undefined);
        setHistory((h) => [...h, { losses: ev.losses, scale: ev.scale }]);
        if (m.event.preview) setPreview(m.event.preview);
      } else if (m.type === "tile") setTile(m.progress);
    }), [engine]);

  const run = async () => {
    if (!model || !inputs.content || inputs.styles.length === 0 || !props.backend) return;
    setStatus("running");
    setHistory([]);
    setEvent(undefined);
    setTile(undefined);
    firstLoss.current = undefined;
    setEta({ seconds: NaN, approximate: false });
    setPreview(await toRaw(inputs.content, settings.size));
    try {
      const out = await runRecipe(engine, {
        settings,
        model,
        content: inputs.content,
        styles: inputs.styles,
      }, {
        backend: props.backend.name,
      });
      if (out) {
        setResult(out);
        setPreview(out.raw);
        await idbSet("result", { png: out.png, recipe: out.recipe, inputs: out.inputs });
      }
    } catch (e) {
      props.notify((e as Error).message);
    } finally {
      setStatus("idle");
      setDownload(undefined);
    }
  };

  const ready = !!model && !!inputs.content && inputs.styles.length > 0 && !!props.backend;
  const rate = event && event.elapsedMs > 0 ? event.iteration / (event.elapsedMs / 1000) : 0;
  const busy = status !== "idle";
  return (
    <div class="studio">
      <div class="setup">
        <FirstHint />
        <HeroStrip />
        <ExamplesPicker
          content={inputs.content}
          styles={inputs.styles}
          onContent={inputs.setContent}
          onStyles={inputs.setStyles}
          notify={props.notify}
          disabled={busy}
        />
        <InputsPanel
          content={inputs.content}
          styles={inputs.styles}
          onContent={inputs.addContent}
          onStyles={inputs.addStyles}
          onStylesChange={inputs.setStyles}
        />
        <div class="run-buttons">
          <button
            type="button"
            class="primary paint"
            disabled={!ready || busy}
            onClick={run}
          >
            Paint
          </button>
          <button
            type="button"
            disabled={!busy}
            onClick={() => {
              if (status === "running") engine.pause();
              else engine.resume();
              setStatus(status === "running" ? "paused" : "running");
            }}
          >
            {status === "paused" ? "Resume" : "Pause"}
          </button>
          <button type="button" disabled={!busy} onClick={() => engine.stop()}>
            Stop
          </button>
        </div>
        {!ready && !busy && (
          <p class="hint">Choose a photo and a painting (or your own images) to paint.</p>
        )}
        {download && (
          <label class="download">
            Downloading {model?.name}: {formatBytes(download.loaded)} of{" "}
            {formatBytes(download.total)}
            <progress max={download.total} value={download.loaded} />
          </label>
        )}
        <MoreOptions>
          <SettingsForm
            settings={settings}
            models={props.models}
            presets={props.presets}
            onChange={props.setSettings}
            onPreset={props.onPreset}
            disabled={busy}
          />
          <AdvancedPanel
            settings={settings}
            architecture={model?.architecture ?? ""}
            layers={layers}
            onChange={props.setSettings}
            disabled={busy}
          />
        </MoreOptions>
      </div>
      <section class="output" aria-label="Output">
        <RgbaCanvas image={preview ?? result?.raw} label="Live preview" testId="preview" />
        <p class="stats" aria-live="polite" data-testid="status" data-status={status}>
          {event
            ? (
              <>
                Iteration <span data-testid="iteration">{event.iteration}</span> of{" "}
                {event.iterations}
                {event.scale &&
                  ` (scale ${
                    event.scale.index + 1
                  } of ${event.scale.count}, ${event.scale.size} px)`}
                {status !== "idle" && tile && <>{" · "}{tileLine(tile)}</>}
                {" · "}loss{" "}
                <span data-testid="loss" data-first={firstLoss.current}>
                  {event.losses.total.toPrecision(4)}
                </span>{" "}
                (from {firstLoss.current?.toPrecision(4)})
                <br />
                <span data-testid="elapsed">{fmtTime(event.elapsedMs / 1000)}</span> elapsed ·{" "}
                {rate.toFixed(2)} it/s · {status === "idle" ? "done" : (
                  <>
                    ETA{" "}
                    <span data-testid="eta" data-approximate={eta.approximate}>
                      {eta.approximate ? "about " : ""}
                      {fmtTime(eta.seconds)}
                    </span>
                  </>
                )}
                {props.backend && <>{" · "}on {backendLabel(props.backend)}</>}
                {status === "paused" && " · paused"}
                {status === "idle" && result?.aborted &&
                  " · stopped: the best image so far is kept"}
              </>
            )
            : status === "idle"
            ? "Idle"
            : <>Starting…{tile && <>{" "}{tileLine(tile)}</>}</>}
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
