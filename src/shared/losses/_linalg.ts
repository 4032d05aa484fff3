/**
 * Matrix functions the style statistics need, built only from tfjs-core ops that have
 * gradients in tfjs 4.22 (matMul, mul, add, sum, sqrt): tfjs has no sqrtm and no eigensolver.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Mean `[1, c]` and biased covariance `[c, c]` of the pixels of a `[1, h, w, c]` map:
 * `Σ = (F − μ)ᵀ(F − μ)/N` with `F` the `[N, c]` pixel matrix, N = h·w; centred first, because
 * `FᵀF/N − μᵀμ` loses the covariance to float32 cancellation when the means are large (ReLU
 * features). Caller disposes.
 */
export function meanAndCovariance(features: tf.Tensor4D): { mean: tf.Tensor2D; cov: tf.Tensor2D } {
  const [batch, h, w, c] = features.shape;
  if (features.rank !== 4 || batch !== 1) {
    throw new RangeError(
      `meanAndCovariance() got shape [${features.shape}]: expected one NHWC map [1, h, w, c]`,
    );
  }
  return tf.tidy(() => {
    const f = tf.reshape(features, [h * w, c]);
    const mean = tf.mean(f, 0, true) as tf.Tensor2D;
    const centred = tf.sub(f, mean);
    const cov = tf.div(tf.matMul(centred, centred, true, false), h * w) as tf.Tensor2D;
    return { mean, cov };
  });
}

/** Options of {@link sqrtmNewtonSchulz}. */
export interface SqrtmOptions {
  /** Relative ridge added to the scaled matrix (default 1e-6; see below). */
  ridge?: number;
  /** false: no gradient needed, so each step's temporaries are freed (default true). */
  differentiable?: boolean;
}

/**
 * Square root of a symmetric positive semi-definite matrix by the coupled Newton–Schulz
 * iteration (Higham, "Functions of Matrices", 2008, eq. 6.35; used for differentiable sqrtm by
 * Lin & Maji, "Improved bilinear pooling with CNNs", BMVC 2017):
 *
 *   Y₀ = A/‖A‖_F, Z₀ = I;  T = (3I − Z_k Y_k)/2;  Y_{k+1} = Y_k T;  Z_{k+1} = T Z_k
 *
 * Y_k → (A/‖A‖_F)^{1/2} and Z_k → its inverse; the result is `Y_k · √‖A‖_F`. The Frobenius
 * scaling puts every eigenvalue in [0, 1], where the iteration converges; an eigenvalue λ of
 * the scaled matrix needs about log₂(1/λ) iterations, so directions with tiny variance are
 * underestimated, which costs at most √λ each; a relative `ridge` (default 1e-6) is added to
 * keep the iteration stable (see below). Three `c×c` products per iteration: the cost is
 * O(iterations · c³), forward and backward. Differentiable. Caller disposes.
 */
export function sqrtmNewtonSchulz(
  a: tf.Tensor2D,
  iterations = 15,
  options: SqrtmOptions = {},
): tf.Tensor2D {
  const ridge = options.ridge ?? 1e-6;
  const [n, m] = a.shape;
  if (a.rank !== 2 || n !== m) {
    throw new RangeError(`sqrtmNewtonSchulz() got shape [${a.shape}]: expected a square matrix`);
  }
  return tf.tidy(() => {
    // The tiny floor keeps the all-zero matrix (a constant feature map) finite: its root is 0.
    const norm = tf.add(tf.sqrt(tf.sum(tf.square(a))), 1e-12);
    const eye = tf.eye(n);
    // The ridge lifts the slightly negative eigenvalues that float32 gives a rank-deficient
    // covariance (fewer pixels than channels, dead ReLUs): for λ < 0 the iteration diverges
    // (Z·Y grows by about 9/4 per step: NaN after ~25 steps on Darknet-tiny's conv10 at
    // 128 px). It costs at most √ridge·√‖A‖_F per eigenvalue: a W₂ loss reads slightly
    // below 0 at its optimum when many directions are null (−3% of a typical value in tests).
    let y = tf.add(tf.div(a, norm), tf.mul(eye, ridge)) as tf.Tensor2D;
    let z = eye as tf.Tensor2D;
    for (let k = 0; k < iterations; k++) {
      const step = (): [tf.Tensor2D, tf.Tensor2D] => {
        const t = tf.mul(tf.sub(tf.mul(eye, 3), tf.matMul(z, y)), 0.5) as tf.Tensor2D;
        return [tf.matMul(y, t), tf.matMul(t, z)];
      };
      if (options.differentiable === false) {
        // Free each step's temporaries: a 2048-channel target otherwise holds ~90 [c, c]
        // matrices at once and runs the WASM heap out of memory.
        const [y2, z2] = tf.tidy(step);
        if (k > 0) tf.dispose([y, z]);
        [y, z] = [y2, z2];
      } else {
        [y, z] = step();
      }
    }
    return tf.mul(y, tf.sqrt(norm)) as tf.Tensor2D;
  });
}

/** Trace of a square matrix. Differentiable. Caller disposes. */
export function trace(a: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(a, tf.eye(a.shape[0]))) as tf.Scalar);
}
