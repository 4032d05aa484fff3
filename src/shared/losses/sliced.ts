/**
 * Sliced Wasserstein style statistic (Heitz, Vanhoey, Chambon & Belcour, "A Sliced Wasserstein
 * Loss for Neural Texture Synthesis", CVPR 2021): project the feature pixels on K random unit
 * directions; in one dimension the optimal transport pairs sorted values, so the loss is the
 * mean squared difference between the output's sorted projections and the painting's.
 *
 * Sorting: tfjs-core 4.22 registers no gradient for TopK, so the loss pairs each output entry
 * with the painting's quantile at its rank ({@link matchedQuantiles}), the ranks being constants
 * on the tape; the gradient then flows through the output entries directly. When the painting's pixel count M
 * differs from the output's N, the painting's sorted values are resampled at N quantiles by
 * linear interpolation.
 *
 * Directions are drawn once per target from the seed (Heitz et al. redraw them every step; a
 * fixed set keeps the objective deterministic for L-BFGS's line search: rebuild the targets
 * with a new seed, e.g. per pyramid scale, to see more directions).
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../random.ts";
import { normaliseWeights } from "./style.ts";
import type { StyleStatistic } from "./statistic.ts";

/** Options of {@link slicedStatistic}. */
export interface SlicedOptions {
  /** Number of random projections K (default 64). */
  projections?: number;
  /** Seed of the directions (default 0). */
  seed?: number;
}

/** Each row of `x` `[K, N]` sorted in descending order. No gradient. Caller disposes. */
export function sortRowsDescending(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.topk(x, x.shape[1], true).values as tf.Tensor2D);
}

/**
 * For each entry of `x` `[K, N]`, the entry of `sorted` `[K, N]` (descending rows) at its
 * descending rank: the 1-D optimal transport plan of Heitz et al. The result is a constant on
 * the tape (zero gradient): ranks change only where entries cross, and
 * `Σ_j (sort(x)_j − q_j)² = Σ_i (x_i − q_{rank(i)})²`, so a loss written with it has the exact
 * gradient through `x` almost everywhere without a gradient of the sort (TopK has none in
 * tfjs-core 4.22, and gather's needs UnsortedSegmentSum, missing on WASM). Caller disposes.
 */
export function matchedQuantiles(x: tf.Tensor2D, sorted: tf.Tensor2D): tf.Tensor2D {
  const [k, n] = x.shape;
  const match = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor2D;
    const perm = tf.topk(t, n, true).indices;
    // Sorting the permutation ascending gives its inverse: rank[r][i] = slot of t[r][i].
    const rank = tf.topk(tf.neg(tf.cast(perm, "float32")), n, true).indices;
    const rows = tf.mul(tf.reshape(tf.range(0, k, 1, "int32"), [k, 1]), tf.scalar(n, "int32"));
    const flat = tf.reshape(tf.add(rank, rows), [k * n]);
    return {
      value: tf.reshape(tf.gather(tf.reshape(sorted, [k * n]), flat), [k, n]),
      gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
    };
  });
  return match(x) as tf.Tensor2D;
}

/**
 * Rows of `sorted` `[K, M]` resampled at `n` quantiles: position `p_j = (j + ½)·M/n − ½`
 * (clamped to [0, M − 1]) with linear interpolation between neighbours, so `n = M` returns
 * `sorted` itself and the mass of every value is kept when M ≠ n. Caller disposes.
 */
export function resampleQuantiles(sorted: tf.Tensor2D, n: number): tf.Tensor2D {
  const m = sorted.shape[1];
  if (m === n) return tf.clone(sorted);
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const t = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const p = Math.min(m - 1, Math.max(0, ((j + 0.5) * m) / n - 0.5));
    lo[j] = Math.floor(p);
    hi[j] = Math.min(m - 1, lo[j] + 1);
    t[j] = p - lo[j];
  }
  return tf.tidy(() => {
    const a = tf.gather(sorted, tf.tensor1d(lo, "int32"), 1);
    const b = tf.gather(sorted, tf.tensor1d(hi, "int32"), 1);
    const tt = tf.tensor2d(t, [1, n]);
    return tf.add(tf.mul(a, tf.sub(1, tt)), tf.mul(b, tt)) as tf.Tensor2D;
  });
}

/** `[c, K]` unit columns, Gaussian directions drawn from `seed`. Caller disposes. */
export function randomDirections(c: number, k: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  const v = new Float32Array(c * k);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tf.tidy(() => {
    const d = tf.tensor2d(v, [c, k]);
    return tf.div(d, tf.norm(d, "euclidean", 0, true)) as tf.Tensor2D;
  });
}

/** `[K, N]` projections of a `[1, h, w, c]` map's pixels on `[c, K]` directions. */
function project(features: tf.Tensor4D, directions: tf.Tensor2D): tf.Tensor2D {
  const [, h, w, c] = features.shape;
  return tf.matMul(directions, tf.reshape(features, [h * w, c]), true, true);
}

/**
 * The "sliced" statistic. Target: `{ directions [c, K], sorted [K, Q] }`, the painting's
 * projections sorted in descending order. Several styles blend by averaging their quantile
 * functions with the normalised weights (each resampled to Q = the largest pixel count): in
 * one dimension that is the Wasserstein barycentre of the styles' projected distributions.
 * Loss: mean over directions and output pixels of (sorted output − target quantile)².
 */
export function slicedStatistic(options: SlicedOptions = {}): StyleStatistic {
  const projections = options.projections ?? 64;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(projections) || projections < 1 || projections > 4096) {
    throw new RangeError(`Sliced projections ${projections}: expected an integer 1..4096`);
  }
  return {
    kind: "sliced",
    targets(featuresPerStyle, blend) {
      const w = normaliseWeights(featuresPerStyle.length, blend);
      const c = featuresPerStyle[0].shape[3];
      if (featuresPerStyle.some((f) => f.shape[3] !== c)) {
        throw new RangeError("sliced targets() got maps of different channel counts");
      }
      const q = Math.max(...featuresPerStyle.map((f) => f.shape[1] * f.shape[2]));
      return tf.tidy(() => {
        const directions = randomDirections(c, projections, seed);
        const parts = featuresPerStyle.map((f, k) =>
          tf.mul(resampleQuantiles(sortRowsDescending(project(f, directions)), q), w[k])
        );
        return { directions, sorted: parts.length === 1 ? parts[0] : tf.addN(parts) };
      });
    },
    loss(features, target) {
      const directions = target.directions as tf.Tensor2D;
      if (directions.shape[0] !== features.shape[3]) {
        throw new RangeError(
          `sliced loss got ${features.shape[3]} channels against a target of ${
            directions.shape[0]
          }: expected one layer`,
        );
      }
      return tf.tidy(() => {
        const p = project(features, directions);
        const goal = resampleQuantiles(target.sorted as tf.Tensor2D, p.shape[1]);
        return tf.mean(tf.squaredDifference(p, matchedQuantiles(p, goal))) as tf.Scalar;
      });
    },
  };
}
