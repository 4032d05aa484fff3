/**
 * Total variation regulariser: penalises differences between neighbouring pixels, which
 * suppresses the high-frequency noise that pixel-space optimisation otherwise produces
 * (Mahendran & Vedaldi 2015, used for style transfer by Johnson et al. 2016).
 *
 * Higher orders penalise k-th differences instead (higher-order total variation): the
 * period-2 checkerboard and dot grids of strided networks cost as much as at order 1, detail
 * a few pixels wide much less, so brush strokes keep their edges.
 */
import * as tf from "@tensorflow/tfjs-core";
import { MAX_TV_ORDER } from "../recipe_defaults.ts";

export { MAX_TV_ORDER };

/** Checks a TV order: an integer in [1, MAX_TV_ORDER]. */
export function checkTvOrder(order: number): void {
  if (!Number.isInteger(order) || order < 1 || order > MAX_TV_ORDER) {
    throw new RangeError(`TV order ${order}: expected an integer from 1 to ${MAX_TV_ORDER}`);
  }
}

/**
 * The `order`-th difference of `x` along `axis` (1: down the rows, 2: along the columns),
 * divided by 2^(order-1): Σ_j (-1)^(order-j) C(order, j) x[i + j] / 2^(order-1), one entry per
 * start i with i + order inside the image. Its gain at the period-2 frequency is 2 for every
 * order (a first difference's), at frequency ω it is 2·|sin(ω/2)|^order. Caller disposes.
 */
export function tvDifference(x: tf.Tensor4D, axis: 1 | 2, order: number): tf.Tensor4D {
  checkTvOrder(order);
  const [n, h, w, c] = x.shape;
  if ((axis === 1 ? h : w) <= order) {
    throw new RangeError(
      `tvDifference(): ${axis === 1 ? h : w} px is too short for order ${order}`,
    );
  }
  return tf.tidy(() => {
    let d = x;
    for (let k = 0; k < order; k++) {
      const [, dh, dw] = d.shape;
      const size: [number, number, number, number] = axis === 1
        ? [n, dh - 1, dw, c]
        : [n, dh, dw - 1, c];
      d = tf.sub(
        tf.slice(d, axis === 1 ? [0, 1, 0, 0] : [0, 0, 1, 0], size),
        tf.slice(d, [0, 0, 0, 0], size),
      );
    }
    return order === 1 ? d : tf.div(d, 2 ** (order - 1));
  });
}

/**
 * Squared total variation of order `order` (default 1) of an NHWC image `x` of shape
 * `[n, h, w, c]`. At order 1:
 *
 *   TV(x) = mean_{i<h-1, j, k} (x[i+1, j, k] - x[i, j, k])²
 *         + mean_{i, j<w-1, k} (x[i, j+1, k] - x[i, j, k])²
 *
 * (over every image n too): the mean squared vertical neighbour difference plus the mean
 * squared horizontal one, each averaged over its own count, so the value does not grow with
 * the image size. At order k the differences are tvDifference()'s. A direction with no more
 * than `order` rows or columns contributes 0. A constant image has TV 0. Caller disposes the
 * result.
 */
export function tvLoss(image: tf.Tensor4D, order = 1): tf.Scalar {
  if (image.rank !== 4) {
    throw new RangeError(`tvLoss() got shape [${image.shape}]: expected an NHWC image`);
  }
  checkTvOrder(order);
  const [, h, w] = image.shape;
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    if (h > order) total = tf.add(total, tf.mean(tf.square(tvDifference(image, 1, order))));
    if (w > order) total = tf.add(total, tf.mean(tf.square(tvDifference(image, 2, order))));
    return total;
  });
}
