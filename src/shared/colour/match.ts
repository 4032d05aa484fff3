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
import { cholesky3, inv3, type Mat3, mul3, powSym3 } from "./_mat3.ts";

/** Linear colour map of {@link matchColour}. */
export type ColourMatch = "cholesky" | "pca" | "mk";

/** Mean and (biased) covariance of an image's RGB pixels. */
export interface ColourStats {
  mean: number[];
  cov: Mat3;
}

/** Pixel colour statistics of an `[1, h, w, 3]` image (reads the tensor back). */
export async function colourStats(image: tf.Tensor4D): Promise<ColourStats> {
  const [, h, w, c] = image.shape;
  if (image.rank !== 4 || c !== 3) {
    throw new RangeError(`colourStats() got shape [${image.shape}]: expected [1, h, w, 3]`);
  }
  const data = await image.data();
  const n = h * w;
  const mean = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) mean[k] += data[i * 3 + k] / n;
  const cov = new Array(9).fill(0);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) {
      const da = data[i * 3 + a] - mean[a];
      for (let b = 0; b < 3; b++) cov[a * 3 + b] += (da * (data[i * 3 + b] - mean[b])) / n;
    }
  }
  return { mean, cov };
}

/** The 3×3 map A of `method` taking covariance `source` to `target` (see module note). */
export function colourMap(source: Mat3, target: Mat3, method: ColourMatch): Mat3 {
  // A flat colour channel (a grey painting) has a singular covariance: a small ridge keeps
  // the map finite; at 1e-8 it moves the matched covariance by far less than float32 error.
  const ridge = (m: Mat3) => m.map((x, k) => (k % 4 === 0 ? x + 1e-8 : x));
  const s = ridge(source), t = ridge(target);
  switch (method) {
    case "cholesky":
      return mul3(cholesky3(t), inv3(cholesky3(s)));
    case "pca":
      return mul3(powSym3(t, 0.5), powSym3(s, -0.5));
    case "mk": {
      const sHalf = powSym3(s, 0.5), sInvHalf = powSym3(s, -0.5);
      return mul3(sInvHalf, mul3(powSym3(mul3(sHalf, mul3(t, sHalf)), 0.5), sInvHalf));
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
 * `style` recoloured to the colour mean and covariance of `content` (Gatys et al. 2016 §2.1).
 * Caller disposes.
 */
export async function matchColour(
  style: tf.Tensor4D,
  content: tf.Tensor4D,
  options: MatchColourOptions = {},
): Promise<tf.Tensor4D> {
  const [s, c] = await Promise.all([colourStats(style), colourStats(content)]);
  const a = colourMap(s.cov, c.cov, options.method ?? "pca");
  return tf.tidy(() => {
    const [n, h, w] = style.shape;
    const rows = tf.sub(tf.reshape(style, [n * h * w, 3]), tf.tensor2d(s.mean, [1, 3]));
    // Pixels are rows: x' = (x − μ_S) Aᵀ + μ_C.
    const mapped = tf.matMul(rows, tf.tensor2d(a, [3, 3]), false, true);
    return tf.reshape(tf.add(mapped, tf.tensor2d(c.mean, [1, 3])), style.shape) as tf.Tensor4D;
  });
}
