/**
 * Colour-statistics matching of Gatys, Bethge, Hertzmann & Shechtman 2016 ("Preserving Color
 * in Neural Artistic Style Transfer", §2.1): recolour the painting so that its pixels' mean
 * and covariance equal the photo's, with a linear map `x' = A (x − μ_S) + μ_C` where
 * `A Σ_S Aᵀ = Σ_C`. The choices of A:
 *
 * - "cholesky": `A = L_C L_S⁻¹` with `Σ = L Lᵀ`;
 * - "pca": `A = Σ_C^{1/2} Σ_S^{−1/2}`, roots through the eigen-decomposition (the
 *   image-analogies colour transfer of Hertzmann et al. 2001, as Gatys et al. call it);
 * - "mk": the symmetric Monge–Kantorovich map `A = Σ_S^{−1/2} (Σ_S^{1/2} Σ_C Σ_S^{1/2})^{1/2}
 *   Σ_S^{−1/2}` (Pitié & Kokaram 2007), the one that moves colours least.
 *
 * The result is not clipped to [0, 1] (clipping would change the statistics it matches); the
 * networks take any values.
 */
import * as tf from "@tensorflow/tfjs-core";
import { colourMoments, sqrtm3 } from "../metrics/colour.ts";
import { cholesky3, inv3, type Mat3, mul3 } from "./_mat3.ts";
import { matMulRows } from "../ops/pixel_rows.ts";

/** Linear colour map of {@link matchColour}. */
export type ColourMatch = "cholesky" | "pca" | "mk";

/** Mean and (biased) covariance of an image's RGB pixels. */
export interface ColourStats {
  mean: number[];
  cov: Mat3;
}

/** Pixel colour statistics of an `[1, h, w, 3]` image (reads the tensor back). */
export async function colourStats(image: tf.Tensor4D): Promise<ColourStats> {
  if (image.rank !== 4 || image.shape[0] !== 1 || image.shape[3] !== 3) {
    throw new RangeError(`colourStats() got shape [${image.shape}]: expected [1, h, w, 3]`);
  }
  return colourMoments(await image.data());
}

/** The 3×3 map A of `method` taking covariance `source` to `target` (see module note). */
export function colourMap(source: Mat3, target: Mat3, method: ColourMatch): Mat3 {
  // A flat colour channel (a grey painting) has a singular covariance: a small ridge keeps
  // the map finite; at 1e-8 it moves the matched covariance by far less than float32 error.
  const ridge = (m: Mat3) => m.map((r, i) => r.map((x, j) => (i === j ? x + 1e-8 : x)));
  const s = ridge(source), t = ridge(target);
  switch (method) {
    case "cholesky":
      return mul3(cholesky3(t), inv3(cholesky3(s)));
    case "pca":
      return mul3(sqrtm3(t), inv3(sqrtm3(s)));
    case "mk": {
      const sHalf = sqrtm3(s), sInvHalf = inv3(sHalf);
      return mul3(sInvHalf, mul3(sqrtm3(mul3(sHalf, mul3(t, sHalf))), sInvHalf));
    }
    default:
      throw new RangeError(`Unknown colour match "${method}": expected cholesky, pca or mk`);
  }
}

/** Options of {@link matchColour}. */
export interface MatchColourOptions {
  /** The linear map (default "pca"). */
  method?: ColourMatch;
}

/**
 * The colour statistics of several images' pixels pooled as one mixture, image i weighted by
 * `weights[i]` (normalised to sum 1): the mixture's mean and covariance.
 */
export function pooledStats(
  stats: readonly ColourStats[],
  weights?: readonly number[],
): ColourStats {
  if (stats.length === 0) throw new RangeError("pooledStats() needs at least one image");
  const w = weights ?? stats.map(() => 1);
  if (w.length !== stats.length || w.some((x) => !(x >= 0)) || !(w.reduce((a, b) => a + b) > 0)) {
    throw new RangeError(`pooledStats() got weights [${w}] for ${stats.length} images`);
  }
  const total = w.reduce((a, b) => a + b, 0);
  const p = w.map((x) => x / total);
  const mean = [0, 1, 2].map((c) => stats.reduce((a, s, i) => a + p[i] * s.mean[c], 0));
  // E[xxᵀ] of the mixture minus the outer product of its mean.
  const cov = [0, 1, 2].map((a) =>
    [0, 1, 2].map((b) =>
      stats.reduce((acc, s, i) => acc + p[i] * (s.cov[a][b] + s.mean[a] * s.mean[b]), 0) -
      mean[a] * mean[b]
    )
  );
  return { mean, cov };
}

/**
 * `image` (with colour statistics `from`) mapped linearly to the colour statistics `to`:
 * `x' = A (x − μ_from) + μ_to` with A of `method`. Not clipped. Caller disposes.
 */
export function recolour(
  image: tf.Tensor4D,
  from: ColourStats,
  to: ColourStats,
  method: ColourMatch = "pca",
): tf.Tensor4D {
  const a = colourMap(from.cov, to.cov, method);
  return tf.tidy(() => {
    const [n, h, w] = image.shape;
    const rows = tf.sub(tf.reshape(image, [n * h * w, 3]), tf.tensor2d(from.mean, [1, 3]));
    // Pixels are rows: x' = (x − μ_from) Aᵀ + μ_to.
    const mapped = matMulRows(rows as tf.Tensor2D, tf.tensor2d(a), true);
    return tf.reshape(tf.add(mapped, tf.tensor2d(to.mean, [1, 3])), image.shape) as tf.Tensor4D;
  });
}

/**
 * `style` recoloured to the colour mean and covariance of `content` (Gatys et al. 2016 §2.1).
 * Caller disposes.
 */
export async function matchColour(
  style: tf.Tensor4D,
  content: tf.Tensor4D,
  options: MatchColourOptions = {},
): Promise<tf.Tensor4D> {
  const [s, c] = await Promise.all([colourStats(style), colourStats(content)]);
  return recolour(style, s, c, options.method ?? "pca");
}
