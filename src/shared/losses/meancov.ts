/**
 * Mean-and-covariance style statistic: the 2-Wasserstein distance between the Gaussians fitted
 * to the output's and the painting's feature pixels (crowsonkb/style-transfer-pytorch's
 * StyleLossW2; Gaussian W₂ of Dowson & Landau 1982, Givens & Shortt 1984):
 *
 *   W₂² = ‖μ − μ'‖² + tr Σ + tr Σ' − 2 tr (Σ'^{1/2} Σ Σ'^{1/2})^{1/2}
 *
 * with (μ', Σ') the target's. The target's root Σ'^{1/2} is computed once; the output-side
 * root runs Newton–Schulz iterations at every evaluation (tfjs has no eigensolver with a
 * gradient), so the cost is O(iterations · c³) per layer: cheap for 64–256 channels, heavy
 * for ResNet-50's 1024/2048-channel stages.
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
        const covSqrt = sqrtmNewtonSchulz(cov, Math.max(30, iterations));
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
  const { mean, cov } = meanAndCovariance(features);
  const rootT = target.covSqrt as tf.Tensor2D;
  const inner = tf.matMul(tf.matMul(rootT, cov), rootT);
  // Symmetrise: float error makes the product slightly asymmetric, and Newton–Schulz assumes
  // a symmetric matrix.
  const sym = tf.mul(tf.add(inner, tf.transpose(inner)), 0.5) as tf.Tensor2D;
  const cross = trace(sqrtmNewtonSchulz(sym, iterations));
  const meanTerm = tf.sum(tf.squaredDifference(mean, tMean));
  const w2 = tf.sub(tf.add(tf.add(meanTerm, trace(cov)), target.covTrace), tf.mul(cross, 2));
  return tf.div(w2, c) as tf.Scalar;
}
