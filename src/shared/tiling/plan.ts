/**
 * The memory planner: whether one pass over the whole image fits the device, and if not, the
 * largest tile that does. Peak memory is modelled as linear in the pixels a pass reads,
 * `fixed + perPixel·pixels`, with both constants measured per network and backend (tf.profile's
 * peak bytes of a forward + backward pass at two sizes, `deno task bench:large --costs`). A tiled run
 * also keeps whole-image buffers (WHOLE_IMAGE_BYTES_PER_PIXEL, the content targets' share, the
 * optimiser's vectors).
 */
import type { ModelManifest } from "../nets/manifest.ts";
import { ARCH_DEFAULTS } from "../presets.ts";
import { haloFor, receptiveFields } from "./receptive_field.ts";

/** Peak bytes of one forward + backward pass over `pixels` input pixels: fixed + perPixel·pixels. */
export interface PixelCost {
  fixedBytes: number;
  bytesPerPixel: number;
}

/**
 * Measured on the 2-core reference machine (fifth session: fused conv kernels, JS pool gradients,
 * fewer temporaries; tfjs 4.22, WASM, default layers), tf.profile peak bytes above the loaded net
 * of tf.grad(Σ features²) at 128 and 256 px (`deno task bench:large --costs`,
 * bench/large_costs.md; two runs agreed to the byte): darknet-tiny 28,528,732 B and 104,003,356 B,
 * so 75,474,624 B / (65536 - 16384) px = 1536 B/px and 28,528,732 - 1536·16384 = 3.4 MB fixed;
 * resnet50 127,861,856 B and 244,865,820 B: 117,003,964 / 49152 = 2380 B/px and 88.9 MB fixed
 * (mostly the flipped kernels that the first backward pass makes and keeps, 93.9 MB). After a
 * 128 px pass (--cost-sizes 128,256,384,512) the same fit gives 1536 and 2302 B/px at 256/384 px
 * and 1536 and 2301 at 384/512: linear for Darknet-tiny; for ResNet-50 the 128/256 px slope
 * over-states larger crops (713 MB modelled at 512 px against 697 measured).
 *
 * ResNet-50's fixed part is not the measured one: the proxy under-states a real tiled run. The last
 * tile of pass 1 (the whole loss and its gradient, tiled_objective.ts) peaks holding 13 copies of
 * every style layer's Gram (a snapshot of the live tensors there), 13 · 22.3 MB, which tf.grad(Σ
 * features²) never makes (Darknet-tiny's are 13 · 1.4 MB). Exact peaks of whole runs above the
 * loaded net (scripts/bench_run_memory.ts --net resnet50 --content astronaut.png --sizes 384
 * --histories 10 --iterations 2, --budget 445 and 485): 421.2 MB in 32 px tiles (255 px crops) and
 * 433.7 MB in 64 px tiles, where 88.9 MB + 2380 B/px and the run's 48 B/px model 250.7 and 292.0
 * MB: up to 170.5 MB short. So the fixed part is 280 MB, the measured 88.9 plus 191.1 MB, that
 * shortfall and about 5% of that peak; those runs then model 441.8 and 483.1 MB. Darknet-tiny's
 * measured figures hold: every run measured peaked below its plan, untiled at 128 to 768 px and
 * tiled under a budget in 16 to 400 px tiles (in 16 px tiles at 384 px, --budget 45: 38.0 MB
 * against 44.6 modelled). (Before: 1694 B/px + 3.4 MB and 4411 B/px + 95.1 MB; before that 1993
 * B/px + 4.5 MB and 6287 B/px + 126.4 MB.)
 *
 * MobileNet-v1 (thirteenth session, same command, 2026-12-04): 33,927,164 B and 124,809,212 B at
 * 128 and 256 px, so 1849 B/px and 3.6 MB fixed; at 256 and 512 px the same 1849 B/px (linear).
 * Its stride-2 convolutions pad by their input's parity, which tiled passes take from the whole
 * image (ForwardOptions.sameAs), so it tiles exactly like Darknet-tiny.
 */
