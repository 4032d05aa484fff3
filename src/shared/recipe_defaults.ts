/**
 * Recipe defaults and layering, with no zod and no tfjs so that the studio page can use them:
 * a recipe is the network architecture's defaults (looked up by ModelManifest.architecture,
 * never by model id), then a base (a preset's recipe, a recipe file, a remix), then the
 * caller's overrides. recipe.ts validates the result; RecipeSchema's defaults come from here.
 */
import { ARCH_DEFAULTS, type ArchDefaults } from "./presets.ts";
import type { RecipeInput } from "./types.ts";

/**
 * Largest output side the engine accepts (px); the server caps stored images separately.
 * Sizes that do not fit one pass run tiled when the run has a memory budget (issue 14).
 */
export const MAX_SIZE = 4096;
/** Smallest input side a network accepts (px). */
export const MIN_SIZE = 32;
/** Largest feature-visualisation side (px): a square image, optimised on the user's device. */
export const MAX_VIS_SIZE = 1024;
/** The highest difference order of the TV term (a recipe's `tvOrder`, losses/tv.ts). */
export const MAX_TV_ORDER = 4;

/**
 * What a recipe takes when neither the architecture, the base nor the caller says; RecipeSchema
 * takes its `.default()`s from here too.
 */
export const RECIPE_DEFAULTS = {
  size: 256,
  iterations: 100,
  init: "content",
  optimizer: { kind: "lbfgs", history: 10 },
  /** Adam's step size when a caller switches to Adam without giving one. */
  adam: { kind: "adam", learningRate: 0.02 },
  seed: 1,
  pooling: "max",
  param: { kind: "pixel", decorrelate: false },
  /** No transformation robustness: the plain Gatys setting. */
  transforms: { pad: 0, jitter: 0, scales: [] as number[], angles: [] as number[] },
  swag: false,
  /**
   * Coarse-to-fine scales when a recipe asks for a pyramid without saying how: from 128 px in
   * sqrt(2) steps (crowsonkb/style-transfer-pytorch), each coarser scale 1.5x the iterations of
   * the next finer one.
   */
  pyramid: { minSize: 128, step: Math.SQRT2, coarseShare: 1.5 },
  /** The painting's long side relative to the output's (jcjohnson's -style_scale): default 1. */
  styleScale: { value: 1, min: 0.1, max: 4 },
} as const;

/** The defaults of an architecture (ModelManifest.architecture), or undefined. */
export function archDefaults(architecture: string): ArchDefaults | undefined {
  return Object.hasOwn(ARCH_DEFAULTS, architecture) ? ARCH_DEFAULTS[architecture] : undefined;
}

/**
 * The default style weight of `d` at output long side `size`: `d.styleWeightBySize`
 * interpolated linearly in log size and log weight between its pairs (to 3 significant digits,
 * so that a recipe records a readable number) and held at the end values beyond them, or
 * `d.weights.style` without a table.
 */
export function styleWeightFor(d: ArchDefaults, size: number): number {
  const table = d.styleWeightBySize;
  if (!table?.length) return d.weights.style;
  if (size <= table[0][0]) return table[0][1];
  for (let i = 1; i < table.length; i++) {
    const [s0, w0] = table[i - 1];
    const [s1, w1] = table[i];
    if (size <= s1) {
      if (size === s1) return w1;
      const t = Math.log(size / s0) / Math.log(s1 / s0);
      return Number(Math.exp(Math.log(w0) + t * Math.log(w1 / w0)).toPrecision(3));
    }
  }
  return table[table.length - 1][1];
}

/**
 * The long sides a run works at: the content's, the recipe's size times its supersampling
 * factor (inputImage() reads it at exactly the factor times the plain sides: runDims()), and
 * the paintings', styleScale times that (stylize() resizes them per scale and reduces its result
 * by the factor). The command line, the studio's worker and the experiments read at these, so
 * that one recipe sees the same pixels everywhere.
 */
export function runSides(
  recipe: { size: number; supersample?: number; styleScale?: number },
): { content: number; style: number } {
  const content = recipe.size * (recipe.supersample ?? 1);
  const style = Math.round((recipe.styleScale ?? RECIPE_DEFAULTS.styleScale.value) * content);
  return { content, style: Math.max(1, style) };
}

/** The network a recipe is for: its id and architecture (a manifest has both). */
export interface RecipeNet {
  id: string;
  architecture: string;
}

type Layered = {
  [K in keyof RecipeInput]?: NonNullable<RecipeInput[K]> extends infer V
    ? V extends readonly unknown[] ? V : V extends object ? { [P in keyof V]?: V[P] } : V
    : never;
};

/**
 * One layer of a recipe: any field, and any field of a nested object, may be left out.
 * `pyramid: null` removes a pyramid set below (a preset's), for a one-scale run;
 * `transforms: null` removes transforms set below (the architecture's fixed views).
 */
export type RecipeLayer = Omit<Layered, "pyramid" | "transforms"> & {
  pyramid?: Layered["pyramid"] | null;
  transforms?: Layered["transforms"] | null;
};

/** Options of assembleRecipe() and makeRecipe(). */
export interface RecipeOptions {
  /**
   * A preset's recipe, a recipe file or a remix, on top of the architecture defaults; a list
   * applies in order (each on top of the one before).
   */
  base?: RecipeLayer | RecipeLayer[];
  /** The caller's choices: on top of the base. Nested objects merge one level deep. */
  overrides?: RecipeLayer;
}

