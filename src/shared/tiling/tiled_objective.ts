/**
 * The exact style-transfer objective of buildStyleObjective() (content MSE + Gram style loss +
 * TV), its value and its image gradient, evaluated tile by tile in bounded memory (issue 14;
 * Galerne et al., "Scaling Painting Style Transfer", 2022). The Gram of the whole image depends
 * on the tiles only through sums, G = Σ_t N_t·gram(F_t) / N, so:
 *
 * 1. pass 1, forward only: accumulate every style layer's G and the content sums over the
 *    tiles' cores, which gives the loss;
 * 2. pass 2, forward + backward per tile: with D = ∂L/∂G from the global G, the tile's share
 *    of the loss gradient is the gradient of the surrogate Σ (N_t/N)·gram(F_t) ⊙ D (plus the
 *    tile's content terms), taken with respect to the whole crop, halo included. Each core
 *    feature belongs to exactly one tile, so the crops' gradients add up to the exact one where
 *    halos overlap.
 *
 * The last tile's forward runs once, not twice: its pass-1 forward is the forward of its pass-2
 * gradient, taken of the whole loss with the other tiles' sums held constant. So n tiles cost
 * n - 1 forward passes and n forward + backward passes, and one tile costs what an untiled
 * evaluation of its crop does.
 *
 * TV is local and is summed tile by tile in the same passes (tiled_tv.ts), and the content
 * targets can be held per tile outside tfjs (tileTargets()), so no image-sized temporary lives
 * in the backend besides the image and the gradient.
 *
 * Transforms and SWAG are not tiled: they mix the whole image before the network sees it.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  contentLoss,
  type FeatureMap,
  gram,
  type GramMap,
  gramPullback,
  shiftFeatures,
  styleLoss,
  type StyleObjectiveOptions,
} from "../losses/mod.ts";
import type { ForwardOptions, Net } from "../nets/net.ts";
import type { Span, TileGrid } from "./grid.ts";
import { receptiveFields } from "./receptive_field.ts";
import {
  coreFeatures,
  type CoreWindow,
  type Jumps,
  sliceWindow,
  type TileTargets,
} from "./tiled_features.ts";
import { tileTv, tvBlock } from "./tiled_tv.ts";
import { checkTvOrder } from "../losses/tv.ts";

/**
 * Options of tiledValueAndGrad(): buildStyleObjective()'s with the Gram statistic (the one whose
 * global value is a sum over tiles of the same form), plus the tile grid.
 */
export interface TiledObjectiveOptions
  extends Omit<StyleObjectiveOptions, "styleGrams" | "style" | "contentTargets"> {
  styleGrams: GramMap;
  /**
   * The content features at the content layers: the whole image's map (tiledFeatures()), or
   * per tile of `grid`, held outside tfjs (tileTargets(): the backend holds one tile's).
   */
  contentTargets: FeatureMap | TileTargets;
  /** From tileGrid() with haloFor() of these layers (or a smaller, approximate halo). */
  grid: TileGrid;
  /** Called after each tile of each pass (progress: pass 1 or 2, tile index, tile count). */
  onTile?: (pass: 1 | 2, tile: number, tiles: number) => void;
  /** Checked before every tile; an aborted signal throws its reason and frees everything. */
  signal?: AbortSignal;
  /** Forward options of every tile's pass (a recipe's pooling). */
  forward?: ForwardOptions;
  /** The Gram statistic's activation shift (a Recipe's `style.shift`; shiftFeatures()). */
  styleShift?: number;
}

/** Value of the objective, each term weighted as buildStyleObjective() reports it. */
export interface TiledValue {
  total: number;
  terms: { content: number; style: number; tv: number };
}

/** Value and image gradient; the caller disposes `grad` ([1, h, w, 3]). */
export interface TiledValueAndGrad extends TiledValue {
  grad: tf.Tensor4D;
}

/** Value and image gradient in JS memory ([h, w, 3] row-major, as the image's NHWC values). */
export interface TiledValueAndHostGrad extends TiledValue {
  grad: Float32Array;
}

/**
 * The image a tiled evaluation reads: a [1, h, w, 3] tensor, or a source of its windows, e.g. an
 * image held in JS memory that uploads one crop at a time (tiled_closure.ts hostTiledClosure()),
 * so that no whole-image tensor lives in the backend.
 */
