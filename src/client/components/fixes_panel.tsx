/**
 * The article's fixes as controls: parameterisation (pixel or Fourier, Mordvintsev et al. 2018),
 * decorrelated colour, transformation robustness (off, lucid's set, or custom), SWAG activation
 * smoothing (Wang et al. 2021: over the whole map or over the channels, with a temperature),
 * pooling (Gatys et al. 2016 use average pooling) and anti-aliasing (Zhang 2019). They edit
 * the settings, so the recipe, a share, a permalink and a remix all carry them.
 */
import { transformsActive } from "../../shared/transforms/compose.ts";
import { MAX_VIEWS, type ParamSpec, type TransformsSpec } from "../../shared/types.ts";
import {
  type Settings,
  swagControls,
  swagSetting,
  TRANSFORMS_LUCID,
  TRANSFORMS_OFF,
  transformsPreset,
} from "../state/settings.ts";
import { CommitInput, intIn, numberIn } from "./commit_input.tsx";

// The bounds of TransformsSchema (src/shared/types.ts); the worker validates every recipe.
const MAX_PAD = 64;

/** "0.95, 1, 1.05" -> [0.95, 1, 1.05]; undefined when any entry is not in [min, max]. */
export function parseList(text: string, min: number, max: number): number[] | undefined {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const nums = parts.map(Number);
  if (nums.some((n) => !Number.isFinite(n) || n < min || n > max)) return undefined;
  return nums;
}

/** Params and transforms form for either the studio or the feature visualisation view. */
export function ParamControls(props: {
  param: ParamSpec;
  transforms: TransformsSpec;
  onParam: (p: ParamSpec) => void;
  onTransforms: (t: TransformsSpec) => void;
  /** Offer fixed views (style transfer's objective; feature visualisation draws per step). */
  views?: boolean;
}) {
  const { param, transforms: t } = props;
  const named = transformsPreset(t);
  const int = (k: "pad" | "jitter", text: string) => {
    const n = intIn(text, 0, MAX_PAD);
    if (n === undefined) return false;
    props.onTransforms({ ...t, [k]: n });
  };
  return (
    <>
      <label>
        Parameterisation
        <select
          aria-label="Parameterisation"
          value={param.kind}
          onChange={(e) =>
            props.onParam({
              ...param,
              kind: e.currentTarget.value as ParamSpec["kind"],
            })}
        >
          <option value="pixel">Pixels</option>
          <option value="fourier">Fourier (spectrum)</option>
        </select>
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={param.decorrelate}
          onChange={(e) => props.onParam({ ...param, decorrelate: e.currentTarget.checked })}
        />
        Decorrelated colour
      </label>
      <label>
        Transformation robustness
        <select
          aria-label="Transformation robustness"
          value={named}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v === "off") props.onTransforms(TRANSFORMS_OFF);
            else if (v === "lucid") {
              props.onTransforms(
                t.views ? { ...TRANSFORMS_LUCID, views: t.views } : TRANSFORMS_LUCID,
              );
            }
          }}
        >
          <option value="off">Off</option>
          <option value="lucid">Lucid (pad 4, jitter 4, scale ±5%, rotate ±5°)</option>
          <option value="custom" disabled={named !== "custom"}>Custom</option>
        </select>
      </label>
      <div class="row transforms">
        <label>
          Pad (px)
          <CommitInput
            type="number"
            min={0}
            max={MAX_PAD}
            value={t.pad}
            onCommit={(text) => int("pad", text)}
          />
        </label>
        <label>
          Pad fill
          <select
            aria-label="Pad fill"
            value={t.padMode ?? "constant"}
            onChange={(e) =>
              props.onTransforms({
                ...t,
                padMode: e.currentTarget.value === "reflect" ? "reflect" : undefined,
              })}
          >
            <option value="constant">Grey (lucid)</option>
            <option value="reflect">Mirrored image</option>
          </select>
        </label>
        <label>
          Jitter (px)
          <CommitInput
            type="number"
            min={0}
            max={MAX_PAD}
            value={t.jitter}
            onCommit={(text) => int("jitter", text)}
          />
        </label>
        <label>
          Scales
          <CommitInput
            type="text"
            inputMode="decimal"
            placeholder="none, e.g. 0.95, 1, 1.05"
            value={t.scales.join(", ")}
            onCommit={(text) => {
              const v = parseList(text, 0.25, 4);
              if (!v) return false;
              props.onTransforms({ ...t, scales: v });
            }}
          />
        </label>
        <label>
          Angles (°)
          <CommitInput
            type="text"
            inputMode="decimal"
            placeholder="none, e.g. -5, 0, 5"
            value={t.angles.join(", ")}
            onCommit={(text) => {
              const v = parseList(text, -180, 180);
              if (!v) return false;
              props.onTransforms({ ...t, angles: v });
            }}
          />
        </label>
        {props.views && (
          <label title="The objective averages this many transform draws made once, so that L-BFGS sees one objective. Empty: a new draw per step (for Adam).">
            Fixed views
            <CommitInput
              type="number"
              aria-label="Fixed views"
              min={1}
              max={MAX_VIEWS}
              placeholder="per step"
              value={t.views ?? ""}
              onCommit={(text) => {
                if (text.trim() === "") {
                  const { views: _, ...rest } = t;
                  props.onTransforms(rest);
                  return;
                }
                const n = intIn(text, 1, MAX_VIEWS);
                if (n === undefined) return false;
                props.onTransforms({ ...t, views: n });
              }}
            />
          </label>
        )}
      </div>
    </>
  );
}

