/**
 * Total variation regulariser: penalises differences between neighbouring pixels, which
 * suppresses the high-frequency noise that pixel-space optimisation otherwise produces
 * (Mahendran & Vedaldi 2015, used for style transfer by Johnson et al. 2016).
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Squared total variation of an NHWC image `x` of shape `[n, h, w, c]`:
 *
 *   TV(x) = mean_{i<h-1, j, k} (x[i+1, j, k] - x[i, j, k])²
 *         + mean_{i, j<w-1, k} (x[i, j+1, k] - x[i, j, k])²
 *
 * (over every image n too): the mean squared vertical neighbour difference plus the mean
 * squared horizontal one, each averaged over its own count, so the value does not grow with
 * the image size. A direction with a single row or column contributes 0. A constant image
 * has TV 0. Caller disposes the result.
 */
export function tvLoss(image: tf.Tensor4D): tf.Scalar {
  if (image.rank !== 4) {
    throw new RangeError(`tvLoss() got shape [${image.shape}]: expected an NHWC image`);
  }
  const [n, h, w, c] = image.shape;
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    if (h > 1) {
      const below = tf.slice(image, [0, 1, 0, 0], [n, h - 1, w, c]);
      const above = tf.slice(image, [0, 0, 0, 0], [n, h - 1, w, c]);
      total = tf.add(total, tf.mean(tf.squaredDifference(below, above)));
    }
    if (w > 1) {
      const right = tf.slice(image, [0, 0, 1, 0], [n, h, w - 1, c]);
      const left = tf.slice(image, [0, 0, 0, 0], [n, h, w - 1, c]);
      total = tf.add(total, tf.mean(tf.squaredDifference(right, left)));
    }
    return total;
  });
}
