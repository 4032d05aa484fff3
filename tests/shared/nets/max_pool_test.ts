import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { maxPoolHostGrad } from "../../../src/shared/nets/_max_pool.ts";

Deno.test("maxPoolHostGrad() has the hand-derived value and gradient of a 2x2 pool, ties and negatives included", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Two channels of a 4x4 image; channel 1 is channel 0 negated, so its maxima sit elsewhere.
  const plane = [
    [1, 5, 2, 0],
    [3, 4, 7, 6],
    [0, 9, 8, 8],
    [2, 1, 8, 3],
  ];
  const x = tf.tensor4d(plane.flat().flatMap((v) => [v, v === 0 ? 0 : -v]), [1, 4, 4, 2]);
  // Window maxima, channel 0: 5 at (0,1), 7 at (1,2), 9 at (2,1), 8 at (2,2) (the first of the
  // three 8s in row-major order); channel 1 (minima of the plane, negated): -1 at (0,0), 0 at
  // (0,3), 0 at (2,0), -3 at (3,3).
  const y = maxPoolHostGrad(x, [2, 2], [2, 2], "valid");
  assert.deepEqual(Array.from(await y.data()), [5, -1, 7, 0, 9, 0, 8, -3]);
  // d/dx of sum(y · w), w = [1..8] over (row, col, channel): each weight lands on its argmax.
  const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
  const g = tf.grad((t) =>
    tf.sum(tf.mul(maxPoolHostGrad(t as tf.Tensor4D, [2, 2], [2, 2], "valid"), w))
  )(x);
  const expected = new Array(32).fill(0);
  const at = (r: number, c: number, ch: number) => (r * 4 + c) * 2 + ch;
  expected[at(0, 1, 0)] = 1;
  expected[at(0, 0, 1)] = 2;
  expected[at(1, 2, 0)] = 3;
  expected[at(0, 3, 1)] = 4;
  expected[at(2, 1, 0)] = 5;
  expected[at(2, 0, 1)] = 6;
  expected[at(2, 2, 0)] = 7;
  expected[at(3, 3, 1)] = 8;
  assert.deepEqual(Array.from(await g.data()), expected);
  tf.dispose([x, y, w, g]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("maxPoolHostGrad() equals tf.maxPool and its gradient behind a ReLU, overlapping windows and padding included", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  for (
    const [h, w, size, stride, padding] of [
      [17, 26, 3, 2, "valid"],
      [17, 26, 3, 2, "same"],
      [16, 9, 2, 1, "same"],
    ] as const
  ) {
    // Behind a ReLU (as ResNet's stem pool is) about half the inputs are 0 and many windows tie
    // at 0. Where a window is all zeros the kernels may route dy to different zeros (tfjs-wasm's
    // MaxPoolGrad can pick a padded one), and the ReLU's gradient zeroes both: through it, the
    // gradients agree exactly.
    const x = tf.randomNormal([2, h, w, 5], 0, 1, "float32", h + w) as tf.Tensor4D;
    const dy = tf.tidy(() =>
      tf.randomUniform(tf.maxPool(x, size, stride, padding).shape, -1, 1, "float32", 3)
    );
    const pool = (t: tf.Tensor4D) => tf.maxPool(tf.relu(t), size, stride, padding);
    const ours = (t: tf.Tensor4D) =>
      maxPoolHostGrad(tf.relu(t), [size, size], [stride, stride], padding);
    const [yRef, y] = [tf.tidy(() => pool(x)), tf.tidy(() => ours(x))];
    const gRef = tf.grad((t) => tf.sum(tf.mul(pool(t as tf.Tensor4D), dy)))(x);
    const g = tf.grad((t) => tf.sum(tf.mul(ours(t as tf.Tensor4D), dy)))(x);
    const label = `${h}x${w} ${size}/${stride} ${padding}`;
    assert.deepEqual(Array.from(await y.data()), Array.from(await yRef.data()), label);
    // (+ 0: a zero's sign depends on which kernel multiplied it, -0 and 0 are the same value.)
    const gd = Array.from(await g.data(), (v) => v + 0);
    assert.deepEqual(gd, Array.from(await gRef.data(), (v) => v + 0), label);
    assert.ok(gd.some((v) => v !== 0), label);
    tf.dispose([x, dy, yRef, y, gRef, g]);
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("maxPoolHostGrad()'s gradient runs no MaxPoolGrad kernel (the one Net takes on WASM)", async () => {
  await setupTf();
  const x = tf.relu(tf.randomNormal([1, 33, 40, 8], 0, 1, "float32", 1)) as tf.Tensor4D;
  const profile = await tf.profile(() => {
    const g = tf.grad((t) => tf.sum(maxPoolHostGrad(t as tf.Tensor4D, [3, 3], [2, 2], "same")))(
      x,
    );
    g.dispose();
  });
  const kernels = new Set(profile.kernels.map((k) => k.name));
  assert.ok(kernels.has("MaxPool"), [...kernels].join());
  assert.ok(!kernels.has("MaxPoolGrad"), [...kernels].join());
  x.dispose();
});
