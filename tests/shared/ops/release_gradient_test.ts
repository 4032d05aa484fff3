import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { addRelu } from "../../../src/shared/nets/_add_relu.ts";

// x -> probe -> k x addRelu([., c]): the probe's gradient runs last and reads the engine's byte
// count then, when every addRelu's gradient has run.
function chain(k: number, c: tf.Tensor, seen: { bytes: number }) {
  const probe = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      seen.bytes = tf.memory().numBytes;
      return tf.mul(dy, 1);
    },
  }));
  return (x: tf.Tensor) => {
    let y = probe(x);
    for (let i = 0; i < k; i++) y = addRelu([y, c]);
    return y;
  };
}

Deno.test("releaseGradientInputs(): addRelu()'s gradient frees its saved output and its upstream gradient, not the caller's dy", async () => {
  await setupTf();
  const x = tf.randomNormal([1, 16, 16, 8], 0, 1, "float32", 1);
  const c = tf.randomNormal([1, 16, 16, 8], 0, 0.5, "float32", 2);
  const dy = tf.randomNormal([1, 16, 16, 8], 0, 1, "float32", 3);
  const before = tf.memory().numTensors;
  const base = tf.memory().numBytes;
  const seen = { bytes: 0 };
  const k = 4;
  const dx = tf.grad(chain(k, c, seen))(x, dy);
  // n bytes per tensor. After the forward pass the engine holds k saved outputs (clones: it counts
  // each, though on WASM they share the outputs' buffers) and the last output: (k + 1)n. The last
  // addRelu's gradient adds g_k and its clone for c (which tf.grad holds to the end, c being off
  // the path) and frees its saved output; each earlier one adds g_i and its clone and frees its
  // saved output and its dy g_(i+1). At the probe: (k + 1)n + n = (k + 2)n. Holding all, as tfjs
  // does, would be (k + 1)n + 2kn = (3k + 1)n.
  const n = x.size * 4;
  assert.ok(
    seen.bytes - base <= (k + 2) * n + 64,
    `${seen.bytes - base} bytes held at the first op's gradient, expected (k + 2)n = ${
      (k + 2) * n
    }`,
  );
  // The same gradient as tfjs's own ops (dy·step at each ReLU, passed through each sum).
  const theirs = tf.grad((t: tf.Tensor) => {
    let y = t;
    for (let i = 0; i < k; i++) y = tf.relu(tf.add(y, c));
    return y;
  })(x, dy);
  assert.deepEqual(await dx.data(), await theirs.data());
  // The caller's dy is the caller's: still there, unchanged.
  assert.equal(dy.isDisposed, false);
  assert.equal((await dy.data()).length, x.size);
  tf.dispose([dx, theirs]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, c, dy]);
});

Deno.test("addRelu() under tf.grad of a sum frees the backward pass's own dy and keeps the gradient", async () => {
  await setupTf();
  // The op's dy is Sum's gradient, made in the backward pass: the op frees it after use.
  const x = tf.tensor4d([-1, 2, 3, -4], [1, 2, 2, 1]);
  const c = tf.tensor4d([0.5, 0.5, -5, 5], [1, 2, 2, 1]);
  const before = tf.memory().numTensors;
  const g = tf.grad((t: tf.Tensor) => tf.sum(addRelu([t, c])))(x);
  // relu(x + c) = relu([-0.5, 2.5, -2, 1]): gradient 1 where the sum is > 0: [0, 1, 0, 1].
  assert.deepEqual(Array.from(await g.data()), [0, 1, 0, 1]);
  g.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, c]);
});