/**
 * Merges recipe layers: nested objects one level deep (undefined fields keep the value below),
 * an optimizer only of the same kind; `undefined` at the top level keeps the value below.
 */
function merge(into: RecipeLayer, from: RecipeLayer = {}): RecipeLayer {
  const out: Record<string, unknown> = { ...into };
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const old = out[k];
    const nested = ["net", "layers", "weights", "param", "transforms", "pyramid"].includes(k) ||
      (k === "optimizer" && (old as { kind?: string })?.kind === (v as { kind: string }).kind);
    const defined = (o: object) => Object.entries(o).filter(([, x]) => x !== undefined);
    if (!nested) {
      out[k] = v;
      continue;
    }
    // A nested layer with nothing defined (the studio's "use the defaults") adds nothing.
    const fields = [...defined((old as object) ?? {}), ...defined(v as object)];
    if (fields.length) out[k] = Object.fromEntries(fields);
  }
  return out as RecipeLayer;
}

/**
 * An architecture's supersampling factor at output `size` (ArchDefaults.supersample): the
 * largest of 4 and 2 whose run side, size x factor, is at most `side`; undefined when neither.
 */
export function supersampleFor(size: number, side: number): 2 | 4 | undefined {
  return size * 4 <= side ? 4 : size * 2 <= side ? 2 : undefined;
}

/**
 * The recipe input for `net`: architecture defaults < base < overrides, unvalidated (the studio
 * builds one while the user edits; makeRecipe() validates). The network id is always `net.id`.
 */
export function assembleRecipe(net: RecipeNet, opts: RecipeOptions = {}): RecipeInput {
  const d = archDefaults(net.architecture);
  const bases = Array.isArray(opts.base) ? opts.base : [opts.base];
  // The output size the layers ask for: the architecture's transforms apply up to a size.
  const layers = [...bases, opts.overrides];
  const top = <K extends keyof RecipeLayer>(k: K) =>
    [...layers].reverse().find((l) => l?.[k] !== undefined)?.[k];
  const size = top("size") ?? RECIPE_DEFAULTS.size;
  // Supersampling by output size, where the architecture says; the size-dependent defaults
  // below go by the side the network sees, the output size times the factor.
  const archSupersample = d?.supersample && supersampleFor(size, d.supersample.side);
  const side = size * (top("supersample") ?? archSupersample ?? 1);
  const views = d?.transforms && side <= d.transforms.upTo ? d.transforms : undefined;
  const transforms = views?.spec;
  // Fields measured with the views replace the architecture's own at their sizes.
  const style = views?.style ?? d?.style;
  const archWeights = d && { ...d.weights, ...views?.weights };
  const defaults: RecipeLayer = {
    version: 1,
    net: {
      id: net.id,
      pooling: d?.pooling ?? RECIPE_DEFAULTS.pooling,
      ...(d?.antialias ? { antialias: true } : {}),
    },
    size: RECIPE_DEFAULTS.size,
    content: { name: "content" },
    styles: [{ name: "style", weight: 1 }],
    ...(d ? { layers: d.layers, weights: archWeights } : {}),
    ...(style ? { style: { ...style } } : {}),
    ...(d?.swag ? { swag: d.swag } : {}),
    ...(d?.pyramid ? { pyramid: d.pyramid } : {}),
    ...(d?.styleScale !== undefined ? { styleScale: d.styleScale } : {}),
    ...(archSupersample ? { supersample: archSupersample } : {}),
    ...(d?.colour ? { colour: { ...d.colour } } : {}),
    ...(d?.param ? { param: { ...d.param } } : {}),
    ...(transforms
      ? {
        transforms: {
          ...transforms,
          scales: [...transforms.scales],
          angles: [...transforms.angles],
        },
      }
      : {}),
    init: RECIPE_DEFAULTS.init,
    iterations: RECIPE_DEFAULTS.iterations,
    optimizer: { ...RECIPE_DEFAULTS.optimizer },
    seed: RECIPE_DEFAULTS.seed,
  };
  const r = merge(
    [...bases].reduce((acc: RecipeLayer, b) => merge(acc, b), defaults),
    opts.overrides,
  );
  // A style weight nobody set follows the output size where the architecture says how, and a
  // TV weight nobody set keeps its balance with it.
  const set = (k: "style" | "tv") => layers.some((l) => l?.weights?.[k] !== undefined);
  if (d?.styleWeightBySize && !set("style")) {
    const style = styleWeightFor(d, side);
    r.weights = { ...r.weights, style };
    if (!set("tv") && d.weights.tv) {
      r.weights.tv = Number((d.weights.tv * style / d.weights.style).toPrecision(3));
    }
  }
  // The architecture's TV order comes with its TV weight, not with a weight set above it (an old
  // recipe's TV weight was meant for first differences).
  if (d?.tvOrder !== undefined && !set("tv")) {
    r.tvOrder ??= d.tvOrder;
  }
  // Switching to Adam without a step size takes Adam's default, not L-BFGS's fields.
  if (r.optimizer?.kind === "adam" && !("learningRate" in r.optimizer)) {
    r.optimizer = { ...RECIPE_DEFAULTS.adam };
  }
  return { ...r, net: { ...r.net!, id: net.id } } as RecipeInput;
}
