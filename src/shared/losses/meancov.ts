/**
 * Mean-and-covariance style statistic: the 2-Wasserstein distance between the Gaussians fitted
 * to the output's and the painting's feature pixels (crowsonkb/style-transfer-pytorch's
 * StyleLossW2; Gaussian W₂ of Dowson & Landau 1982, Givens & Shortt 1984):
 *
 *   W₂² = ‖μ − μ'‖² + tr Σ + tr Σ' − 2 tr (Σ'^{1/2} Σ Σ'^{1/2})^{1/2}
 *
 * with (μ', Σ') the target's. The target's root Σ'^{1/2} is computed once; the output-side
 * root runs Newton–Schulz iterations at every evaluation (tfjs has no eigensolver with a
 * gradient) on a `[k, k]` matrix with k = min(c, h·w), so the cost per layer is
 * O(iterations · k³ + h·w·c²): cheap up to k ≈ 256, heavy beyond on WASM (measured below).
 */
import * as tf from "@tensorflow/tfjs-core";
import { meanAndCovariance, sqrtmNewtonSchulz, trace } from "./_linalg.ts";
import { normaliseWeights } from "./style.ts";
import type { StyleStatistic, StyleTarget } from "./statistic.ts";

/** Options of {@link meancovStatistic}. */
export interface MeancovOptions {
  /** Newton–Schulz iterations of the output-side square root (default 15). */
  iterations?: number;
}

/**
 * The "meancov" statistic. Target: `{ mean [1, c], cov [c, c], covSqrt, covTrace }`. Several
 * styles blend as a mixture: means and second moments `E[ffᵀ] = Σ + μᵀμ` average with the
 * normalised weights, and `Σ = E[ffᵀ] − μᵀμ` of the blend (computed in centred form). Loss: `W₂² / c` (see statistic.ts).
 */
export function meancovStatistic(options: MeancovOptions = {}): StyleStatistic {
  const iterations = options.iterations ?? 15;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 100) {
    throw new RangeError(`Newton–Schulz iterations ${iterations}: expected an integer 1..100`);
  }
  return {
    kind: "meancov",
    targets(featuresPerStyle, blend) {
      const w = normaliseWeights(featuresPerStyle.length, blend);
      return tf.tidy(() => {
        const stats = featuresPerStyle.map((f) => meanAndCovariance(f));
        const mean = tf.addN(stats.map((st, k) => tf.mul(st.mean, w[k]))) as tf.Tensor2D;
        // The mixture's covariance Σ_k w_k (Σ_k + (μ_k − μ)ᵀ(μ_k − μ)): the same as
        // E[ffᵀ] − μᵀμ, without that form's float32 cancellation when the means are large.
        const cov = tf.addN(stats.map((st, k) => {
          const d = tf.sub(st.mean, mean);
          return tf.mul(tf.add(st.cov, tf.matMul(d, d, true, false)), w[k]);
        })) as tf.Tensor2D;
        // Done once per run, so it can afford more iterations than the per-evaluation root.
        const covSqrt = sqrtmNewtonSchulz(cov, Math.max(20, iterations), {
          differentiable: false,
        });
        return { mean, cov, covSqrt, covTrace: trace(cov) };
      });
    },
    loss(features, target) {
      return tf.tidy(() => w2Squared(features, target, iterations));
    },
  };
}

/** `W₂² / c` of a feature map against a meancov target. Caller disposes. */
function w2Squared(features: tf.Tensor4D, target: StyleTarget, iterations: number): tf.Scalar {
  const c = features.shape[3];
  const tMean = target.mean as tf.Tensor2D;
  if (tMean.shape[1] !== c) {
    throw new RangeError(
      `meancov loss got ${c} channels against a target of ${tMean.shape[1]}: expected one layer`,
    );
  }
  const [, h, w] = features.shape;
  const n = h * w;
  const f = tf.reshape(features, [n, c]);
  const mean = tf.mean(f, 0, true);
  const centred = tf.sub(f, mean);
  // Σ = XᵀX/n with X the centred pixels, so Σ'^{1/2} Σ Σ'^{1/2} = YᵀY/n with Y = X Σ'^{1/2};
  // its nonzero eigenvalues are those of Y Yᵀ/n, so the root runs on the smaller of the
  // [c, c] and [n, n] matrices (deep layers have fewer pixels than channels).
  const y = tf.matMul(centred, target.covSqrt as tf.Tensor2D);
  const inner = n < c ? tf.matMul(y, y, false, true) : tf.matMul(y, y, true, false);
  // Symmetrise: float error makes the product slightly asymmetric, and Newton–Schulz assumes
  // a symmetric matrix.
  const sym = tf.div(tf.add(inner, tf.transpose(inner)), 2 * n) as tf.Tensor2D;
  const cross = trace(sqrtmNewtonSchulz(sym, iterations));
  const traceCov = tf.div(tf.sum(tf.square(centred)), n);
  const meanTerm = tf.sum(tf.squaredDifference(mean, tMean));
  const w2 = tf.sub(tf.add(tf.add(meanTerm, traceCov), target.covTrace), tf.mul(cross, 2));
  return tf.div(w2, c) as tf.Scalar;
}