export type TiledImage = tf.Tensor4D | {
  height: number;
  width: number;
  /** The [1, rows, cols, 3] window at these spans, a new tensor (caller disposes). */
  window(at: [Span, Span]): tf.Tensor4D;
};

/** Adds `b` into `acc` (both kept across tidies); returns the new accumulator. */
function accumulate<T extends tf.Tensor>(acc: T | undefined, b: T): T {
  if (!acc) return tf.keep(b);
  const sum = tf.keep(tf.add(acc, b)) as T;
  acc.dispose();
  return sum;
}

/** Adds a [rows x cols x 3] block's values into the whole image's gradient (width `w`). */
function addInto(grad: Float32Array, data: ArrayLike<number>, block: [Span, Span], w: number) {
  const [rows, cols] = block;
  const cw = cols.end - cols.start;
  for (let y = rows.start; y < rows.end; y++) {
    const from = (y - rows.start) * cw * 3;
    const to = (y * w + cols.start) * 3;
    for (let k = 0; k < cw * 3; k++) grad[to + k] += data[from + k];
  }
}

/**
 * The Gatys objective of `image` ([1, h, w, 3]) and its gradient, tile by tile: equal to
 * tf.valueAndGrad of buildStyleObjective(options) on the whole image up to float rounding when
 * the grid's halo is haloFor() of the layers used.
 */
export async function tiledValueAndGrad(
  net: Net,
  image: tf.Tensor4D,
  options: TiledObjectiveOptions,
): Promise<TiledValueAndGrad> {
  const { grad, ...value } = await tiledValueAndHostGrad(net, image, options);
  return { ...value, grad: tf.tensor4d(grad, image.shape) };
}

/**
 * tiledValueAndGrad() with the gradient left in JS memory and the image read window by window:
 * the backend holds one tile's crop and its pass at a time, never a whole-image tensor.
 */
