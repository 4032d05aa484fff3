/**
 * A fixed sparse linear map on image pixels, applied with gather. tf.gather's own gradient
 * needs the UnsortedSegmentSum kernel, which the WASM backend lacks, so the map carries its
 * transpose too and the gradient is a second gather (tf.customGrad): dx = M^T dy.
 * Rows are stored padded to the longest row, with weight-0 entries pointing at index 0.
 */
import * as tf from "@tensorflow/tfjs-core";

/** One direction of the map as padded gather tables: `k` entries per row. */
interface Tables {
  rows: number;
  k: number;
  index: Int32Array;
  weight: Float32Array;
}

/** out[r] = sum of weight * in[col] over the entries of row r. */
export interface SparseMap {
  rows: number;
  cols: number;
  forward: Tables;
  transposed: Tables;
}

function tables(rows: number, keys: Int32Array, values: Int32Array, weights: Float64Array) {
  const count = new Int32Array(rows);
  for (const r of keys) count[r]++;
  let k = 1;
  for (const c of count) if (c > k) k = c;
  const index = new Int32Array(rows * k), weight = new Float32Array(rows * k);
  count.fill(0);
  for (let e = 0; e < keys.length; e++) {
    const slot = keys[e] * k + count[keys[e]]++;
    index[slot] = values[e];
    weight[slot] = weights[e];
  }
  return { rows, k, index, weight };
}

/** Builds both tables from entries (row, col, weight) in coordinate form. */
export function sparseMap(
  rows: number,
  cols: number,
  entries: { row: Int32Array; col: Int32Array; weight: Float64Array },
): SparseMap {
  return {
    rows,
    cols,
    forward: tables(rows, entries.row, entries.col, entries.weight),
    transposed: tables(cols, entries.col, entries.row, entries.weight),
  };
}

function gatherSum(x: tf.Tensor, t: Tables): tf.Tensor2D {
  return tf.tidy(() => {
    const channels = x.shape[1] as number;
    const gathered = tf.gather(x, tf.tensor1d(t.index, "int32"));
    const weighted = tf.mul(gathered, tf.tensor2d(t.weight, [t.rows * t.k, 1]));
    return tf.sum(tf.reshape(weighted, [t.rows, t.k, channels]), 1) as tf.Tensor2D;
  });
}

/** Applies the map to x [cols, channels], giving [rows, channels]; differentiable. */
export function applySparse(map: SparseMap, x: tf.Tensor2D): tf.Tensor2D {
  // The index tensors are made inside each pass (from cached arrays) rather than captured, so
  // a caller's tidy cannot dispose them before tf.grad runs the backward pass.
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: gatherSum(inputs[0] as tf.Tensor, map.forward),
    gradFunc: (dy: tf.Tensor) => gatherSum(dy, map.transposed),
  }));
  return op(x) as tf.Tensor2D;
}