export const MEASURED_COSTS: Record<string, Record<string, PixelCost>> = {
  "darknet-tiny": { wasm: { fixedBytes: 3.4e6, bytesPerPixel: 1536 } },
  resnet50: { wasm: { fixedBytes: 280e6, bytesPerPixel: 2380 } },
  "mobilenet-v1": { wasm: { fixedBytes: 3.6e6, bytesPerPixel: 1849 } },
};

/**
 * Halos narrower than the exact one, for networks whose exact halo makes crops impractical:
 * ResNet-50's is 241 px before and 210 px after a core (res5c). At 768x511 and 1024x681 px in
 * 512 and 384 px tiles (bench/large_halo.md) 96 px leaves at most 5e-5 relative loss error and
 * 2.3% relative L2 gradient error (at 256 px in 128 px tiles, the test's case, 1.1e-4 and
 * 4.4%), and an evaluation takes 1.4x to 1.6x the untiled one's time in two tiles, 2.0x to 2.8x
 * in four to six (exact halo: 1.7x to 4.1x; issue 14's target is 1.6x): a tiled ResNet-50 run is
 * close to, not equal to, the untiled objective. planHalo() (tiled_run.ts) narrows a halo to
 * this, never widens it.
 */
export const APPROXIMATE_HALOS: Record<string, { before: number; after: number }> = {
  resnet50: { before: 96, after: 96 },
};

/**
 * Whole-image float32 RGB buffers a tiled run holds besides its tile and the optimiser: 8 of
 * 12 B/px. Derived when the evaluation kept the image, the gradient and TV's temporaries (about
 * six); since TV and the content targets are tiled (tiled_tv.ts, tileTargets()) the evaluation
 * itself makes only the gradient, but a run sampled between tiles still keeps more than this
 * model counts (scripts/bench_run_memory.ts: 219 B/px at m = 1 against 184 modelled, Darknet-tiny
 * at 384 px), so the figure stands until it is re-derived from that measurement.
 */
export const WHOLE_IMAGE_BYTES_PER_PIXEL = 8 * 12;

/**
 * Whole-image bytes per pixel left in the backend when every L-BFGS vector is in JS memory
 * (createHostLbfgs() over hostTiledClosure(), issue 14): the evaluation uploads one window at a
 * time and keeps its gradient and content targets outside tfjs, the loop keeps its points
 * outside, so what is left are four float32 RGB images of the content: the face's decoded photo,
 * the colour-prepared photo (render.ts prepareColour()), the scale's photo and the scale's start
 * (an enlarged coarser result), 4·12 B/px. The paintings, resized for the scale, are freed once
 * their Grams are computed, before the optimiser starts.
 */
export const HOST_RUN_BYTES_PER_PIXEL = 4 * 12;

/**
 * Output pixels of a convolution per WebGPU workgroup row. tfjs-backend-webgpu 4.22 runs a
 * convolution as a matrix product with the output pixels along one dispatch dimension, 32 to a
 * workgroup, and a dispatch dimension holds at most the device's maxComputeWorkgroupsPerDimension
 * workgroups (65,535 by default), or tfjs throws "Dispatch size exceeds WebGPU limits in Y or Z
 * dimension". Measured 2026-12-04 on an NVIDIA H200 (Deno's WebGPU) and on lavapipe:
 * Darknet-tiny's full-resolution conv1 ran at 1448x1448 and 1024x2047 px (2,096,704 and
 * 2,096,128 pixels) and failed at 1449x1448 and 1025x2047 (2,098,152 and 2,098,175), forward
 * and gradient alike: the limit is 65,535 · 32 = 2,097,120 pixels. ResNet-50 and MobileNet-v1,
 * whose first convolution has stride 2, ran at 2048x1362.
 */
export const WEBGPU_CONV_PIXELS_PER_WORKGROUP = 32;

/** Most output pixels a convolution may have on WebGPU with this many workgroups a dimension. */
export function webgpuMaxConvPixels(workgroupsPerDimension = 65535): number {
  return workgroupsPerDimension * WEBGPU_CONV_PIXELS_PER_WORKGROUP;
}

