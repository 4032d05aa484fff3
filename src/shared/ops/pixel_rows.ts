/**
 * Per-pixel linear colour maps (`rows · m`, every pixel of an RGB image a row of an [N, 3]
 * matrix) in chunks of at most PIXEL_ROWS_PER_PRODUCT rows. tfjs-webgpu 4.22 dispatches a matrix
 * product's rows 32 to a workgroup along one dimension of at most 65,535 workgroups, so one
 * [N, 3] product failed above 2,097,120 pixels ("Dispatch size exceeds WebGPU limits in Y or Z
 * dimension": a 1800x1197 run in decorrelated colour, on lavapipe, 2026-12-04). Up to the chunk
 * size (a 1024 px square) it is the one product it was; above, each row's three products are
 * the same arithmetic, so the values are too (tested on WASM at 2,097,157 rows).
 */
import * as tf from "@tensorflow/tfjs-core";

/** Rows of one product: half the WebGPU limit above (65,535 · 32 = 2,097,120). */
export const PIXEL_ROWS_PER_PRODUCT = 2 ** 20;

/**
 * `rows` [N, k] times `m` ([k, c], or [c, k] with `transposeM`), chunked along N: the same
 * values as tf.matMul(rows, m, false, transposeM), differentiable. Caller disposes.
 */
export function matMulRows(rows: tf.Tensor2D, m: tf.Tensor2D, transposeM = false): tf.Tensor2D {
  const n = rows.shape[0];
  if (n <= PIXEL_ROWS_PER_PRODUCT) return tf.matMul(rows, m, false, transposeM);
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += PIXEL_ROWS_PER_PRODUCT) {
      const size = Math.min(PIXEL_ROWS_PER_PRODUCT, n - start);
      parts.push(tf.matMul(tf.slice(rows, [start, 0], [size, -1]), m, false, transposeM));
    }
    return tf.concat(parts, 0);
  });
}
