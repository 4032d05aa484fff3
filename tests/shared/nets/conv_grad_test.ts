import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import {
  conv2dForwardGrad,
  conv2dInputGrad,
  flipKernel,
} from "../../../src/shared/nets/_conv_grad.ts";

type Pad = "same" | "valid" | [[number, number], [number, number]];

Deno.test("conv2dInputGrad() of a 1x2 kernel has the hand-derived values", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Kernel [a, b] = [2, 3] along the width, one channel.
  const k = tf.tensor4d([2, 3], [1, 2, 1, 1]);
  // Stride 1, valid, width 3: y0 = a x0 + b x1, y1 = a x1 + b x2; dy = [1, 1] gives
  // dx = [a, a + b, b] = [2, 5, 3].
  const dy1 = tf.tensor4d([1, 1], [1, 1, 2, 1]);
  const dx1 = conv2dInputGrad(dy1, k, [1, 1, 3, 1], [1, 1], "valid");
  assert.deepEqual(Array.from(await dx1.data()), [2, 5, 3]);
  // Stride 2, same, width 4 (no padding needed): y0 = a x0 + b x1, y1 = a x2 + b x3; dy = [p, q]
  // = [10, 100] gives dx = [a p, b p, a q, b q] = [20, 30, 200, 300].
  const dy2 = tf.tensor4d([10, 100], [1, 1, 2, 1]);
  const dx2 = conv2dInputGrad(dy2, k, [1, 1, 4, 1], [1, 2], "same");
  assert.deepEqual(Array.from(await dx2.data()), [20, 30, 200, 300]);
  tf.dispose([k, dy1, dx1, dy2, dx2]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("conv2dForwardGrad() matches tf.conv2d and its gradient for every padding and stride", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const cases: [number, number, number, number, Pad][] = [
    // [height, kernel, stride, out channels, padding]; width is height + 1 so the axes differ.
    [9, 3, 1, 4, "same"],
    [9, 3, 2, 4, "same"],
    [10, 3, 2, 4, "same"],
    [10, 7, 2, 3, "valid"],
    [11, 1, 2, 5, "valid"],
    [12, 3, 2, 3, [[1, 1], [1, 1]]],
    [13, 7, 2, 3, [[3, 3], [3, 3]]],
    [8, 5, 3, 3, "same"],
    [8, 1, 1, 6, "valid"],
  ];
  for (const [h, k, s, co, pad] of cases) {
    const label = `h ${h}, k ${k}, s ${s}, padding ${JSON.stringify(pad)}`;
    tf.tidy(() => {
      const x = tf.randomNormal([1, h, h + 1, 3], 0, 1, "float32", h * 7 + k) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, co], 0, 1, "float32", s) as tf.Tensor4D;
      const tfPad = typeof pad === "string"
        ? pad
        : [[0, 0], pad[0], pad[1], [0, 0]] as tf.backend_util.ExplicitPadding;
      const ref = tf.conv2d(x, w, s, tfPad);
      const r = tf.randomNormal(ref.shape, 0, 1, "float32", 99);
      const ours = conv2dForwardGrad(x, w, [s, s], pad);
      assert.deepEqual(ours.shape, ref.shape, label);
      assert.ok(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0] < 1e-5, label);
      // Gradient of sum(conv(x) * r) by the backend's own Conv2DBackpropInput and by ours.
      const g = (conv: (a: tf.Tensor4D) => tf.Tensor) =>
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D), r)))(x);
      const gRef = g((a) => tf.conv2d(a, w, s, tfPad));
      const gOurs = g((a) => conv2dForwardGrad(a, w, [s, s], pad));
      const scale = tf.max(tf.abs(gRef)).dataSync()[0];
      assert.ok(scale > 0, label);
      const err = tf.max(tf.abs(tf.sub(gOurs, gRef))).dataSync()[0] / scale;
      assert.ok(err < 1e-5, `${label}: relative error ${err}`);
      // A kept flipped kernel (what Net passes) gives the very same gradient.
      const flipped = flipKernel(w);
      const gKept = g((a) => conv2dForwardGrad(a, w, [s, s], pad, { flipped: () => flipped }));
      assert.deepEqual(gKept.dataSync(), gOurs.dataSync(), label);
    });
  }
  assert.equal(tf.memory().numTensors, before);
});