/**
 * The most pixels a feature map of `layers` has at height x width: at the finest stride, the
 * network's first convolution (Darknet-tiny's conv1: the image's own size).
 */
export function finestMapPixels(
  layers: readonly { kind?: string; stride: number }[],
  height: number,
  width: number,
): number {
  const strides = layers.filter((l) => l.kind !== "logits").map((l) => l.stride);
  const s = Math.min(...strides);
  return Math.ceil(height / s) * Math.ceil(width / s);
}

/** Options of planTiles(). */
export interface PlanTilesOptions {
  /** Memory the backend can use, bytes (DeviceLimits.memoryBytes). */
  memoryBytes: number;
  /** Measured cost of this network on this backend (see MEASURED_COSTS). */
  cost: PixelCost;
  /** Layers the objective reads (default: the architecture's default content + style layers). */
  layers?: readonly string[];
  /** Content layers among them, kept at full size as targets (default: the architecture's). */
  contentLayers?: readonly string[];
  /**
   * A narrower halo than the exact one (before/after, px), for networks whose exact halo makes
   * crops huge (ResNet-50: 241/210 px). Then the objective is approximate: for ResNet-50 at
   * 768x511 px in 512 and 384 px tiles (bench/large_halo.md), relative loss error and relative
   * L2 gradient error are at most 3.5e-5 and 1.5% with 128 px, 5e-5 and 2.3% with 96 px, 4e-5
   * and 3.3% with 64 px, 1.4e-4 and 4.5% with 48 px. Pass the same halo to tileGrid().
   */
  halo?: { before: number; after: number };
  /** Extra per-crop check (a GPU's texture or buffer limit): whether a crop side fits. */
  cropFits?: (side: number) => boolean;
  /**
   * Whole-image bytes per pixel a tiled run keeps in the backend besides the optimiser's vectors
   * (default: WHOLE_IMAGE_BYTES_PER_PIXEL plus the content targets; HOST_RUN_BYTES_PER_PIXEL
   * when every vector is in JS memory).
   */
  wholeImageBytesPerPixel?: number;
  /**
   * Whole-image float32 RGB vectors the optimiser keeps, tiled or not (optimizerVectors()):
   * at 4096x2731 px each is 134 MB, and L-BFGS's history of m pairs is 2m of them. Default 0.
   */
  optimizerVectors?: number;
}

/**
 * Whole-image vectors an optimiser keeps in the backend's memory between evaluations
 * (lbfgs.ts): L-BFGS the point, its gradient, the search direction and the line search's trial
 * point, plus s and y of each of its `history` pairs unless `hostHistory` keeps those in JS
 * memory; Adam the point and its two moments.
 */
export function optimizerVectors(
  optimizer: { kind: "lbfgs"; history: number; hostHistory?: boolean } | { kind: "adam" },
): number {
  if (optimizer.kind === "adam") return 3;
  return 4 + (optimizer.hostHistory ? 0 : 2 * optimizer.history);
}

/** What planTiles() decided. */
export interface TilePlan {
  /** false: one untiled pass fits. */
  tiled: boolean;
  /** Core side (a multiple of `align`), or the long side when untiled. */
  tile: number;
  /** Number of tiles (1 when untiled). */
  tiles: number;
  /** Side of the largest crop the network reads (tile + halo). */
  crop: number;
  /** Crop alignment (the deepest layer's jump) and halo of the layers used. */
  align: number;
  halo: { before: number; after: number };
  /** Modelled peak bytes of one evaluation, with the optimiser's vectors. */
  peakBytes: number;
  /**
   * planRunTiles(): the L-BFGS history this scale runs with, when smaller than the recipe's
   * so that the run fits (recorded in the run record's scales).
   */
  history?: number;
  /**
   * planRunTiles(): true when `halo` is the network's approximate halo (APPROXIMATE_HALOS),
   * narrower than the exact one: the tiled objective is close to, not equal to, the untiled one
   * (recorded in the run record's scales as `halo`).
   */
  approximateHalo?: boolean;
  /**
   * planRunTiles(): true when this scale keeps its L-BFGS history in JS memory (lbfgs.ts
   * hostHistory) because the device history does not fit (recorded in the run record's scales).
   */
  hostHistory?: boolean;
  /**
   * planRunTiles(): true when this scale keeps every L-BFGS vector in JS memory
   * (createHostLbfgs() over hostTiledClosure(), on WASM when not even host history fits
   * roomily; recorded in the run record's scales).
   */
  hostVectors?: boolean;
}

