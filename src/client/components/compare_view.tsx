/**
 * Compare: the same recipe on two or three backbones, run one after another, shown side by
 * side with a synchronised magnifying lens (same image coordinate on every panel, pixelated)
 * and a before/after slider against the content image.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ModelSummary } from "../../shared/types.ts";
import type { BackendInfo } from "../protocol.ts";
import type { Engine } from "../state/engine.ts";
import type { Inputs } from "../state/inputs.ts";
import { type RunOutput, runRecipe } from "../state/run.ts";
import type { Settings } from "../state/settings.ts";
import { InputsPanel } from "./inputs_panel.tsx";
import { RgbaCanvas } from "./rgba_canvas.tsx";

const LENS = 120;
const ZOOM = 4;

interface Slot {
  model: ModelSummary;
  state: "waiting" | "running" | "done" | "failed";
  out?: RunOutput;
  error?: string;
}

function Panel(props: {
  slot: Slot;
  lens?: { u: number; v: number };
  before: number;
  contentUrl?: string;
  onLens: (p?: { u: number; v: number }) => void;
}) {
  const src = useRef<HTMLCanvasElement | null>(null);
  const lens = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const { slot } = props;
  useEffect(() => {
    const l = lens.current;
    const s = src.current;
    if (!l || !s || !props.lens) return;
    const ctx = l.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    // ZOOM times what the panel shows: a small result is already enlarged on screen, so the
    // lens covers fewer source pixels than LENS / ZOOM.
    const shown = box.current?.getBoundingClientRect().width || s.width;
    const w = (LENS / ZOOM) * (s.width / shown);
    const x = props.lens.u * s.width - w / 2;
    const y = props.lens.v * s.height - w / 2;
    ctx.clearRect(0, 0, LENS, LENS);
    ctx.drawImage(s, x, y, w, w, 0, 0, LENS, LENS);
  }, [props.lens, slot.out]);
  const rect = box.current?.getBoundingClientRect();
  return (
    <figure class="panel">
      <div
        class="panel-box"
        ref={box}
        onPointerMove={(e) => {
          const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
          props.onLens({ u: (e.clientX - r.left) / r.width, v: (e.clientY - r.top) / r.height });
        }}
        onPointerLeave={() => props.onLens(undefined)}
      >
        {slot.out
          ? (
            <RgbaCanvas
              image={slot.out.raw}
              label={`Result on ${slot.model.name}`}
              canvasRef={(c) => (src.current = c)}
            />
          )
          : <div class="placeholder">{slot.state === "failed" ? slot.error : slot.state}…</div>}
        {slot.out && props.contentUrl && (
          <img
            class="before"
            src={props.contentUrl}
            alt=""
            style={{ clipPath: `inset(0 ${100 - props.before}% 0 0)` }}
          />
        )}
        {slot.out && props.lens && rect && (
          <canvas
            ref={lens}
            class="lens"
            width={LENS}
            height={LENS}
            aria-hidden="true"
            style={{
              left: `${props.lens.u * rect.width - LENS / 2}px`,
              top: `${props.lens.v * rect.height - LENS / 2}px`,
            }}
          />
        )}
      </div>
      <figcaption>
        {slot.model.name}
        {slot.out?.recipe.run?.elapsedMs !== undefined &&
          ` · ${(slot.out.recipe.run.elapsedMs / 1000).toFixed(1)} s`}
        {slot.state === "failed" && <span role="alert">· failed: {slot.error}</span>}
      </figcaption>
    </figure>
  );
}

export function CompareView(props: {
  engine: Engine;
  backend?: BackendInfo;
  models: ModelSummary[];
  settings: Settings;
  setSettings: (s: Settings) => void;
  inputs: Inputs;
}) {
  const { settings, inputs } = props;
  const chosen = settings.compareModels.filter((id) => props.models.some((m) => m.id === id));
  const [slots, setSlots] = useState<Slot[]>([]);
  const [lens, setLens] = useState<{ u: number; v: number }>();
  const [before, setBefore] = useState(0);
  const [busy, setBusy] = useState(false);
  const toggle = (id: string, on: boolean) =>
    props.setSettings({
      ...settings,
      compareModels: on ? [...chosen, id].slice(-3) : chosen.filter((c) => c !== id),
    });
  const ready = chosen.length >= 2 && !!inputs.content && inputs.styles.length > 0 &&
    !!props.backend;

  const run = async () => {
    const list = chosen.map((id) => props.models.find((m) => m.id === id)!);
    let cur: Slot[] = list.map((model) => ({ model, state: "waiting" }));
    const update = (i: number, s: Partial<Slot>) => {
      cur = cur.map((x, j) => (j === i ? { ...x, ...s } : x));
      setSlots(cur);
    };
    setSlots(cur);
    setBusy(true);
    for (let i = 0; i < list.length; i++) {
      update(i, { state: "running" });
      try {
        // Layers differ per architecture: each backbone runs with its own defaults.
        const s = {
          ...settings,
          contentLayers: undefined,
          styleLayers: undefined,
          weights: undefined,
        };
        const out = await runRecipe(props.engine, {
          settings: s,
          model: list[i],
          content: inputs.content!,
          styles: inputs.styles,
        }, { backend: props.backend!.name, previewEvery: 0 });
        update(i, out ? { state: "done", out } : { state: "failed", error: "too large" });
      } catch (e) {
        update(i, { state: "failed", error: (e as Error).message });
      }
    }
    setBusy(false);
  };

  return (
    <div class="compare">
      <InputsPanel
        content={inputs.content}
        styles={inputs.styles}
        onContent={inputs.addContent}
        onStyles={inputs.addStyles}
        onStylesChange={inputs.setStyles}
      />
      <fieldset disabled={busy}>
        <legend>Backbones to compare (2 or 3)</legend>
        {props.models.map((m) => (
          <label key={m.id} class="check">
            <input
              type="checkbox"
              checked={chosen.includes(m.id)}
              onChange={(e) => toggle(m.id, e.currentTarget.checked)}
            />
            {m.name}
          </label>
        ))}
        <p class="hint">
          Each runs {settings.iterations} iterations at {settings.size}{" "}
          px with its own default layers; other settings come from the studio.
        </p>
        <button type="button" class="primary" disabled={!ready || busy} onClick={run}>
          Run comparison
        </button>
      </fieldset>
      {slots.length > 0 && (
        <>
          <label class="slider">
            Before/after: show the content image on the left{" "}
            <input
              type="range"
              min={0}
              max={100}
              value={before}
              onInput={(e) => setBefore(Number(e.currentTarget.value))}
            />
          </label>
          <div class="panels" data-testid="compare-panels">
            {slots.map((s) => (
              <Panel
                key={s.model.id}
                slot={s}
                lens={lens}
                before={before}
                contentUrl={inputs.content?.url}
                onLens={setLens}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
