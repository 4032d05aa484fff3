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
