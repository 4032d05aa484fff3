/**
 * Studio settings: what the form shows, persisted in localStorage so a reload keeps them, and
 * turned into a Recipe for the worker. Layers left unset follow the network's architecture
 * defaults (src/shared/presets.ts).
 */
import { DEFAULT_LOSS_WEIGHTS, LUCID_TRANSFORMS } from "../../shared/presets.ts";
import { assembleRecipe, RECIPE_DEFAULTS, type RecipeLayer } from "../../shared/recipe_defaults.ts";
import {
  type SwagOptions,
  swagOptionsOf,
  type SwagSetting,
} from "../../shared/smoothing/swag_setting.ts";
import type {
  ColourSpec,
  LossWeights,
  ParamSpec,
  Preset,
  RecipeInput,
  TransformsSpec,
} from "../../shared/types.ts";

/** No transformation robustness (the plain Gatys setting): the schema's default. */
export const TRANSFORMS_OFF: TransformsSpec = RECIPE_DEFAULTS.transforms;
/** Mordvintsev et al. 2018's transforms (src/shared/presets.ts). */
export const TRANSFORMS_LUCID: TransformsSpec = LUCID_TRANSFORMS;

/** Whether `t` is plainly off: no transform and no fixed views (a recipe then has none). */
function transformsOff(t: TransformsSpec): boolean {
  return transformsPreset(t) === "off" && !t.views;
}

/** "off", "lucid" or "custom": which named set a transforms spec equals. */
export function transformsPreset(t: TransformsSpec): "off" | "lucid" | "custom" {
  // Fixed views say how the draws are used, not which transforms: they do not name a set. The
  // pad's fill is grey unless it says otherwise, and nothing without a pad.
  const key = (a: TransformsSpec) =>
    JSON.stringify({
      ...a,
      views: undefined,
      padMode: a.pad && a.padMode === "reflect" ? "reflect" : undefined,
    });
  const same = (a: TransformsSpec, b: TransformsSpec) => key(a) === key(b);
  return same(t, TRANSFORMS_OFF) ? "off" : same(t, TRANSFORMS_LUCID) ? "lucid" : "custom";
}

/** The style statistic as the studio picks it (a Recipe's `style`; the rest takes defaults). */
export interface StyleSetting {
  loss: "gram" | "meancov" | "sliced";
  normalize?: "channels" | "target";
  /** The Gram's activation shift (Novak & Nikulin 2016); 0 or absent: none. */
  shift?: number;
  /** Kept from a remixed recipe; the panel does not edit them. */
  projections?: number;
  iterations?: number;
}

/**
 * Coarse to fine (a Recipe's `pyramid`, issue 12): scales from `minSize` up to the output size
 * in steps of `step`, the iterations split with `coarseShare` times more at the coarse end.
 */
export interface PyramidSetting {
  minSize: number;
  step: number;
  coarseShare: number;
}

/** The pyramid the "Coarse to fine" checkbox turns on: the engine's own default (issue 12). */
export const PYRAMID_ON: PyramidSetting = { ...RECIPE_DEFAULTS.pyramid };

/** Recipe fields of issue 12's coarse-to-fine work, as the studio holds them. */
export interface PyramidFields {
  /**
   * Undefined: the architecture's default (ResNet-50 and MobileNet-v1 run coarse to fine by
   * default, issue 12); null: off, one scale, whatever the default.
   */
  pyramid?: PyramidSetting | null;
  /** The painting's size relative to the output (jcjohnson's -style_scale), 0.1..4. */
  styleScale?: number;
  /**
   * Supersampling: run at 1, 2 or 4 times the size and reduce the result. Undefined: the
   * architecture's default (ResNet-50: 2 up to 256 px).
   */
  supersample?: 1 | 2 | 4;
}

/** A SWAG setting from its two controls: the map variant at T = 1 stays `true` (old recipes). */
export function swagSetting(over: "off" | "map" | "channels", temperature = 1): SwagSetting {
  if (over === "off") return false;
  return over === "map" && temperature === 1 ? true : { over, temperature };
}

/** The two controls of a SWAG setting: its domain ("off" when off) and temperature. */
export function swagControls(
  setting: SwagSetting,
): { over: "off" | "map" | "channels"; temperature: number } {
  const o: SwagOptions | undefined = swagOptionsOf(setting);
  return o
    ? { over: o.over ?? "map", temperature: o.temperature ?? 1 }
    : { over: "off", temperature: 1 };
}

