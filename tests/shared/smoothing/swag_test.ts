import assert from "node:assert/strict";
import { swag } from "../../../src/shared/smoothing/swag.ts";
import { setupTf, tf } from "../../_tf.ts";

Deno.test("swag() is a softmax over every position and channel of the layer", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // A 1x1x2x2 map [0, ln 2, ln 3, ln 4]: exp gives [1, 2, 3, 4], total 10, so the whole layer
  // (both positions and both channels) becomes [0.1, 0.2, 0.3, 0.4].
  const x = tf.tensor4d([0, Math.log(2), Math.log(3), Math.log(4)], [1, 1, 2, 2]);
  const y = swag(x);
  assert.deepEqual(y.shape, [1, 1, 2, 2]);
  Array.from(y.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - [0.1, 0.2, 0.3, 0.4][i]) < 1e-6)
  );
  // Temperature 2 halves the logits: exp gives [1, sqrt 2, sqrt 3, 2], total 6.14626, so the
  // first entry is 1 / 6.14626 = 0.162701.
  const t2 = swag(x, { temperature: 2 });
  assert.ok(Math.abs(t2.dataSync()[0] - 1 / (1 + Math.SQRT2 + Math.sqrt(3) + 2)) < 1e-6);
  tf.dispose([x, y, t2]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swag() normalises each image of a batch on its own", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Image 0 is constant 0 and image 1 constant 5: each becomes uniform 1/4, whatever the offset.
  const x = tf.tensor4d([0, 0, 0, 0, 5, 5, 5, 5], [2, 2, 1, 2]);
  const y = swag(x);
  Array.from(y.dataSync()).forEach((v) => assert.ok(Math.abs(v - 0.25) < 1e-6));
  tf.dispose([x, y]);
  assert.throws(() => swag(x, { temperature: 0 }), /positive/);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swag() is differentiable", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // L = s_0 for s = swag(x): dL/dx_j = s_0 (delta_0j - s_j). With s = [.1, .2, .3, .4]:
  // [0.1 * 0.9, -0.1 * 0.2, -0.1 * 0.3, -0.1 * 0.4] = [0.09, -0.02, -0.03, -0.04].
  const x = tf.tensor4d([0, Math.log(2), Math.log(3), Math.log(4)], [1, 1, 2, 2]);
  const g = tf.grad((t) => tf.sum(tf.slice(swag(t as tf.Tensor4D), [0, 0, 0, 0], [1, 1, 1, 1])))(x);
  Array.from(g.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - [0.09, -0.02, -0.03, -0.04][i]) < 1e-6)
  );
  tf.dispose([x, g]);
  assert.equal(tf.memory().numTensors, before);
});
