import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { contentLoss, layeredContentLoss } from "../../../src/shared/losses/mod.ts";
import { close as closeTo } from "../../_assert.ts";

const close = (a: ArrayLike<number>, e: number[], tol = 1e-6) => closeTo(a, e, tol);

Deno.test("contentLoss() is the mean squared error with gradient 2(a-b)/n", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // a - b = [1, -2, 0, 3]: Σ² = 1+4+0+9 = 14, n = 4, loss 3.5; ∂/∂a = 2(a-b)/4 = [.5,-1,0,1.5].
  const a = tf.tensor4d([2, 0, 5, 4], [1, 2, 1, 2]);
  const b = tf.tensor4d([1, 2, 5, 1], [1, 2, 1, 2]);
  const loss = contentLoss(a, b);
  close(loss.dataSync(), [3.5]);
  const da = tf.grad((x: tf.Tensor) => contentLoss(x, b))(a);
  close(da.dataSync(), [0.5, -1, 0, 1.5]);
  const flat = tf.zeros([1, 4]);
  assert.throws(() => contentLoss(a, flat), /one shape/);
  flat.dispose();
  // Two layers, weights 1 and 2: 3.5 + 2·0 = 3.5 (layer y compares b with itself).
  const total = layeredContentLoss({ x: a, y: b }, {
    targets: { x: b, y: b },
    layers: [{ layer: "x", weight: 1 }, { layer: "y", weight: 2 }],
  });
  close(total.dataSync(), [3.5]);
  tf.dispose([a, b, loss, da, total]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("contentLoss() has tfjs's mean(squaredDifference) value and gradient bit for bit, in two new tensors of the input's size", async () => {
  await setupTf();
  const a = tf.randomNormal([1, 16, 16, 32], 0, 1, "float32", 1) as tf.Tensor4D;
  const b = tf.randomNormal([1, 16, 16, 32], 0, 1, "float32", 2) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  // A weight that is not a power of two, so dy / n rounds.
  const ours = tf.valueAndGrad((x: tf.Tensor) => tf.mul(contentLoss(x, b), 0.37))(a);
  const theirs = tf.valueAndGrad((x: tf.Tensor) =>
    tf.mul(tf.mean(tf.squaredDifference(x, b)), 0.37) as tf.Scalar
  )(a);
  assert.deepEqual(await ours.value.data(), await theirs.value.data());
  assert.deepEqual(await ours.grad.data(), await theirs.grad.data());
  tf.dispose([ours.value, ours.grad, theirs.value, theirs.grad]);
  // Peak of tfjs's byte count above the inputs, n = 16·16·32·4 bytes. The engine counts the
  // clones an op saves for its gradient (on WASM they share their buffers): x and b, 2n. Forward:
  // the squared differences (n), freed but for their mean. Backward: x - b (n), then
  // (x - b)·(2·dy/n) (n) beside it, plus scalars: at most 4n + 64. tfjs's own peaks at 7n:
  // clones of x and b, the squared differences and Mean's clone of them, the ones, dy·ones and
  // its quotient by n.
  const n = a.size * 4;
  const peak = async (f: (x: tf.Tensor) => tf.Scalar) => {
    const start = tf.memory().numBytes;
    const info = await tf.profile(() => tf.grad(f)(a));
    (info.result as tf.Tensor).dispose();
    return info.peakBytes - start;
  };
  const mine = await peak((x) => contentLoss(x, b));
  assert.ok(mine <= 4 * n + 64, `${mine} bytes above the inputs, expected at most ${4 * n + 64}`);
  const tfjs = await peak((x) => tf.mean(tf.squaredDifference(x, b)));
  assert.ok(tfjs >= 6 * n, `tfjs's own took ${tfjs} bytes, expected at least ${6 * n}`);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([a, b]);
});