export interface Settings extends PyramidFields {
  modelId: string;
  presetId: string;
  size: number;
  iterations: number;
  optimizer: "lbfgs" | "adam";
  learningRate: number;
  init: "content" | "noise";
  seed: number;
  /** Chosen layers; undefined: the architecture's defaults. */
  contentLayers?: string[];
  styleLayers?: string[];
  /** Undefined: the architecture's defaults. */
  weights?: LossWeights;
  /**
   * The TV term's difference order, 1..4. Undefined: the architecture's, which comes with its
   * TV weight (the engine drops it when `weights` is set: see AdvancedPanel).
   */
  tvOrder?: number;
  /** Image parameterisation (pixel or Fourier) and decorrelated colour. Undefined: the
   * architecture's default. */
  param?: ParamSpec;
  /**
   * Transformation robustness applied before every evaluation. Undefined: the architecture's
   * default (MobileNet-v1's and Darknet-tiny's four fixed views up to 512 px, none elsewhere).
   */
  transforms?: TransformsSpec;
  /** SWAG activation smoothing (Wang et al. 2021): off, on (whole map, T = 1) or options. */
  swag: SwagSetting;
  /** Undefined: the architecture's default pooling. */
  pooling?: "max" | "avg";
  /** Anti-aliased forward pass (Zhang 2019). Undefined: the default (off). */
  antialias?: boolean;
  /** Style statistic. Undefined: the default (Gram). */
  style?: StyleSetting;
  /** Colour control (Gatys et al. 2016). Undefined: the default (none). */
  colour?: ColourSpec;
  /** Backbones for Compare. */
  compareModels: string[];
}

export const DEFAULT_SETTINGS: Settings = {
  modelId: "",
  presetId: "",
  size: RECIPE_DEFAULTS.size,
  iterations: RECIPE_DEFAULTS.iterations,
  optimizer: RECIPE_DEFAULTS.optimizer.kind,
  learningRate: RECIPE_DEFAULTS.adam.learningRate,
  init: RECIPE_DEFAULTS.init,
  seed: RECIPE_DEFAULTS.seed,
  swag: false,
  compareModels: [],
};

/** Where the studio keeps its settings (localStorage). */
export const SETTINGS_KEY = "atelier.settings.v1";

