import assert from "node:assert/strict";
import { pixelParam } from "../../../src/shared/param/pixel.ts";
import { setupTf, tf } from "../../_tf.ts";
import { adamLosses, gradientOf, interiorImage, maxAbsDiff } from "./_images.ts";

Deno.test("pixelParam() is the identity, without a clamp", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const param = pixelParam(1, 2);
  assert.equal(param.size, 6);
  // Values outside [0, 1] pass through unchanged: no clamp, so no dead gradients.
  const flat = tf.tensor1d([-1, 0, 0.5, 1, 2, 3]);
  const image = param.toImage(flat);
  assert.deepEqual(image.shape, [1, 1, 2, 3]);
  assert.deepEqual(Array.from(image.dataSync()), [-1, 0, 0.5, 1, 2, 3]);
  const back = param.fromImage(image);
  assert.deepEqual(Array.from(back.dataSync()), [-1, 0, 0.5, 1, 2, 3]);
  // d/dflat sum(image * w) = w exactly, for the linspace weights -1, -0.6, ..., 1.
  const g = gradientOf(param, flat);
  [-1, -0.6, -0.2, 0.2, 0.6, 1].forEach((w, i) => assert.ok(Math.abs(g[i] - w) < 1e-6));
  tf.dispose([flat, image, back]);
  param.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("pixelParam() refuses a vector or image of the wrong size", async () => {
  await setupTf();
  const param = pixelParam(2, 2);
  const flat = tf.zeros([5]) as tf.Tensor1D;
  assert.throws(() => param.toImage(flat), /shape \[5\]: expected \[12\]/);
  const image = tf.zeros([1, 3, 2, 3]) as tf.Tensor4D;
  assert.throws(() => param.fromImage(image), /expected \[1, 2, 2, 3\]/);
  assert.throws(() => pixelParam(0, 2), /height is 0/);
  tf.dispose([flat, image]);
  param.dispose();
});

Deno.test("pixelParam({ decorrelate }) round-trips an image and passes gradients", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  for (const [h, w] of [[6, 8], [7, 5]]) {
    const param = pixelParam(h, w, { decorrelate: true });
    const image = interiorImage(h, w);
    const flat = param.fromImage(image);
    const back = param.toImage(flat);
    assert.ok(maxAbsDiff(back, image) < 1e-4);
    const g = gradientOf(param, flat);
    assert.ok(g.every(Number.isFinite) && g.some((v) => v !== 0));
    tf.dispose([image, flat, back]);
    param.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("pixelParam({ decorrelate }) lets a few Adam steps lower an MSE", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const param = pixelParam(6, 8, { decorrelate: true });
  const target = interiorImage(6, 8, 7);
  const flat0 = tf.zeros([param.size]) as tf.Tensor1D;
  const [first, last] = adamLosses(param, flat0, target, { steps: 20, learningRate: 0.1 });
  assert.ok(last < first / 2, `loss ${first} -> ${last}`);
  tf.dispose([target, flat0]);
  param.dispose();
  assert.equal(tf.memory().numTensors, before);
});
