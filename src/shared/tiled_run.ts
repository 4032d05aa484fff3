/**
 * A run's objective evaluated tile by tile (issue 14): what stylize() uses at a scale whose one
 * pass does not fit the memory budget. The recipe means the same tiled or not: content targets
 * are computed tile by tile and held per tile outside tfjs (tileTargets), the paintings' Grams
 * are accumulated over tiles when a painting does not fit one pass either (tiledGrams), and the
 * closure is tiledClosure(), whose loss and gradient equal the untiled ones up to float rounding
 * with the exact halo (or close to them with an APPROXIMATE_HALOS entry). Only what is a sum over
 * pixels of the network's features tiles: features that mix the whole image first are refused
 * (tilingRefusal()).
 */
import * as tf from "@tensorflow/tfjs-core";
import { runLayers } from "./features.ts";
import { atLeastMinSize } from "./image.ts";
import { blendGrams, gram, type GramMap, shiftFeatures } from "./losses/mod.ts";
import type { ForwardOptions, Net } from "./nets/net.ts";
import type { Closure } from "./optim/optimizer.ts";
import type { Parameterization } from "./param/parameterization.ts";
import type { RunImages } from "./recipe.ts";
import { swagOptionsOf } from "./smoothing/swag.ts";
import { fixedViews, transformsActive } from "./transforms/compose.ts";
import { type TileGrid, tileGrid } from "./tiling/grid.ts";
import {
  APPROXIMATE_HALOS,
  finestMapPixels,
  HOST_RUN_BYTES_PER_PIXEL,
  MEASURED_COSTS,
  optimizerVectors,
  type PixelCost,
  planTiles,
  type TilePlan,
  webgpuMaxConvPixels,
} from "./tiling/plan.ts";
import { type Halo, haloFor, receptiveFields } from "./tiling/receptive_field.ts";
import { hostTiledClosure, tiledClosure } from "./tiling/tiled_closure.ts";
import { tiledGrams, type TileTargets, tileTargets } from "./tiling/tiled_features.ts";
import type { TiledValue } from "./tiling/tiled_objective.ts";
import type { Recipe } from "./types.ts";

/**
 * The memory a run may use, which decides per scale whether to tile (a run option, not part of
 * the recipe: tiling does not change what the recipe means).
 */
export interface MemoryBudget {
  /** Bytes the backend may use for one objective evaluation. */
  bytes: number;
  /** Backend name, to look up the measured per-pixel cost (default "wasm"). */
  backend?: string;
  /** The per-pixel cost; default MEASURED_COSTS[net id][backend], else its WASM figure. */
  cost?: PixelCost;
  /**
   * An extra per-crop check (a GPU's texture or buffer limit): whether a crop of this side fits.
   * The studio passes misfit()'s checks here, so every scale's plan passes them too.
   */
  cropFits?: (side: number) => boolean;
  /**
   * Forces tiles of this core side (px) wherever the long side is larger, whatever `bytes`
   * says: for tests and benchmarks at sizes where the planner's pessimistic crop model (a crop
   * as wide as the whole image) would never tile.
   */
  tile?: number;
  /**
   * true: crops carry the exact halo even where the network has an approximate one
   * (APPROXIMATE_HALOS), so the tiled objective equals the untiled one up to float rounding.
   */
  exactHalo?: boolean;
  /**
   * With `tile`: keep every L-BFGS vector of a tiled scale in JS memory (the plan's
   * hostVectors), as the planner does on WASM when host history does not fit (tests, benchmarks).
   */
  hostVectors?: boolean;
}

/** Progress inside a tiled evaluation: pass 1 (forward) or 2 (backward), tile `index` of `count`. */
export interface TileProgress {
  pass: 1 | 2;
  index: number;
  count: number;
}

/**
 * Why `recipe` cannot run tiled, naming the option, or undefined when it can. Transforms and
 * SWAG mix the whole image (or map) before the features are summed; the mean/covariance and
 * sliced statistics and the "target" normalisation are not sums of per-tile Grams here; the
 * anti-aliasing blur widens the receptive field beyond the manifest's.
 */
export function tilingRefusal(recipe: Recipe): string | undefined {
  if (transformsActive(recipe.transforms)) return "transforms";
  if (swagOptionsOf(recipe.swag)) return "swag";
  if ((recipe.style?.loss ?? "gram") !== "gram") return `style.loss "${recipe.style!.loss}"`;
  if (recipe.style?.normalize === "target") return `style.normalize "target"`;
  if (recipe.net.antialias) return "net.antialias";
  if ((recipe.style?.octaves ?? 1) > 1) return "style.octaves";
  return undefined;
}

