import assert from "node:assert/strict";
import { pad } from "../../../src/shared/transforms/pad.ts";
import { createRng } from "../../../src/shared/random.ts";
import { setupTf, tf } from "../../_tf.ts";

Deno.test("pad() surrounds the image with grey by default", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([7], [1, 1, 1, 1]);
  const y = pad(1)(x, createRng(0));
  assert.deepEqual(y.shape, [1, 3, 3, 1]);
  assert.deepEqual(Array.from(y.dataSync()), [.5, .5, .5, .5, 7, .5, .5, .5, .5]);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("pad() in reflect mode mirrors without repeating the edge", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Rows [1 2 3] and [4 5 6]; reflect by 1: a row [a b c] becomes [b a b c b] and the row order
  // becomes (row 1, row 0, row 1, row 0).
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
  const y = pad(1, { mode: "reflect" })(x, createRng(0));
  assert.deepEqual(y.shape, [1, 4, 5, 1]);
  assert.deepEqual(Array.from(y.dataSync()), [
    ...[5, 4, 5, 6, 5],
    ...[2, 1, 2, 3, 2],
    ...[5, 4, 5, 6, 5],
    ...[2, 1, 2, 3, 2],
  ]);
  assert.throws(() => pad(2, { mode: "reflect" })(x, createRng(0)), /larger/);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("pad() in reflect mode passes each pixel the gradient of every place it is seen", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // A 3x3 image padded by 1 to 5x5: rows (r1 r0 r1 r2 r1), columns likewise. With weights
  // w = column index + 1 in every row, Σ w ⊙ pad(x) has gradient row count x column weight:
  // row 0 is seen once, row 1 three times, row 2 once; column 0 at padded column 1 (2), column
  // 1 at 0, 2, 4 (1 + 3 + 5 = 9), column 2 at 3 (4). tf.mirrorPad's own gradient gives the
  // middle row and column one share of their three.
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const w = tf.tidy(() => tf.tile(tf.tensor4d([1, 2, 3, 4, 5], [1, 1, 5, 1]), [1, 5, 1, 1]));
  const g = tf.grad((v) =>
    tf.sum(tf.mul(pad(1, { mode: "reflect" })(v as tf.Tensor4D, createRng(0)), w))
  )(x);
  const rows = [1, 3, 1];
  const cols = [2, 9, 4];
  assert.deepEqual(Array.from(g.dataSync()), rows.flatMap((r) => cols.map((c) => r * c)));
  tf.dispose([x, w, g]);
  assert.equal(tf.memory().numTensors, before);
});
