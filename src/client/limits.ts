/**
 * Will a run fit? A rough activation-memory model of a network at a given image size, and the
 * largest long side that fits the running backend, so the studio can offer a size that works
 * instead of crashing the GPU process.
 */
import type { LayerInfo, ModelManifest } from "../shared/nets/manifest.ts";
import { finestMapPixels, MEASURED_COSTS, type PixelCost } from "../shared/tiling/plan.ts";
import { type MemoryBudget, planRunTiles, tilingRefusal } from "../shared/tiled_run.ts";
import type { Recipe } from "../shared/types.ts";
import { fixedViews } from "../shared/transforms/compose.ts";
import type { DeviceLimits } from "./protocol.ts";
import { MIN_SIZE } from "../shared/recipe_defaults.ts";

/** float32 activations; forward + gradient + the optimiser's copies, roughly three times. */
const BYTES = 4;
const BACKPROP_FACTOR = 3;

/** Options of estimateRun(). */
export interface EstimateOptions {
  /** Layers the recipe reads; the net runs up to the deepest of them. */
  used: string[];
  /**
   * Fixed views the objective averages (fixedViews() of the recipe's transforms, default 1):
   * every view's pass is on the gradient tape at once (features.ts), so the activations count
   * once per view; the largest single tensor does not grow.
   */
  views?: number;
}

/** Memory estimate of one run. */
export interface RunEstimate {
  /** Sum over layers of h*w*c*4 bytes, times the backprop factor and the views. */
  totalBytes: number;
  /** Largest single activation, bytes. */
  largestTensorBytes: number;
  /** Largest activation's texels when packed 4 per texel (WebGL). */
  largestTexels: number;
  /** Most pixels of a feature map (the first convolution's output): finestMapPixels(). */
  largestMapPixels: number;
}

/** estimateRun()'s options for a recipe: the layers it reads and its fixed views. */
export function estimateFor(recipe: Pick<Recipe, "layers" | "transforms">): EstimateOptions {
  const used = [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer);
  return { used, views: fixedViews(recipe.transforms) ?? 1 };
}

/** Estimates activation memory for an image of width x height through `layers`. */
export function estimateRun(
  layers: Pick<LayerInfo, "name" | "channels" | "stride">[],
  size: { width: number; height: number },
  opts: EstimateOptions,
): RunEstimate {
  const deepest = Math.max(...opts.used.map((n) => layers.findIndex((l) => l.name === n)));
  const upTo = deepest >= 0 ? layers.slice(0, deepest + 1) : layers;
  let total = size.width * size.height * 3 * BYTES;
  let largest = total;
  for (const l of upTo) {
    const bytes = Math.ceil(size.width / l.stride) * Math.ceil(size.height / l.stride) *
      l.channels * BYTES;
    total += bytes;
    largest = Math.max(largest, bytes);
  }
  return {
    totalBytes: total * BACKPROP_FACTOR * (opts.views ?? 1),
    largestTensorBytes: largest,
    largestTexels: largest / BYTES / 4,
    largestMapPixels: finestMapPixels(upTo, size.height, size.width),
  };
}

/** Why an estimate does not fit, or undefined when it does. */
export function misfit(e: RunEstimate, side: number, limits: DeviceLimits): string | undefined {
  // Whole MB for real runs; one decimal below 10 MB so a small figure never reads "0 MB".
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MB`;
  if (side > limits.maxTextureSize) {
    return `${side} px exceeds the GPU's maximum texture size of ${limits.maxTextureSize} px`;
  }
  if (e.largestTexels > limits.maxTextureSize ** 2) {
    return `the largest activation needs more texels than a ${limits.maxTextureSize}² texture holds`;
  }
  if (e.largestTensorBytes > limits.maxTensorBytes) {
    return `the largest activation needs ${mb(e.largestTensorBytes)}, more than the GPU's ` +
      `${mb(limits.maxTensorBytes)} buffer limit`;
  }
  if (limits.maxConvPixels !== undefined && e.largestMapPixels > limits.maxConvPixels) {
    return `its first convolution makes ${e.largestMapPixels.toLocaleString("en")} pixels, more ` +
      `than the ${limits.maxConvPixels.toLocaleString("en")} one WebGPU convolution can`;
  }
  if (e.totalBytes > limits.memoryBytes) {
    return `the run needs about ${mb(e.totalBytes)} of memory, more than the ` +
      `${mb(limits.memoryBytes)} this backend can use`;
  }
  return undefined;
}

