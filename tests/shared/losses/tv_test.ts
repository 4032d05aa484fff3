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

Deno.test("tvLoss() at every order costs the period-2 checkerboard alike", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // (-1)^(i+j) on 6x6: every k-th difference is ±2^k, divided by 2^(k-1) it is ±2, so each mean
  // of squares is 4 and TV = 8 at orders 1 to 4.
  const cb = tf.tensor4d(
    Array.from({ length: 36 }, (_, n) => ((Math.floor(n / 6) + (n % 6)) % 2 ? -1 : 1)),
    [1, 6, 6, 1],
  );
  for (const order of [1, 2, 3, 4]) {
    const tv = tvLoss(cb, order);
    close(tv.dataSync(), [8], 1e-5);
    tv.dispose();
  }
  cb.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("tvLoss() at order k ignores polynomials of degree below k and has the hand-derived gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // x[i, j] = i² on 5x5: second differences down the rows are 2, halved 1, squared 1 (mean 1);
  // along the rows 0. Order 2: TV = 1. Order 3: the third differences of i² are 0.
  const quad = tf.tensor4d(Array.from({ length: 25 }, (_, n) => Math.floor(n / 5) ** 2), [
    1,
    5,
    5,
    1,
  ]);
  const [o2, o3] = [tvLoss(quad, 2), tvLoss(quad, 3)];
  close(o2.dataSync(), [1]);
  close(o3.dataSync(), [0]);
  // One row [0, 1, 4]: one second difference d = (0 - 2 + 4) / 2 = 1, TV = d² = 1, and the
  // gradient 2d·[1, -2, 1]/2 = [1, -2, 1]; no vertical term (1 row is too short for order 2).
  const row = tf.tensor4d([0, 1, 4], [1, 1, 3, 1]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tvLoss(x as tf.Tensor4D, 2))(row);
  close(value.dataSync(), [1]);
  close(grad.dataSync(), [1, -2, 1]);
  tf.dispose([quad, o2, o3, row, value, grad]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("tvLoss() refuses an order outside 1..4, changing nothing", async () => {
  await setupTf();
  const image = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  for (const order of [0, 5, 1.5, NaN]) {
    assert.throws(() => tvLoss(image, order), /TV order .*: expected an integer from 1 to 4/);
  }
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
});