/**
 * Picks untiled evaluation when it fits `memoryBytes`, else the largest tile whose crop fits.
 * Throws a RangeError when not even the smallest tile fits.
 */
export function planTiles(
  net: { manifest: ModelManifest },
  size: { height: number; width: number },
  options: PlanTilesOptions,
): TilePlan {
  const { manifest } = net;
  const d = ARCH_DEFAULTS[manifest.architecture];
  const content = options.contentLayers ?? d?.layers.content.map((l) => l.layer) ?? [];
  const layers = options.layers ??
    [...new Set([...content, ...(d?.layers.style.map((l) => l.layer) ?? [])])];
  if (layers.length === 0) {
    throw new RangeError(`planTiles(): no layers given and no defaults for ${manifest.id}`);
  }
  const halo = haloFor(receptiveFields(manifest, layers));
  // Square grids: the larger of the two axes' figures.
  const align = Math.max(...halo.align);
  const before = options.halo?.before ?? Math.max(...halo.before);
  const after = options.halo?.after ?? Math.max(...halo.after);
  const { height, width } = size;
  const { fixedBytes, bytesPerPixel } = options.cost;
  const long = Math.max(height, width);
  const fits = (side: number) => options.cropFits?.(side) ?? true;

  const optimizerBytes = 12 * (options.optimizerVectors ?? 0) * height * width;
  const untiled = fixedBytes + bytesPerPixel * height * width + optimizerBytes;
  if (untiled <= options.memoryBytes && fits(long)) {
    return {
      tiled: false,
      tile: long,
      tiles: 1,
      crop: long,
      align,
      halo: { before, after },
      peakBytes: untiled,
    };
  }
  // Full-size content targets: c/j² floats per image pixel at each content layer (tiled runs
  // now hold them outside tfjs, tileTargets(); still counted, see WHOLE_IMAGE_BYTES_PER_PIXEL).
  const targetBytesPerPixel = content.reduce((sum, name) => {
    const l = manifest.layers.find((x) => x.name === name);
    return sum + (l ? 4 * l.channels / (l.stride * l.stride) : 0);
  }, 0);
  const whole = (options.wholeImageBytesPerPixel ??
        (WHOLE_IMAGE_BYTES_PER_PIXEL + targetBytesPerPixel)) * height * width +
    optimizerBytes;
  // A crop starts up to align - 1 px before core - before (rounded down to the alignment).
  const cropOf = (t: number) => Math.min(long, t + before + align - 1 + after);
  for (let t = Math.floor(long / align) * align; t >= align; t -= align) {
    const crop = cropOf(t);
    const peak = fixedBytes + bytesPerPixel * crop * crop + whole;
    if (peak <= options.memoryBytes && fits(crop)) {
      return {
        tiled: true,
        tile: t,
        tiles: Math.ceil(height / t) * Math.ceil(width / t),
        crop,
        align,
        halo: { before, after },
        peakBytes: peak,
      };
    }
  }
  const mb = (n: number) => `${Math.ceil(n / 2 ** 20)} MB`;
  const least = fixedBytes + bytesPerPixel * cropOf(align) ** 2 + whole;
  throw new RangeError(
    `${width}x${height} with ${manifest.id} needs at least ${mb(least)} even in ${align} px ` +
      `tiles, more than the ${mb(options.memoryBytes)} available: pick a smaller size`,
  );
}
