/**
 * Layer choice (checkboxes from the manifest's layers), loss weights, the article's fixes, and
 * issue 12's style statistic, colour, coarse-to-fine and painting-size controls.
 */
import type { LayerInfo } from "../../shared/nets/manifest.ts";
import { ARCH_DEFAULTS } from "../../shared/presets.ts";
import { MAX_TV_ORDER } from "../../shared/recipe_defaults.ts";
import { effective, PYRAMID_ON, type Settings } from "../state/settings.ts";
import { CommitInput, numberIn } from "./commit_input.tsx";
import { FixesPanel } from "./fixes_panel.tsx";
import { StylePanel } from "./style_panel.tsx";

const ORDINAL: Record<number, string> = { 2: "second", 3: "third", 4: "fourth" };

export function AdvancedPanel(props: {
  settings: Settings;
  architecture: string;
  layers: LayerInfo[];
  onChange: (s: Settings) => void;
  disabled?: boolean;
}) {
  const s = props.settings;
  const e = effective(s, props.architecture);
  const features = props.layers.filter((l) => l.kind === "feature");
  const toggle = (which: "contentLayers" | "styleLayers", name: string, on: boolean) => {
    const cur = e[which];
    const next = on ? [...cur, name] : cur.filter((n) => n !== name);
    // Keep manifest (depth) order.
    props.onChange({ ...s, [which]: features.map((l) => l.name).filter((n) => next.includes(n)) });
  };
  // Setting the weights keeps the TV order in effect (the architecture's goes with its weights).
  const weight = (k: "content" | "style" | "tv", text: string) => {
    const v = numberIn(text, 0, Number.MAX_VALUE);
    if (v === undefined) return false;
    props.onChange({
      ...s,
      weights: { ...e.weights, [k]: v },
      tvOrder: s.tvOrder ?? (e.tvOrder !== 1 ? e.tvOrder : undefined),
    });
  };
  return (
    <details class="advanced">
      <summary>Advanced: layers, loss weights, style statistic, colour and fixes</summary>
      <fieldset disabled={props.disabled}>
        <FixesPanel
          settings={s}
          defaultPooling={ARCH_DEFAULTS[props.architecture]?.pooling ?? "max"}
          effectiveParam={e.param}
          effectiveTransforms={e.transforms}
          onChange={props.onChange}
        />
        <StylePanel
          settings={s}
          defaultPyramid={ARCH_DEFAULTS[props.architecture]?.pyramid &&
            { ...PYRAMID_ON, ...ARCH_DEFAULTS[props.architecture].pyramid }}
          defaultColour={ARCH_DEFAULTS[props.architecture]?.colour}
          defaultStyle={ARCH_DEFAULTS[props.architecture]?.style}
          onChange={props.onChange}
        />
        {features.length === 0 && <p class="hint">Loading the network's layers…</p>}
        <table class="layers">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col">Content</th>
              <th scope="col">Style</th>
            </tr>
          </thead>
          <tbody>
            {features.map((l) => (
              <tr key={l.name}>
                <th scope="row">
                  {l.name} <span class="hint">{l.channels} ch, /{l.stride}</span>
                </th>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${l.name} as a content layer`}
                    checked={e.contentLayers.includes(l.name)}
                    onChange={(ev) => toggle("contentLayers", l.name, ev.currentTarget.checked)}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${l.name} as a style layer`}
                    checked={e.styleLayers.includes(l.name)}
                    onChange={(ev) => toggle("styleLayers", l.name, ev.currentTarget.checked)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {(["content", "style", "tv"] as const).map((k) => (
          <label key={k}>
            {k === "tv" ? "Total variation" : k[0].toUpperCase() + k.slice(1)} weight
            <CommitInput
              type="number"
              min={0}
              step="any"
              value={e.weights[k]}
              onCommit={(text) => weight(k, text)}
            />
          </label>
        ))}
        <label>
          Total variation order
          <select
            value={String(e.tvOrder)}
            onChange={(ev) => props.onChange({ ...s, tvOrder: Number(ev.currentTarget.value) })}
          >
            {Array.from({ length: MAX_TV_ORDER }, (_, i) => i + 1).map((k) => (
              <option key={k} value={String(k)}>
                {k === 1 ? "1: neighbour differences" : `${k}: ${ORDINAL[k]} differences`}
              </option>
            ))}
          </select>
          <span class="hint">
            Higher orders remove the fine checkerboard as strongly and keep brush strokes sharper.
          </span>
        </label>
        <label>
          Supersampling
          <select
            value={String(e.supersample)}
            onChange={(ev) =>
              props.onChange({
                ...s,
                supersample: Number(ev.currentTarget.value) as 1 | 2 | 4,
              })}
          >
            <option value="1">1x: run at the output size</option>
            <option value="2">2x: run at twice the size, then reduce</option>
            <option value="4">4x: run at four times the size, then reduce</option>
          </select>
          <span class="hint">
            Averages away a network's fine checkerboard; each step up costs about four times the
            time and memory.
          </span>
        </label>
        <button
          type="button"
          onClick={() =>
            props.onChange({
              ...s,
              contentLayers: undefined,
              styleLayers: undefined,
              weights: undefined,
              tvOrder: undefined,
              param: undefined,
              transforms: undefined,
              swag: false,
              pooling: undefined,
              antialias: undefined,
              style: undefined,
              colour: undefined,
              pyramid: undefined,
              styleScale: undefined,
              supersample: undefined,
            })}
        >
          Reset to the {props.architecture} defaults
        </button>
      </fieldset>
    </details>
  );
}