/** Throws the RangeError that names what keeps `recipe` from running tiled (tilingRefusal()). */
export function assertTileable(recipe: Recipe): void {
  const refusal = tilingRefusal(recipe);
  if (refusal) {
    throw new RangeError(
      `This run needs tiling to fit the memory budget, and tiled runs do not support ${refusal}: ` +
        `turn it off, pick a smaller size, or give the run more memory`,
    );
  }
}

/** The per-pixel cost of `net` under `memory`, or undefined when none was measured. */
function costOf(net: Pick<Net, "manifest">, memory: MemoryBudget): PixelCost | undefined {
  const measured = MEASURED_COSTS[net.manifest.id];
  return memory.cost ?? measured?.[memory.backend ?? "wasm"] ?? measured?.wasm;
}

/**
 * Whether planRunTiles() may tile `net` under `memory`: a forced tile, or a measured per-pixel
 * cost. A network without either (MobileNet-v1, whose "same" padding depends on the input
 * size, and imported ones) always runs untiled, whatever its size.
 */
export function mayTile(net: Pick<Net, "manifest">, memory: MemoryBudget): boolean {
  return memory.tile !== undefined || costOf(net, memory) !== undefined;
}

/**
 * `memory.cropFits`, and on WebGPU a crop's largest convolution within tfjs-webgpu's dispatch
 * limit (webgpuMaxConvPixels(), for a square crop of that side): Darknet-tiny's full-resolution
 * conv1 fails above 2,097,120 pixels, so a 2048 px run tiles there whatever the memory.
 */
function dispatchChecked(
  net: Pick<Net, "manifest">,
  memory: MemoryBudget,
): ((side: number) => boolean) | undefined {
  const own = memory.cropFits;
  if ((memory.backend ?? "wasm") !== "webgpu") return own;
  const max = webgpuMaxConvPixels();
  return (side) => (own?.(side) ?? true) && finestMapPixels(net.manifest.layers, side, side) <= max;
}

/**
 * The halo of a plan over `layers` (square grids: the larger axis's figures): the network's
 * APPROXIMATE_HALOS entry on each side where it is narrower than the exact one (haloFor()) and
 * the budget does not ask for the exact halo, else the exact one. `approximate` says which.
 */
export function planHalo(
  net: Pick<Net, "manifest">,
  layers: readonly string[],
  memory: Pick<MemoryBudget, "exactHalo"> = {},
): { before: number; after: number; align: number; approximate: boolean } {
  const exact = haloFor(receptiveFields(net.manifest, layers));
  const before = Math.max(...exact.before);
  const after = Math.max(...exact.after);
  const align = Math.max(...exact.align);
  const approx = memory.exactHalo ? undefined : APPROXIMATE_HALOS[net.manifest.id];
  if (!approx || (approx.before >= before && approx.after >= after)) {
    return { before, after, align, approximate: false };
  }
  return {
    before: Math.min(before, approx.before),
    after: Math.min(after, approx.after),
    align,
    approximate: true,
  };
}

/**
 * The memory plan of one `height` x `width` pass over `layers` (default: the recipe's), with
 * the network's approximate halo where it has one. Undefined when nothing was measured for
 * this network (then the run is untiled, as before). Throws RangeError when not even the
 * smallest tile fits. The one planner of every face: stylize() calls it per scale, the CLI and
 * the studio's worker through stylize(), and the studio's size check at the full size.
 */