export async function tiledValueAndHostGrad(
  net: Net,
  image: TiledImage,
  options: TiledObjectiveOptions,
): Promise<TiledValueAndHostGrad> {
  const { grid, weights, contentTargets, styleGrams } = options;
  const [h, w] = image instanceof tf.Tensor
    ? [image.shape[1], image.shape[2]]
    : [image.height, image.width];
  const windowOf = (at: [Span, Span]) =>
    image instanceof tf.Tensor ? sliceWindow(image, at) : image.window(at);
  if (h !== grid.height || w !== grid.width) {
    throw new RangeError(
      `Image is ${w}x${h} but the tile grid is for ${grid.width}x${grid.height}`,
    );
  }
  const contentLayers = weights.content === 0 ? [] : options.contentLayers.filter((l) => l.weight);
  const styleLayers = weights.style === 0 ? [] : options.styleLayers.filter((l) => l.weight);
  const perTile = Array.isArray(contentTargets);
  if (perTile && contentLayers.length && contentTargets.length !== grid.tiles.length) {
    throw new RangeError(
      `Content targets are for ${contentTargets.length} tiles but the grid has ${grid.tiles.length}`,
    );
  }
  for (const { layer } of contentLayers) {
    if (!Object.hasOwn(perTile ? contentTargets[0] ?? {} : contentTargets, layer)) {
      throw new RangeError(
        `No content target for layer "${layer}": compute it with tileTargets() or tiledFeatures()`,
      );
    }
  }
  // Tile i's content target at `layer`, in the current tidy scope.
  const targetOf = (i: number, layer: string, window: CoreWindow): tf.Tensor4D => {
    if (!Array.isArray(contentTargets)) return sliceWindow(contentTargets[layer], window.global);
    const { values, shape } = contentTargets[i][layer];
    return tf.tensor4d(values, shape);
  };
  const tv = weights.tv !== 0;
  const tvOrder = options.tvOrder ?? 1;
  checkTvOrder(tvOrder);
  for (const { layer } of styleLayers) {
    if (!Object.hasOwn(styleGrams, layer)) {
      throw new RangeError(`No style Gram for layer "${layer}": compute it with styleTargets()`);
    }
  }
  const layers = [...new Set([...contentLayers, ...styleLayers].map((l) => l.layer))];
  const jumps: Jumps = layers.length ? receptiveFields(net.manifest, layers) : {};
  const forward = { grid, layers, jumps, forward: options.forward };
  const n = grid.tiles.length;

  // Pass 1: Σ_t N_t·gram(F_t) per style layer, Σ_t N_t·contentLoss(F_t, P_t) per content layer,
  // and the feature count N of every layer, over every tile but the last. The last tile's
  // forward is not run twice: its pass-1 forward is the forward of its pass-2 gradient, taken of
  // the whole loss with the other tiles' sums held constant (whose gradient with respect to the
  // last crop is its pass-2 gradient), which also completes G and gives the loss.
  const last = n - 1;
  const gramSums: Record<string, tf.Tensor2D> = {};
  const contentSums: Record<string, tf.Scalar> = {};
  const counts: Record<string, number> = {};
  const grams: GramMap = {};
  const dGram: GramMap = {};
  let tvSum: tf.Scalar | undefined;
  let terms: tf.Scalar[] = [];
  const grad = new Float32Array(h * w * 3);
  // Adds tile `tile`'s gradient of `objective` (of its core features) with respect to its crop.
  const addTileGradient = async (
    tile: TileGrid["tiles"][number],
    objective: (features: FeatureMap, windows: Record<string, CoreWindow>) => tf.Scalar,
  ) => {
    const crop = windowOf(tile.crop);
    const g = tf.tidy(() =>
      tf.grad((x) => {
        const { features, windows } = coreFeatures(net, x as tf.Tensor4D, tile, forward);
        return objective(features, windows);
      })(crop)
    );
    crop.dispose();
    const data = await g.data();
    g.dispose();
    addInto(grad, data, tile.crop, w);
  };
  // Tile i's terms weighted by its feature count N_t, which it adds to `counts`: N_t·gram(F_t)
  // per style layer, N_t·contentLoss(F_t, P_t) per content layer (in the current tidy scope).
  const weightedTerms = (
    i: number,
    features: FeatureMap,
    windows: Record<string, CoreWindow>,
  ) => {
    const count = (layer: string) => features[layer].shape[1] * features[layer].shape[2];
    for (const layer of layers) counts[layer] = (counts[layer] ?? 0) + count(layer);
    const gramTerms: Record<string, tf.Tensor2D> = {};
    const contentTerms: Record<string, tf.Scalar> = {};
    for (const { layer } of styleLayers) {
      // D = ∂L/∂G of a Gram against a (symmetric) Gram target is symmetric.
      const f = shiftFeatures(features[layer], options.styleShift);
      gramTerms[layer] = tf.mul(gram(f, { symmetricUpstream: true }), count(layer));
    }
    for (const { layer } of contentLayers) {
      const target = targetOf(i, layer, windows[layer]);
      contentTerms[layer] = tf.mul(contentLoss(features[layer], target), count(layer));
    }
    return { grams: gramTerms, contents: contentTerms };
  };
  // Frees pass 1's sums once the loss and D are known (and on failure).
  const freeSums = () => {
    tf.dispose([Object.values(gramSums), Object.values(contentSums), tvSum ?? [], terms]);
    for (const k of Object.keys(gramSums)) delete gramSums[k];
    for (const k of Object.keys(contentSums)) delete contentSums[k];
    tvSum = undefined;
    terms = [];
  };
  let content: number, style: number, tvValue: number;
  try {
    for (const [i, tile] of grid.tiles.entries()) {
      if (!layers.length && !tv) break;
      options.signal?.throwIfAborted();
      if (tv) {
        tvSum = tf.tidy(() => {
          const block = windowOf(tvBlock(tile, grid, tvOrder));
          return accumulate(tvSum, tileTv(block, tile, grid, tvOrder));
        });
      }
      if (i === last) continue;
      if (layers.length) {
        const crop = windowOf(tile.crop);
        const { features, windows } = coreFeatures(net, crop, tile, forward);
        tf.tidy(() => {
          const own = weightedTerms(i, features, windows);
          for (const [layer, g] of Object.entries(own.grams)) {
            gramSums[layer] = accumulate(gramSums[layer], g);
          }
          for (const [layer, c] of Object.entries(own.contents)) {
            contentSums[layer] = accumulate(contentSums[layer], c);
          }
        });
        tf.dispose([crop, Object.values(features)]);
      }
      options.onTile?.(1, i, n);
    }

    // The last tile: the whole loss (G_l = (Σ_{t<n} N_t·gram(F_t) + N_n·gram(F_n)) / N, the
    // content means likewise) and its gradient with respect to the last crop. G_l and the two
    // terms are kept for D_l and the value.
    if ((layers.length || tv) && n > 0) {
      options.signal?.throwIfAborted();
      if (layers.length) {
        await addTileGradient(grid.tiles[last], (features, windows) => {
          const own = weightedTerms(last, features, windows);
          const total = <T extends tf.Tensor>(sums: Record<string, T>, layer: string, t: T) =>
            tf.div(sums[layer] ? tf.add(sums[layer], t) : t, counts[layer]) as T;
          let c: tf.Scalar = tf.scalar(0);
          let s: tf.Scalar = tf.scalar(0);
          for (const { layer, weight } of contentLayers) {
            const mean = total(contentSums, layer, own.contents[layer]);
            c = tf.add(c, tf.mul(mean, weight * weights.content));
          }
          for (const { layer, weight } of styleLayers) {
            const g = total(gramSums, layer, own.grams[layer]);
            grams[layer] = tf.keep(g);
            s = tf.add(s, tf.mul(styleLoss(g, styleGrams[layer]), weight * weights.style));
          }
          terms = [tf.keep(c), tf.keep(s)];
          return tf.add(c, s);
        });
      }
      options.onTile?.(1, last, n);
    }

    // D_l = ∂L/∂G_l from styleLoss()'s own gradient (one definition of the loss), and the value.
    const value = tf.tidy(() => {
      for (const { layer, weight } of styleLayers) {
        const k = weight * weights.style;
        const target = styleGrams[layer];
        dGram[layer] = tf.keep(
          tf.grad((x) => tf.mul(styleLoss(x as tf.Tensor2D, target), k))(
            grams[layer],
          ) as tf.Tensor2D,
        );
      }
      const [c, s] = terms.length ? terms : [tf.scalar(0), tf.scalar(0)];
      const tvTerm = tvSum ? tf.mul(tvSum, weights.tv) : tf.scalar(0);
      return tf.stack([c, s, tvTerm]);
    });
    freeSums();
    [content, style, tvValue] = await value.data();
    value.dispose();

    // Pass 2: per tile but the last, the gradient of its surrogate with respect to its crop.
    for (const [i, tile] of grid.tiles.entries()) {
      if (!layers.length && !tv) break;
      options.signal?.throwIfAborted();
      if (tv) {
        // The tile's TV share, differentiated over its block only.
        const at = tvBlock(tile, grid, tvOrder);
        const block = windowOf(at);
        const g = tf.tidy(() =>
          tf.grad((x) => tf.mul(tileTv(x as tf.Tensor4D, tile, grid, tvOrder), weights.tv))(block)
        );
        block.dispose();
        const data = await g.data();
        g.dispose();
        addInto(grad, data, at, w);
      }
      if (layers.length && i !== last) {
        await addTileGradient(tile, (features, windows) => {
          let s: tf.Scalar = tf.scalar(0);
          for (const { layer } of styleLayers) {
            const f = features[layer];
            const share = f.shape[1] * f.shape[2] / counts[layer];
            // Only the gradient of Σ gram(F_t) ⊙ D counts here: gramPullback() makes no Gram.
            const shifted = shiftFeatures(f, options.styleShift);
            s = tf.add(s, tf.mul(gramPullback(shifted, dGram[layer]), share));
          }
          for (const { layer, weight } of contentLayers) {
            const f = features[layer];
            const target = targetOf(i, layer, windows[layer]);
            const share = f.shape[1] * f.shape[2] / counts[layer];
            s = tf.add(s, tf.mul(contentLoss(f, target), share * weight * weights.content));
          }
          return s;
        });
      }
      options.onTile?.(2, i, n);
    }
  } finally {
    freeSums();
    tf.dispose([Object.values(grams), Object.values(dGram)]);
  }
  return { total: content + style + tvValue, terms: { content, style, tv: tvValue }, grad };
}
