/**
 * Running a network tile by tile: each tile's crop goes through the net, and only the features
 * of its core are kept. With the halo of haloFor() and crops aligned to the deepest jump those
 * core features equal the whole image's (receptive_field.ts says why), so every per-pixel sum
 * over the image (a Gram matrix, a content MSE) is a sum over tiles.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type FeatureMap, gram, type GramMap, shiftFeatures } from "../losses/mod.ts";
import type { ForwardOptions, Net } from "../nets/net.ts";
import type { Span, Tile, TileGrid } from "./grid.ts";
import type { Pair } from "./receptive_field.ts";

/** Jumps of the layers a tiled pass reads, by layer name (from receptiveFields()). */
export type Jumps = Record<string, { jump: Pair }>;

/** The features a tile's core owns at one layer, in crop-local and in global feature rows. */
export interface CoreWindow {
  /** Feature span of the core, per axis, relative to the crop's feature map. */
  local: [Span, Span];
  /** The same span in the whole image's feature map. */
  global: [Span, Span];
}

/** Which features of a crop's map of shape [1, h, w, c] at a layer of `jump` the core owns. */
export function coreWindow(tile: Tile, grid: TileGrid, jump: Pair, shape: number[]): CoreWindow {
  const local: [Span, Span] = [{ start: 0, end: 0 }, { start: 0, end: 0 }];
  const global: [Span, Span] = [{ start: 0, end: 0 }, { start: 0, end: 0 }];
  const n: Pair = [grid.height, grid.width];
  for (const a of [0, 1] as const) {
    const { core, crop } = { core: tile.core[a], crop: tile.crop[a] };
    const j = jump[a];
    // Cores start on multiples of every jump; a core that ends at the image border owns the
    // last (possibly partial-window) features, as many as the crop's map has.
    local[a].start = (core.start - crop.start) / j;
    local[a].end = core.end === n[a] ? shape[a + 1] : (core.end - crop.start) / j;
    global[a].start = core.start / j;
    global[a].end = global[a].start + local[a].end - local[a].start;
  }
  return { local, global };
}

/** Slices a [1, h, w, c] map to a window. Caller disposes. */
export function sliceWindow(map: tf.Tensor4D, w: [Span, Span]): tf.Tensor4D {
  const [r, c] = w;
  return tf.slice(map, [0, r.start, c.start, 0], [1, r.end - r.start, c.end - c.start, -1]);
}

/** The crop of `image` a tile reads. Caller disposes. */
export function cropOf(image: tf.Tensor4D, tile: Tile): tf.Tensor4D {
  return sliceWindow(image, tile.crop);
}

/**
 * What a tiled pass reads: the grid, the layers and their jumps, and the forward options (a
 * recipe's pooling; anti-aliasing changes the receptive field, so tiled runs refuse it).
 */
export interface TiledPassOptions {
  grid: TileGrid;
  layers: readonly string[];
  jumps: Jumps;
  forward?: ForwardOptions;
}

/** Core features of one tile's forward pass, by layer, with their windows. Caller disposes. */
export function coreFeatures(
  net: Net,
  crop: tf.Tensor4D,
  tile: Tile,
  options: TiledPassOptions,
): { features: FeatureMap; windows: Record<string, CoreWindow> } {
  const windows: Record<string, CoreWindow> = {};
  const features = tf.tidy(() => {
    // A convolution whose "same" padding depends on the input's size pads as in the whole image.
    const all = net.forward(crop, options.layers, {
      ...options.forward,
      sameAs: [options.grid.height, options.grid.width],
    });
    const out: FeatureMap = {};
    for (const layer of options.layers) {
      const w = coreWindow(tile, options.grid, options.jumps[layer].jump, all[layer].shape);
      windows[layer] = w;
      out[layer] = sliceWindow(all[layer], w.local);
    }
    return out;
  });
  return { features, windows };
}

/**
 * The whole image's features at `layers`, computed tile by tile and assembled (for content
 * targets of an image too large for one pass). Equal to net.forward(image, layers) up to float
 * rounding. Caller disposes.
 */