/** Largest long side (a multiple of 16, at most `side`) whose run fits `limits`. */
export function largestFit(
  layers: Pick<LayerInfo, "name" | "channels" | "stride">[],
  aspect: number,
  side: number,
  limits: DeviceLimits,
  opts: EstimateOptions,
): number {
  const dims = (s: number) =>
    aspect >= 1
      ? { width: s, height: Math.max(1, Math.round(s / aspect)) }
      : { width: Math.max(1, Math.round(s * aspect)), height: s };
  for (let s = Math.floor(side / 16) * 16; s >= MIN_SIZE; s -= 16) {
    if (!misfit(estimateRun(layers, dims(s), opts), s, limits)) return s;
  }
  return 0;
}

/** Options of memoryBudgetFor(). */
export interface BudgetOptions {
  /** What the running backend can hold. */
  limits: DeviceLimits;
  /** Backend name, to look up the measured per-pixel cost ("wasm", "webgpu", ...). */
  backend: string;
  /** Layers the recipe reads (for the activation model when nothing was measured). */
  used: string[];
}

/**
 * The memory budget of a studio run on the running backend, for the engine's one planner
 * (planRunTiles(), per scale, inside stylize()). The per-pixel cost is the one measured for
 * this network (on WASM; tfjs allocates the same float32 tensors on every backend, so the GPU
 * backends use it too), else estimateRun()'s activation model. A crop must also pass misfit()'s
 * texture and buffer checks, which the engine does not know.
 */
export function memoryBudgetFor(manifest: ModelManifest, opts: BudgetOptions): MemoryBudget {
  const { limits } = opts;
  const measured = MEASURED_COSTS[manifest.id];
  const cost: PixelCost = measured?.[opts.backend] ?? measured?.wasm ?? {
    fixedBytes: 0,
    bytesPerPixel: estimateRun(manifest.layers, { width: 256, height: 256 }, opts).totalBytes /
      (256 * 256),
  };
  return {
    bytes: limits.memoryBytes,
    backend: opts.backend,
    cost,
    cropFits: (side) =>
      misfit(
        estimateRun(manifest.layers, { width: side, height: side }, opts),
        side,
        { ...limits, memoryBytes: Infinity },
      ) === undefined,
  };
}

/** Options of tiledFit() and largestTiledFit(). */
export interface TiledFitOptions {
  /** The studio's budget (memoryBudgetFor()). */
  memory: MemoryBudget;
}

/**
 * Whether `recipe` at `size` fits `memory` with tiling: true, or why not. The full size is
 * the pyramid's largest scale, so when it fits, every coarser scale does too.
 */
export function tiledFit(
  manifest: ModelManifest,
  recipe: Recipe,
  size: { width: number; height: number },
  opts: TiledFitOptions,
): true | string {
  let plan;
  try {
    plan = planRunTiles({ manifest }, recipe, size, opts.memory);
  } catch (e) {
    return (e as Error).message;
  }
  const refusal = plan?.tiled ? tilingRefusal(recipe) : undefined;
  return refusal ? `tiled runs do not support ${refusal}` : true;
}

/**
 * Largest long side (a multiple of 16, at most `side`) at which `recipe` runs on the studio's
 * backend: untiled (misfit() passes) or tiled (tiledFit()). 0 when none does.
 */
export function largestTiledFit(
  manifest: ModelManifest,
  recipe: Recipe,
  aspect: number,
  side: number,
  opts: TiledFitOptions,
): number {
  const estimate = estimateFor(recipe);
  const limits: DeviceLimits = {
    maxTensorBytes: Infinity,
    maxTextureSize: Infinity,
    memoryBytes: opts.memory.bytes,
  };
  for (let s = Math.floor(side / 16) * 16; s >= MIN_SIZE; s -= 16) {
    const dims = aspect >= 1
      ? { width: s, height: Math.max(1, Math.round(s / aspect)) }
      : { width: Math.max(1, Math.round(s * aspect)), height: s };
    const cropFits = opts.memory.cropFits?.(s) ?? true;
    if (cropFits && !misfit(estimateRun(manifest.layers, dims, estimate), s, limits)) return s;
    if (tiledFit(manifest, recipe, dims, opts) === true) return s;
  }
  return 0;
}
