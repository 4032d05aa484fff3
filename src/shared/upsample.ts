/**
 * Bicubic enlargement between the scales of a coarse-to-fine run: separable Keys cubic
 * convolution (Keys 1981, a = −0.5, the kernel of Catmull–Rom and of most "bicubic" resizers)
 * with half-pixel centres. Outside the image the samples are extended linearly
 * (f(−k) = f(0) − k·(f(1) − f(0))) rather than clamped, so that a linear ramp is reproduced
 * exactly up to the borders (the kernel reproduces polynomials up to degree 2 inside). No
 * gradient is needed: the weights are two small matrices built here and applied with matMul.
 * For enlarging: a reduction would alias (image.ts's resizeToLongSide() reduces).
 */
import * as tf from "@tensorflow/tfjs-core";

/** Keys' cubic convolution kernel with a = −0.5. */
export function keysCubic(x: number): number {
  const t = Math.abs(x);
  const a = -0.5;
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

/**
 * The [m, n] matrix that resamples n samples to m (half-pixel centres: output i sits at
 * input coordinate (i + 0.5)·n/m − 0.5), with the linear extension folded into the weights
 * of samples 0, 1 (left) and n−2, n−1 (right).
 */
export function cubicWeights(n: number, m: number): Float32Array {
  const w = new Float32Array(m * n);
  const add = (i: number, j: number, v: number) => (w[i * n + j] += v);
  for (let i = 0; i < m; i++) {
    const x = ((i + 0.5) * n) / m - 0.5;
    const x0 = Math.floor(x);
    for (let j = x0 - 1; j <= x0 + 2; j++) {
      const k = keysCubic(x - j);
      if (k === 0) continue;
      if (n === 1) add(i, 0, k);
      else if (j < 0) {
        // f(j) = (1 − j)·f(0) + j·f(1) for j < 0.
        add(i, 0, k * (1 - j));
        add(i, 1, k * j);
      } else if (j > n - 1) {
        // f(j) = (1 + d)·f(n−1) − d·f(n−2) with d = j − (n − 1).
        const d = j - (n - 1);
        add(i, n - 1, k * (1 + d));
        add(i, n - 2, -k * d);
      } else add(i, j, k);
    }
  }
  return w;
}

/**
 * `image` ([1, h, w, c]) resampled to [1, height, width, c] by separable Keys cubic
 * interpolation (see the module note). Values are not clipped: a caller that needs [0, 1]
 * clips. Caller disposes.
 */
export function resizeBicubic(image: tf.Tensor4D, [height, width]: [number, number]): tf.Tensor4D {
  const [n, h, w, c] = image.shape;
  if (n !== 1) {
    throw new RangeError(`resizeBicubic() got shape [${image.shape}]: expected [1, h, w, c]`);
  }
  if (height === h && width === w) return tf.clone(image);
  return tf.tidy(() => {
    const wy = tf.tensor2d(cubicWeights(h, height), [height, h]);
    const wx = tf.tensor2d(cubicWeights(w, width), [width, w]);
    // Rows: [height, h] x [h, w·c]; then columns on the transposed image.
    const rows = tf.reshape(tf.matMul(wy, tf.reshape(image, [h, w * c])), [height, w, c]);
    const byCol = tf.reshape(tf.transpose(rows, [1, 0, 2]), [w, height * c]);
    const cols = tf.reshape(tf.matMul(wx, byCol), [width, height, c]);
    return tf.reshape(tf.transpose(cols, [1, 0, 2]), [1, height, width, c]);
  });
}