export function planRunTiles(
  net: Pick<Net, "manifest">,
  recipe: Pick<Recipe, "layers"> & Partial<Pick<Recipe, "optimizer" | "param" | "transforms">>,
  size: { height: number; width: number },
  memory: MemoryBudget,
  layers?: readonly string[],
): TilePlan | undefined {
  // Untiled without asking for a halo that a network which cannot tile does not have.
  if (!mayTile(net, memory)) return undefined;
  const content = layers ? [] : recipe.layers.content.map((l) => l.layer);
  const used = layers ?? runLayers(recipe);
  const { approximate, align, ...halo } = planHalo(net, used, memory);
  // Recorded in the plan and, for tiled scales, in the run record's scales.
  const approximateHalo = approximate ? { approximateHalo: true } : {};
  if (memory.tile !== undefined) {
    const tile = Math.max(align, Math.floor(memory.tile / align) * align);
    const long = Math.max(size.height, size.width);
    const host = memory.hostVectors && long > tile && recipe.optimizer?.kind === "lbfgs" &&
      (recipe.param?.kind ?? "pixel") === "pixel";
    return {
      ...(host ? { hostVectors: true } : {}),
      tiled: long > tile,
      tile: long > tile ? tile : long,
      tiles: long > tile ? Math.ceil(size.height / tile) * Math.ceil(size.width / tile) : 1,
      crop: Math.min(long, tile + halo.before + align - 1 + halo.after),
      align,
      halo,
      peakBytes: NaN,
      ...approximateHalo,
    };
  }
  const measured = costOf(net, memory);
  if (!measured) return undefined;
  const cropFits = dispatchChecked(net, memory);
  // Fixed views hold every view's pass on the gradient tape at once (features.ts).
  const views = fixedViews(recipe.transforms) ?? 1;
  const cost = { ...measured, bytesPerPixel: measured.bytesPerPixel * views };
  const plan = (vectors: number, wholeImageBytesPerPixel?: number): TilePlan => ({
    ...planTiles(net, size, {
      wholeImageBytesPerPixel,
      memoryBytes: memory.bytes,
      cost,
      layers: used,
      contentLayers: content,
      halo,
      cropFits,
      optimizerVectors: vectors,
    }),
    ...approximateHalo,
  });
  // A painting's Grams (`layers` given) are computed before the optimiser starts.
  const optimizer = recipe.optimizer;
  if (layers || !optimizer) return plan(0);
  if (optimizer.kind !== "lbfgs") return plan(optimizerVectors(optimizer));
  // A core narrower than its halo spends most of each crop on the halo (Darknet-tiny: a
  // 112 px core reads a 245 px crop).
  const roomy = (p: TilePlan) => !p.tiled || p.tile >= p.halo.before + p.halo.after;
  if ((memory.backend ?? "wasm") === "wasm") {
    // On WASM the heap (1.5 GiB in the studio) is the limit, not the machine: when the recipe's
    // history does not fit roomily, keep it in JS memory (lbfgs.ts hostHistory) with the
    // recipe's m and only the 4 working vectors on the device, if that runs untiled; else keep
    // every vector in JS memory (createHostLbfgs(), a pixel parameterisation's windows uploaded
    // per tile: HOST_RUN_BYTES_PER_PIXEL), which leaves the largest tiles; else host history
    // (a Fourier parameterisation mixes the whole image). All three take the same iterates on
    // WASM (vectors.ts). When none fits, no shorter device history does (4 + 2m > 4 vectors):
    // host history's error names the least memory.
    const attempt = (f: () => TilePlan) => {
      try {
        return f();
      } catch {
        return undefined;
      }
    };
    const device = attempt(() => plan(optimizerVectors(optimizer)));
    if (device && roomy(device)) return device;
    const hostHistory = () => ({
      ...plan(optimizerVectors({ ...optimizer, hostHistory: true })),
      hostHistory: true,
    });
    const history = attempt(hostHistory);
    if (history && !history.tiled) return history;
    if ((recipe.param?.kind ?? "pixel") === "pixel") {
      const host = attempt(() => plan(0, HOST_RUN_BYTES_PER_PIXEL));
      if (host?.tiled) return { ...host, hostVectors: true };
    }
    return history ?? hostHistory();
  }
  // L-BFGS's history is 2m whole-image vectors: 2.7 GB at 4096x2731 px with m = 10, more than
  // WASM holds. Keep the recipe's m while a tile at least as wide as its halo fits; else
  // the largest smaller m that does (fewer pairs, slower convergence, but a run); else the
  // largest m with any tile. The run record's scales say which m ran.
  let fallback: TilePlan | undefined;
  for (let m = optimizer.history; m >= 1; m--) {
    let p: TilePlan;
    try {
      p = plan(optimizerVectors({ kind: "lbfgs", history: m }));
    } catch (e) {
      if (m === 1 && !fallback) throw e;
      continue;
    }
    const withHistory = m < optimizer.history ? { ...p, history: m } : p;
    // A shorter history costs less than tiles narrower than their halo.
    if (roomy(p)) return withHistory;
    fallback ??= withHistory;
  }
  return fallback!;
}

/** The grid of a plan over `layers`: the plan's (possibly approximate) halo, the exact alignment. */
export function gridOf(net: Net, plan: TilePlan, height: number, width: number, layers: string[]) {
  const exact = haloFor(receptiveFields(net.manifest, layers));
  const halo: Halo = {
    before: [plan.halo.before, plan.halo.before],
    after: [plan.halo.after, plan.halo.after],
    align: exact.align,
  };
  return tileGrid(height, width, { tile: plan.tile, halo });
}

/** One tiled evaluation's result, in the shape the run loop's closure reports. */
export interface TiledEvaluation {
  loss: number;
  grad: tf.Tensor1D;
  terms: Record<string, number>;
}

