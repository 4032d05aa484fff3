import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { tvLoss } from "../../../src/shared/losses/mod.ts";
import { close as closeTo } from "../../_assert.ts";

const close = (a: ArrayLike<number>, e: number[], tol = 1e-6) => closeTo(a, e, tol);

Deno.test("tvLoss() of a constant image is 0", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const image = tf.fill([1, 4, 5, 3], 0.7) as tf.Tensor4D;
  const tv = tvLoss(image);
  close(tv.dataSync(), [0]);
  tf.dispose([image, tv]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("tvLoss() of a 2x2 image has the hand-derived value and gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // x = [[0,1],[2,3]] (one channel). Vertical differences (2, 2): mean of squares 4.
  // Horizontal differences (1, 1): mean of squares 1. TV = 5.
  // Gradient: the vertical mean (2 terms) gives ∓2·d/2 = ∓2 to the upper/lower pixel of each
  // column: [[-2,-2],[2,2]]; the horizontal one gives ∓1: [[-1,1],[-1,1]]. Sum [[-3,-1],[1,3]].
  const image = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tvLoss(x as tf.Tensor4D))(image);
  close(value.dataSync(), [5]);
  close(grad.dataSync(), [-3, -1, 1, 3]);
  // A single row has no vertical term: [[0, 2, 2]] has horizontal squares 4 and 0, mean 2.
  const row = tf.tensor4d([0, 2, 2], [1, 1, 3, 1]);
  const tvRow = tvLoss(row);
  close(tvRow.dataSync(), [2]);
  tf.dispose([image, value, grad, row, tvRow]);
  assert.equal(tf.memory().numTensors, before);
});
