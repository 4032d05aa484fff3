/**
 * Issue 12's painting controls: the style statistic (Gram, mean + covariance, sliced
 * Wasserstein) and the Gram's per-layer normalisation, colour control (Gatys et al. 2016),
 * coarse to fine, and the painting's size relative to the output. They edit the settings, so
 * the recipe, a share, a permalink and a remix all carry them.
 */
import type { ColourSpec } from "../../shared/types.ts";
import {
  PYRAMID_ON,
  type PyramidSetting,
  type Settings,
  type StyleSetting,
} from "../state/settings.ts";
import { CommitInput, intIn, numberIn } from "./commit_input.tsx";

// The bounds of the recipe's fields (src/shared/types.ts and issue 12); the worker validates.
const MIN_PYRAMID = 32;
const MAX_PYRAMID = 2048;
const MIN_STYLE_SCALE = 0.1;
const MAX_STYLE_SCALE = 4;
const MIN_SHIFT = -100;
const MAX_SHIFT = 100;

export function StylePanel(
  props: {
    settings: Settings;
    /** The architecture's default pyramid (undefined: one scale), shown while the user has none. */
    defaultPyramid?: PyramidSetting;
    /** The architecture's default colour control (undefined: none), shown while the user has none. */
    defaultColour?: ColourSpec;
    /** The architecture's default style statistic (undefined: Gram), edited from while the user has none. */
    defaultStyle?: Partial<StyleSetting>;
    onChange: (s: Settings) => void;
  },
) {
  const s = props.settings;
  // Undefined takes the architecture's default; null is off.
  const pyramid = s.pyramid === undefined ? props.defaultPyramid : s.pyramid ?? undefined;
  const style: StyleSetting = s.style ?? { loss: "gram", ...props.defaultStyle };
  // Undefined takes the architecture's default (the painting's palette for the shipped nets).
  const colour: ColourSpec = s.colour ?? props.defaultColour ?? { mode: "none", match: "pca" };
  const setStyle = (patch: Partial<StyleSetting>) => {
    const next = { ...style, ...patch };
    // The "target" normalisation is the Gram's only (losses/statistic.ts).
    if (next.loss !== "gram") delete next.normalize;
    props.onChange({ ...s, style: next });
  };
  return (
    <fieldset class="painting">
      <legend>Style statistic, colour and scale</legend>
      <label>
        Style loss
        <select
          aria-label="Style loss"
          value={style.loss}
          onChange={(e) => setStyle({ loss: e.currentTarget.value as StyleSetting["loss"] })}
        >
          <option value="gram">Gram matrix (Gatys et al.)</option>
          <option value="meancov">Mean and covariance (2-Wasserstein)</option>
          <option value="sliced">Sliced Wasserstein (Heitz et al.)</option>
        </select>
      </label>
      <label>
        Layer balance
        <select
          aria-label="Layer balance"
          value={style.normalize ?? "channels"}
          disabled={style.loss !== "gram"}
          onChange={(e) =>
            setStyle({ normalize: e.currentTarget.value as StyleSetting["normalize"] })}
        >
          <option value="channels">Per channel (classic: shallow layers dominate)</option>
          <option value="target">Relative to the painting (every layer counts alike)</option>
        </select>
      </label>
      <label title="Novak and Nikulin 2016: the Gram matrix of the features plus this number, so that the many zeros of a ReLU network's maps count too. 0: the plain Gram matrix.">
        Activation shift
        <CommitInput
          type="number"
          step="any"
          min={MIN_SHIFT}
          max={MAX_SHIFT}
          disabled={style.loss !== "gram"}
          value={style.shift ?? 0}
          onCommit={(text) => {
            const v = numberIn(text, MIN_SHIFT, MAX_SHIFT);
            if (v === undefined) return false;
            setStyle({ shift: v });
          }}
        />
      </label>
      <div class="row colour">
        <label>
          Colour
          <select
            aria-label="Colour"
            value={colour.mode}
            onChange={(e) =>
              props.onChange({
                ...s,
                colour: { ...colour, mode: e.currentTarget.value as ColourSpec["mode"] },
              })}
          >
            <option value="none">The painting's colours</option>
            <option value="luminance">Keep the photo's colours (luminance-only transfer)</option>
            <option value="match">Recolour the painting to the photo first</option>
            <option value="original">The photo's colours, after the run</option>
            <option value="palette">The painting's palette (recolour the photo to it first)</option>
          </select>
        </label>
        <label>
          Colour matching
          <select
            aria-label="Colour matching"
            value={colour.match}
            disabled={colour.mode !== "match" && colour.mode !== "palette"}
            onChange={(e) =>
              props.onChange({
                ...s,
                colour: { ...colour, match: e.currentTarget.value as ColourSpec["match"] },
              })}
          >
            <option value="pca">PCA</option>
            <option value="cholesky">Cholesky</option>
            <option value="mk">Monge–Kantorovich</option>
          </select>
        </label>
      </div>
      <div class="row pyramid">
        <label class="check">
          <input
            type="checkbox"
            checked={pyramid !== undefined}
            onChange={(e) =>
              props.onChange({
                ...s,
                pyramid: e.currentTarget.checked
                  ? { ...PYRAMID_ON, ...props.defaultPyramid }
                  : null,
              })}
          />
          Coarse to fine
        </label>
        <label>
          Smallest scale (px)
          <CommitInput
            type="number"
            min={MIN_PYRAMID}
            max={MAX_PYRAMID}
            step={1}
            disabled={pyramid === undefined}
            value={(pyramid ?? PYRAMID_ON).minSize}
            onCommit={(text) => {
              const n = intIn(text, MIN_PYRAMID, MAX_PYRAMID);
              if (!pyramid || n === undefined) return false;
              props.onChange({ ...s, pyramid: { ...pyramid, minSize: n } });
            }}
          />
        </label>
      </div>
      <label>
        Painting size (× the output)
        <CommitInput
          type="number"
          min={MIN_STYLE_SCALE}
          max={MAX_STYLE_SCALE}
          step={0.1}
          value={s.styleScale ?? 1}
          onCommit={(text) => {
            const v = numberIn(text, MIN_STYLE_SCALE, MAX_STYLE_SCALE);
            if (v === undefined) return false;
            props.onChange({ ...s, styleScale: v });
          }}
        />
      </label>
    </fieldset>
  );
}
