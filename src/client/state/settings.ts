/**
 * Studio settings: what the form shows, persisted in localStorage so a reload keeps them, and
 * turned into a Recipe for the worker. Layers left unset follow the network's architecture
 * defaults (src/shared/presets.ts).
 */
import { ARCH_DEFAULTS } from "../../shared/presets.ts";
import type {
  LossWeights,
  ParamSpec,
  Preset,
  RecipeInput,
  TransformsSpec,
} from "../../shared/types.ts";

/** No transformation robustness (the plain Gatys setting). */
export const TRANSFORMS_OFF: TransformsSpec = { pad: 0, jitter: 0, scales: [], angles: [] };
/**
 * Mordvintsev et al. 2018 (lucid's standard_transforms, scaled to small images): the same
 * values as the "fourier" fix of src/shared/experiment.ts.
 */
export const TRANSFORMS_LUCID: TransformsSpec = {
  pad: 4,
  jitter: 4,
  scales: [0.95, 1, 1.05],
  angles: [-5, 0, 5],
};

/** "off", "lucid" or "custom": which named set a transforms spec equals. */
export function transformsPreset(t: TransformsSpec): "off" | "lucid" | "custom" {
  const same = (a: TransformsSpec, b: TransformsSpec) => JSON.stringify(a) === JSON.stringify(b);
  return same(t, TRANSFORMS_OFF) ? "off" : same(t, TRANSFORMS_LUCID) ? "lucid" : "custom";
}

export interface Settings {
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
  /** Image parameterisation (pixel or Fourier) and decorrelated colour. */
  param: ParamSpec;
  /** Transformation robustness applied before every evaluation. */
  transforms: TransformsSpec;
  /** SWAG activation smoothing (Wang et al. 2021). */
  swag: boolean;
  /** Undefined: the architecture's default pooling. */
  pooling?: "max" | "avg";
  /** Backbones for Compare. */
  compareModels: string[];
}

export const DEFAULT_SETTINGS: Settings = {
  modelId: "",
  presetId: "",
  size: 256,
  iterations: 100,
  optimizer: "lbfgs",
  learningRate: 0.02,
  init: "content",
  seed: 1,
  param: { kind: "pixel", decorrelate: false },
  transforms: TRANSFORMS_OFF,
  swag: false,
  compareModels: [],
};

const KEY = "atelier.settings.v1";

export function loadSettings(): Settings {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? { ...DEFAULT_SETTINGS, ...JSON.parse(raw) } : { ...DEFAULT_SETTINGS };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export function saveSettings(s: Settings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // Storage full or disabled (private mode): settings simply do not persist.
  }
}

/** Layers and weights in effect for an architecture. */
export function effective(s: Settings, architecture: string) {
  const d = ARCH_DEFAULTS[architecture];
  return {
    contentLayers: s.contentLayers ?? d?.layers.content.map((l) => l.layer) ?? [],
    styleLayers: s.styleLayers ?? d?.layers.style.map((l) => l.layer) ?? [],
    weights: s.weights ?? d?.weights ?? { content: 1, style: 1e4, tv: 0 },
    pooling: s.pooling ?? d?.pooling ?? "max",
  };
}

/** Options of buildRecipe(). */
export interface RecipeImages {
  content: { name: string; width: number; height: number };
  styles: { name: string; weight: number }[];
}

/** The recipe for a run of `architecture` with these settings and images. */
export function buildRecipe(s: Settings, architecture: string, images: RecipeImages): RecipeInput {
  const e = effective(s, architecture);
  return {
    version: 1,
    net: { id: s.modelId, pooling: e.pooling },
    size: s.size,
    content: images.content,
    styles: images.styles,
    layers: {
      content: e.contentLayers.map((layer) => ({ layer, weight: 1 })),
      style: e.styleLayers.map((layer) => ({ layer, weight: 1 })),
    },
    weights: e.weights,
    init: s.init,
    iterations: s.iterations,
    optimizer: s.optimizer === "adam"
      ? { kind: "adam", learningRate: s.learningRate }
      : { kind: "lbfgs", history: 10 },
    seed: s.seed,
    param: { ...s.param },
    // Off is left out: a recipe without transforms is the plain setting.
    ...(transformsPreset(s.transforms) === "off" ? {} : {
      transforms: {
        ...s.transforms,
        scales: [...s.transforms.scales],
        angles: [...s.transforms.angles],
      },
    }),
    swag: s.swag,
  };
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
  if (r.weights) out.weights = r.weights;
  // A recipe is complete: what it leaves out takes RecipeSchema's defaults.
  out.param = {
    kind: r.param?.kind ?? "pixel",
    decorrelate: r.param?.decorrelate ?? false,
  };
  out.transforms = {
    pad: r.transforms?.pad ?? 0,
    jitter: r.transforms?.jitter ?? 0,
    scales: r.transforms?.scales ?? [],
    angles: r.transforms?.angles ?? [],
  };
  out.swag = r.swag ?? false;
  out.pooling = r.net?.pooling;
  return out;
}

/** Applies a preset, keeping the current backbone when the preset names a missing one. */
export function applyPreset(s: Settings, p: Preset, installed: string[]): Settings {
  const out = fromRecipe({ ...s, presetId: p.id }, p.recipe as Partial<RecipeInput>);
  if (!installed.includes(out.modelId)) out.modelId = s.modelId;
  return out;
}
