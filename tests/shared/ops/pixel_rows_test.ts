/** matMulRows(): per-pixel colour maps in chunks (src/shared/ops/pixel_rows.ts). */
import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { matMulRows, PIXEL_ROWS_PER_PRODUCT } from "../../../src/shared/ops/pixel_rows.ts";

Deno.test("matMulRows() over more rows than one product takes equals tf.matMul, value and gradient, and leaks nothing", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Two full chunks and 5 rows: 2,097,157 rows, just over WebGPU's 2,097,120 limit.
  const n = 2 * PIXEL_ROWS_PER_PRODUCT + 5;
  const rows = tf.randomUniform([n, 3], 0, 1, "float32", 1) as tf.Tensor2D;
  const m = tf.tensor2d([[0.5, -1, 2], [0.25, 3, -0.5], [1, 0, 0.125]]);
  for (const transposeM of [false, true]) {
    const [got, want] = [matMulRows(rows, m, transposeM), tf.matMul(rows, m, false, transposeM)];
    assert.deepEqual(got.shape, [n, 3]);
    // Each row's three products are the same arithmetic either way.
    const [a, b] = [await got.data(), await want.data()];
    assert.equal(a.findIndex((v, i) => v !== b[i]), -1, "every value equal");
    // The last chunk's rows land at the end: row n - 1 by hand.
    const last = (await rows.data() as Float32Array).slice(3 * (n - 1));
    const mm = transposeM ? [[0.5, 0.25, 1], [-1, 3, 0], [2, -0.5, 0.125]] : m.arraySync();
    const hand = [0, 1, 2].map((c) => last.reduce((s, x, k) => s + x * mm[k][c], 0));
    const tail = a.slice(3 * (n - 1));
    hand.forEach((v, c) => assert.ok(Math.abs(tail[c] - v) < 1e-5, `row ${n - 1}, column ${c}`));
    tf.dispose([got, want]);
  }
  // The gradient with respect to the rows: every row gets m's row sums (upstream ones).
  const g = tf.grad((x: tf.Tensor) => tf.sum(matMulRows(x as tf.Tensor2D, m)))(rows);
  const gd = await g.data();
  const sums = [1.5, 2.75, 1.125];
  for (const i of [0, PIXEL_ROWS_PER_PRODUCT, n - 1]) {
    sums.forEach((s, k) => assert.ok(Math.abs(gd[3 * i + k] - s) < 1e-6, `row ${i}`));
  }
  tf.dispose([g, rows, m]);
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
});