/** The tiled objective of one scale; owns its targets. */
export interface TiledRunObjective {
  grid: TileGrid;
  /** A closure over `param`'s flat vector for the run loop. */
  evaluator(param: Parameterization): (flat: tf.Tensor1D) => Promise<TiledEvaluation>;
  /**
   * The same over a pixel parameterisation's flat vector held in JS memory, with the gradient
   * returned there (the plan's hostVectors: loop.ts hostEvaluator).
   */
  hostEvaluator(param: Parameterization): (flat: Float32Array) => Promise<
    Omit<TiledEvaluation, "grad"> & { grad: Float32Array }
  >;
  dispose(): void;
}

/** Options of createTiledRunObjective(). */
export interface TiledRunOptions {
  /** This scale's plan (tiled). */
  plan: TilePlan;
  /** For the paintings' own plans. */
  memory: MemoryBudget;
  signal?: AbortSignal;
  onTile?: (progress: TileProgress) => void;
}

/**
 * The objective of `recipe` over `images` at one scale, tile by tile. Throws RangeError naming
 * the option when the recipe cannot be tiled (tilingRefusal()). The caller disposes it.
 */
export async function createTiledRunObjective(
  net: Net,
  images: RunImages,
  recipe: Recipe,
  options: TiledRunOptions,
): Promise<TiledRunObjective> {
  assertTileable(recipe);
  const [, height, width] = images.content.shape;
  const contentLayers = recipe.layers.content.map((l) => l.layer);
  const styleLayers = recipe.layers.style.map((l) => l.layer);
  const allLayers = runLayers(recipe);
  const forward: ForwardOptions = { antialias: false, pooling: recipe.net.pooling };
  const shift = recipe.style?.shift;
  const jumps = receptiveFields(net.manifest, allLayers);
  const grid = gridOf(net, options.plan, height, width, allLayers);
  let contentTargets: TileTargets = [];
  const perStyle: GramMap[] = [];
  let styleGrams: GramMap = {};
  try {
    if (contentLayers.length) {
      contentTargets = await tileTargets(net, images.content, {
        grid,
        layers: contentLayers,
        jumps,
        forward,
      });
    }
    for (const painting of images.styles) {
      const s = atLeastMinSize(painting);
      const [, sh, sw] = s.shape;
      const plan = planRunTiles(
        net,
        recipe,
        { height: sh, width: sw },
        options.memory,
        styleLayers,
      );
      if (plan?.tiled) {
        const g = gridOf(net, plan, sh, sw, styleLayers);
        perStyle.push(
          tiledGrams(net, s, { grid: g, layers: styleLayers, jumps, forward, shift }),
        );
      } else {
        // One layer at a time, as createRunObjective() does: one layer's features live.
        const grams: GramMap = {};
        for (const layer of styleLayers) {
          grams[layer] = tf.tidy(() =>
            gram(shiftFeatures(net.forward(s, [layer], forward)[layer], shift))
          );
        }
        perStyle.push(grams);
      }
      if (s !== painting) s.dispose();
    }
    styleGrams = blendGrams(perStyle, { weights: recipe.styles.map((s) => s.weight) });
  } catch (e) {
    tf.dispose(Object.values(styleGrams));
    throw e;
  } finally {
    for (const g of perStyle) tf.dispose(Object.values(g));
  }
  const count = grid.tiles.length;
  const closureOptions = (onValue: (v: TiledValue) => void) => ({
    contentTargets,
    styleGrams,
    contentLayers: recipe.layers.content,
    styleLayers: recipe.layers.style,
    weights: recipe.weights,
    tvOrder: recipe.tvOrder,
    grid,
    forward,
    styleShift: shift,
    signal: options.signal,
    onTile: options.onTile &&
      ((pass: 1 | 2, index: number) => options.onTile!({ pass, index, count })),
    onValue,
  });
  return {
    grid,
    evaluator(param) {
      let terms: Record<string, number> = {};
      const closure: Closure = tiledClosure(
        net,
        param,
        closureOptions((v) => (terms = { ...v.terms })),
      );
      return async (flat) => {
        const { loss, grad } = await closure(flat);
        return { loss, grad, terms };
      };
    },
    hostEvaluator(param) {
      if (recipe.param.kind !== "pixel") {
        throw new RangeError(
          `Host vectors need a pixel parameterisation, not "${recipe.param.kind}"`,
        );
      }
      let terms: Record<string, number> = {};
      const closure = hostTiledClosure(net, param, {
        ...closureOptions((v) => (terms = { ...v.terms })),
        decorrelate: recipe.param.decorrelate,
      });
      return async (flat) => {
        const { loss, grad } = await closure(flat);
        return { loss, grad, terms };
      };
    },
    dispose: () => tf.dispose(Object.values(styleGrams)),
  };
}