export function FixesPanel(props: {
  settings: Settings;
  defaultPooling: "max" | "avg";
  /** The parameterisation in effect: the settings' or the architecture's default. */
  effectiveParam: ParamSpec;
  /** The transforms in effect: the settings' or the architecture's default. */
  effectiveTransforms: TransformsSpec;
  onChange: (s: Settings) => void;
}) {
  const s = props.settings;
  const t = props.effectiveTransforms;
  return (
    <fieldset class="fixes">
      <legend>The article's fixes</legend>
      <ParamControls
        param={props.effectiveParam}
        transforms={t}
        onParam={(param) => props.onChange({ ...s, param })}
        onTransforms={(transforms) => props.onChange({ ...s, transforms })}
        views
      />
      {s.optimizer === "lbfgs" && transformsActive(t) && !t.views && (
        <p class="hint" role="note">
          L-BFGS needs one objective: with a new transform draw per step it stops early. Set fixed
          views (e.g. 4) or pick Adam.
        </p>
      )}
      {t.views && !transformsActive(t) && (
        <p class="hint" role="note">
          Fixed views are draws of the transforms above, and none is on: the run sees the image
          once. Set a pad, jitter, scales or angles for the views to differ.
        </p>
      )}
      <SwagControls settings={s} onChange={props.onChange} />
      <label>
        Pooling
        <select
          aria-label="Pooling"
          value={s.pooling ?? props.defaultPooling}
          onChange={(e) =>
            props.onChange({ ...s, pooling: e.currentTarget.value as "max" | "avg" })}
        >
          <option value="max">Max pooling</option>
          <option value="avg">Average pooling</option>
        </select>
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={s.antialias ?? false}
          onChange={(e) => props.onChange({ ...s, antialias: e.currentTarget.checked })}
        />
        Anti-aliasing (blur before every stride-2 layer)
      </label>
    </fieldset>
  );
}

/** SWAG: off, over the whole map (the paper) or over the channels (the official code), and T. */
function SwagControls(props: { settings: Settings; onChange: (s: Settings) => void }) {
  const s = props.settings;
  const { over, temperature } = swagControls(s.swag);
  return (
    <div class="row swag">
      <label>
        SWAG activation smoothing
        <select
          aria-label="SWAG activation smoothing"
          value={over}
          onChange={(e) =>
            props.onChange({
              ...s,
              swag: swagSetting(e.currentTarget.value as typeof over, temperature),
            })}
        >
          <option value="off">Off</option>
          <option value="map">Over the whole map (the paper)</option>
          <option value="channels">Over the channels at each position (official code)</option>
        </select>
      </label>
      <label>
        SWAG temperature
        <CommitInput
          type="number"
          min={0.01}
          max={1e6}
          step="any"
          disabled={over === "off"}
          value={temperature}
          onCommit={(text) => {
            // Any temperature above 0.
            const t = numberIn(text, Number.MIN_VALUE, 1e6);
            if (t === undefined) return false;
            props.onChange({ ...s, swag: swagSetting(over, t) });
          }}
        />
      </label>
    </div>
  );
}
