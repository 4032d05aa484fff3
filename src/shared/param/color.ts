/**
 * Decorrelated colour space (Mordvintsev et al. 2018, section "Aligning colours"; lucid
 * param/color.py). Optimising in a space whose axes are the principal directions of natural
 * image colours stops the optimiser from spending its steps on colour noise. The map is
 * linear, so its inverse is exact.
 */
import * as tf from "@tensorflow/tfjs-core";
import { matMulRows } from "../ops/pixel_rows.ts";

/**
 * lucid color.py `color_correlation_svd_sqrt`: the square root of the ImageNet colour
 * covariance (rows are R, G, B), via its SVD.
 */
export const COLOR_CORRELATION_SVD_SQRT: readonly (readonly number[])[] = [
  [0.26, 0.09, 0.02],
  [0.27, 0.00, -0.05],
  [0.27, -0.09, 0.03],
];

/** The largest column norm of that matrix: lucid's `max_norm_svd_sqrt` = sqrt(0.2134). */
const MAX_COLUMN_NORM = Math.max(
  ...[0, 1, 2].map((j) => Math.hypot(...COLOR_CORRELATION_SVD_SQRT.map((row) => row[j]))),
);

/** `color_correlation_normalized`: the matrix divided by its largest column norm. */
export const COLOR_CORRELATION: readonly (readonly number[])[] = COLOR_CORRELATION_SVD_SQRT.map(
  (row) => row.map((v) => v / MAX_COLUMN_NORM),
);

/** Inverse of a 3x3 matrix by the adjugate, in float64. */
export function invert3x3(m: readonly (readonly number[])[]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (det === 0) throw new RangeError("Matrix is singular: it has no inverse");
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

const transpose3 = (m: readonly (readonly number[])[]) =>
  [0, 1, 2].map((i) => [0, 1, 2].map((j) => m[j][i]));

/** The colour map of one parameterisation, with its constants. */
export interface ColorDecorrelation {
  /** Decorrelated space to RGB: rgb = C t per pixel (lucid `_linear_decorelate_color`). */
  forward(x: tf.Tensor4D): tf.Tensor4D;
  /** RGB to decorrelated space: t = C^-1 rgb per pixel. */
  inverse(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** Builds the colour constants once; the caller disposes the result. */
export function createColorDecorrelation(): ColorDecorrelation {
  // Pixels are rows of an [n, 3] matrix, so rgb_rows = t_rows C^T and t_rows = rgb_rows C^-T.
  const forwardMatrix = tf.tensor2d(transpose3(COLOR_CORRELATION));
  const inverseMatrix = tf.tensor2d(transpose3(invert3x3(COLOR_CORRELATION)));
  const apply = (x: tf.Tensor4D, m: tf.Tensor2D): tf.Tensor4D =>
    tf.tidy(() => tf.reshape(matMulRows(tf.reshape(x, [-1, 3]), m), x.shape));
  return {
    forward: (x) => apply(x, forwardMatrix),
    inverse: (x) => apply(x, inverseMatrix),
    dispose: () => {
      forwardMatrix.dispose();
      inverseMatrix.dispose();
    },
  };
}

/**
 * Inverse of the sigmoid that maps parameters into [0, 1] (lucid `to_valid_rgb(sigmoid=True)`).
 * Values are clipped to [eps, 1 - eps] first, so a pure black or white pixel maps to a large
 * finite number instead of infinity. Caller disposes.
 */
export function logit(x: tf.Tensor4D, eps = 1e-6): tf.Tensor4D {
  return tf.tidy(() => {
    const p = tf.clipByValue(x, eps, 1 - eps);
    return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
  });
}
