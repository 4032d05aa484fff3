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