export function loadSettings(): Settings {
  try {
    const raw = localStorage.getItem(SETTINGS_KEY);
    if (!raw) return { ...DEFAULT_SETTINGS };
    const stored = { ...DEFAULT_SETTINGS, ...JSON.parse(raw) };
    // Before the architectures had a default parameterisation (issue 12), every saved setting
    // held plain pixels; those follow the architecture now.
    const p = stored.param;
    if (p?.kind === "pixel" && !p.decorrelate && !stored.presetId) delete stored.param;
    // Likewise transforms, which every saved setting held as "off" before an architecture had
    // default ones (issue 12: MobileNet-v1's and Darknet-tiny's fixed views).
    const t = stored.transforms;
    if (t && transformsOff(t) && !stored.presetId) {
      delete stored.transforms;
    }
    return stored;
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export function saveSettings(s: Settings): void {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
  } catch {
    // Storage full or disabled (private mode): settings simply do not persist.
  }
}

/** Layers, weights and pooling in effect for an architecture (the recipe's, as the UI shows). */
export function effective(s: Settings, architecture: string) {
  const r = buildRecipe(s, architecture, {
    content: { name: "", width: 0, height: 0 },
    styles: [],
  });
  return {
    contentLayers: r.layers?.content?.map((l) => l.layer) ?? [],
    styleLayers: r.layers?.style?.map((l) => l.layer) ?? [],
    weights: r.weights ?? DEFAULT_LOSS_WEIGHTS,
    tvOrder: r.tvOrder ?? 1,
    pooling: r.net.pooling ?? "max",
    param: { ...RECIPE_DEFAULTS.param, ...r.param },
    transforms: { ...TRANSFORMS_OFF, ...r.transforms } as TransformsSpec,
    supersample: r.supersample ?? 1,
  };
}

/** Options of buildRecipe(). */
export interface RecipeImages {
  content: { name: string; width: number; height: number };
  styles: { name: string; weight: number }[];
}

/**
 * The recipe for a run of `architecture` with these settings and images: what the settings
 * leave unset comes from the architecture's defaults (src/shared/recipe.ts); the worker
 * validates it.
 */
export function buildRecipe(s: Settings, architecture: string, images: RecipeImages): RecipeInput {
  const toLayers = (names: string[] | undefined) => names?.map((layer) => ({ layer, weight: 1 }));
  return assembleRecipe({ id: s.modelId, architecture }, {
    // Transforms the panel set (Off included) remove the architecture's (its fixed views and
    // mirrored pad): the panel's spec below is the whole one, as the panel shows it, not merged
    // onto them.
    base: s.transforms === undefined ? undefined : { transforms: null },
    overrides: {
      net: { id: s.modelId, pooling: s.pooling, antialias: s.antialias },
      size: s.size,
      content: images.content,
      styles: images.styles,
      layers: { content: toLayers(s.contentLayers), style: toLayers(s.styleLayers) },
      weights: s.weights,
      tvOrder: s.tvOrder,
      init: s.init,
      iterations: s.iterations,
      optimizer: s.optimizer === "adam"
        ? { kind: "adam", learningRate: s.learningRate }
        : { ...RECIPE_DEFAULTS.optimizer },
      seed: s.seed,
      param: s.param && { ...s.param },
      // Undefined: the architecture's. Off adds none (the base removed the architecture's): a
      // recipe without transforms is the plain setting. Views of no transform stay, so that the
      // panel can say they are all the image.
      transforms: s.transforms === undefined || transformsOff(s.transforms) ? undefined : {
        ...s.transforms,
        scales: [...s.transforms.scales],
        angles: [...s.transforms.angles],
      },
      swag: s.swag,
      // Undefined fields are left out: the recipe then has the default.
      style: s.style && { ...s.style },
      colour: s.colour && { ...s.colour },
      // null turns off a pyramid the architecture's defaults would add.
      pyramid: s.pyramid === null ? null : s.pyramid && { ...s.pyramid },
      styleScale: s.styleScale,
      supersample: s.supersample,
    } as RecipeLayer,
  }) as RecipeInput;
}

/** Settings that reproduce a recipe (a remix or a preset); images stay the user's. */
export function fromRecipe(s: Settings, r: Partial<RecipeInput>): Settings {
  const out = { ...s };
  if (r.net?.id) out.modelId = r.net.id;
  if (r.size) out.size = r.size;
  if (r.iterations) out.iterations = r.iterations;
  if (r.init === "content" || r.init === "noise") out.init = r.init;
  if (r.seed !== undefined) out.seed = r.seed;
  if (r.optimizer) {
    out.optimizer = r.optimizer.kind;
    if (r.optimizer.kind === "adam" && r.optimizer.learningRate) {
      out.learningRate = r.optimizer.learningRate;
    }
  }
  if (r.layers) {
    out.contentLayers = r.layers.content.map((l) => l.layer);
    out.styleLayers = r.layers.style.map((l) => l.layer);
  }
  // A recipe's TV order goes with its TV weight: a recipe with weights and no order ran order 1.
  if (r.weights) {
    out.weights = r.weights;
    out.tvOrder = r.tvOrder ?? 1;
  } else if (r.tvOrder !== undefined) out.tvOrder = r.tvOrder;
  // A recipe is complete: what it leaves out takes RecipeSchema's defaults.
  out.param = { ...RECIPE_DEFAULTS.param, ...r.param };
  out.transforms = {
    ...TRANSFORMS_OFF,
    ...r.transforms,
    scales: [...(r.transforms?.scales ?? TRANSFORMS_OFF.scales)],
    angles: [...(r.transforms?.angles ?? TRANSFORMS_OFF.angles)],
  };
  out.swag = r.swag ?? false;
  out.pooling = r.net?.pooling;
  out.antialias = r.net?.antialias;
  // A recipe without a style statistic ran the plain Gram loss: that, not "the architecture's
  // default" (which shifts the activations for the shipped nets since issue 12).
  out.style = { loss: "gram", ...r.style };
  // A recipe without colour control ran on the images as given: none, not "the architecture's
  // default" (which is the painting's palette since issue 12).
  out.colour = { mode: r.colour?.mode ?? "none", match: r.colour?.match ?? "pca" };
  // A recipe without a pyramid ran at one scale: off, not "the architecture's default".
  out.pyramid = r.pyramid ? { ...PYRAMID_ON, ...r.pyramid } : null;
  out.styleScale = r.styleScale;
  // A recipe without supersampling ran at its size: 1, not "the architecture's default".
  out.supersample = r.supersample ?? 1;
  return out;
}

/** Applies a preset, keeping the current backbone when the preset names a missing one. */
export function applyPreset(s: Settings, p: Preset, installed: string[]): Settings {
  const out = fromRecipe({ ...s, presetId: p.id }, p.recipe as Partial<RecipeInput>);
  if (!installed.includes(out.modelId)) out.modelId = s.modelId;
  return out;
}