export function tiledFeatures(
  net: Net,
  image: tf.Tensor4D,
  options: TiledPassOptions,
): FeatureMap {
  const rows = new Map<number, FeatureMap[]>();
  for (const tile of options.grid.tiles) {
    const crop = cropOf(image, tile);
    const { features } = coreFeatures(net, crop, tile, options);
    crop.dispose();
    const row = rows.get(tile.index[0]) ?? [];
    row.push(features);
    rows.set(tile.index[0], row);
  }
  return tf.tidy(() => {
    const out: FeatureMap = {};
    for (const layer of options.layers) {
      const bands = [...rows.values()].map((row) => {
        const parts = row.map((f) => f[layer]);
        return parts.length === 1 ? tf.clone(parts[0]) : tf.concat(parts, 2);
      });
      out[layer] = bands.length === 1 ? bands[0] : tf.concat(bands, 1);
    }
    for (const row of rows.values()) for (const f of row) tf.dispose(Object.values(f));
    return out;
  });
}

/** Features held outside tfjs: a [1, h, w, c] map's values and shape. */
export interface HeldFeatures {
  values: Float32Array;
  shape: [number, number, number, number];
}

/**
 * Content targets of a tiled objective: for each tile of the grid (same order), its core's
 * features at each layer, held as plain arrays outside tfjs and uploaded one tile at a time
 * (issue 14). A full-size target at Darknet-tiny's conv8 is 16 B/px (67 MB at 2048 px), at
 * ResNet-50's res3d 32 B/px; held here it costs the backend's memory (WASM's 4 GB heap, a
 * GPU's) only one tile's worth. The values are tiledFeatures()'s, cut at the cores.
 */
export type TileTargets = Record<string, HeldFeatures>[];

/**
 * The content targets of `image` per tile (see TileTargets); nothing is left in tfjs. Async:
 * the values are read back with data(), which every backend supports without blocking.
 */
export async function tileTargets(
  net: Net,
  image: tf.Tensor4D,
  options: TiledPassOptions,
): Promise<TileTargets> {
  const out: TileTargets = [];
  for (const tile of options.grid.tiles) {
    const crop = cropOf(image, tile);
    const { features } = coreFeatures(net, crop, tile, options);
    crop.dispose();
    const held: Record<string, HeldFeatures> = {};
    try {
      for (const layer of options.layers) {
        const f = features[layer];
        held[layer] = { values: (await f.data()) as Float32Array, shape: f.shape };
      }
    } finally {
      tf.dispose(Object.values(features));
    }
    out.push(held);
  }
  return out;
}

/**
 * The whole image's Gram matrices at `layers`, accumulated tile by tile (a painting too large
 * for one pass): G = Σ_t N_t·gram(F_t) / N, where N_t is the tile's core feature count and N
 * the image's, so only one tile's features live at a time. Equal to gram(net.forward(image))
 * up to float rounding; with `shift`, the Grams of the features plus it (shiftFeatures()).
 * Caller disposes.
 */
export function tiledGrams(
  net: Net,
  image: tf.Tensor4D,
  options: TiledPassOptions & { shift?: number },
): GramMap {
  const sums: GramMap = {};
  const counts: Record<string, number> = {};
  try {
    for (const tile of options.grid.tiles) {
      const crop = cropOf(image, tile);
      const { features } = coreFeatures(net, crop, tile, options);
      crop.dispose();
      tf.tidy(() => {
        for (const layer of options.layers) {
          const f = features[layer];
          const nt = f.shape[1] * f.shape[2];
          counts[layer] = (counts[layer] ?? 0) + nt;
          const sum = tf.mul(gram(shiftFeatures(f, options.shift)), nt) as tf.Tensor2D;
          const old = sums[layer];
          sums[layer] = tf.keep(old ? tf.add(old, sum) : sum);
          old?.dispose();
        }
      });
      tf.dispose(Object.values(features));
    }
    return tf.tidy(() => {
      const out: GramMap = {};
      for (const layer of options.layers) out[layer] = tf.div(sums[layer], counts[layer]);
      return out;
    });
  } finally {
    tf.dispose(Object.values(sums));
  }
}
