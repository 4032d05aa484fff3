import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { buildStyleObjective, styleTargets } from "../../../src/shared/losses/mod.ts";
import { type Closure, createLbfgs, minimize } from "../../../src/shared/optim/mod.ts";

Deno.test("createLbfgs() lowers a style objective through a tensor closure", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // A stand-in "net": layer a is the image, layer b a fixed 1x1 conv of it (deterministic
  // weights). Texture synthesis: match the Grams of a striped 8x8 target from a flat start,
  // with a little TV. The closure is what the renderer will do: reshape the flat variable to
  // an image, run the net, value-and-gradient of the objective, read the loss back.
  const kernel = tf.tensor4d(Array.from({ length: 12 }, (_, i) => Math.sin(3 * i)), [1, 1, 3, 4]);
  const net = (img: tf.Tensor4D) => ({ a: img, b: tf.relu(tf.conv2d(img, kernel, 1, "valid")) });
  const target = tf.tidy(() => {
    const rows = Array.from({ length: 8 * 8 * 3 }, (_, i) => (Math.floor(i / 24) % 2) * 0.8 + 0.1);
    return tf.tensor4d(rows, [1, 8, 8, 3]);
  });
  const grams = tf.tidy(() => styleTargets([net(target)]));
  const objective = buildStyleObjective({
    contentTargets: {},
    styleGrams: grams,
    contentLayers: [],
    styleLayers: [{ layer: "a", weight: 1 }, { layer: "b", weight: 1 }],
    weights: { content: 0, style: 100, tv: 0.01 },
  });
  const lossOf = (x: tf.Tensor) => {
    const img = tf.reshape(x, [1, 8, 8, 3]) as tf.Tensor4D;
    return objective(net(img), img).total;
  };
  const closure: Closure = async (x) => {
    const { value, grad } = tf.tidy(() => tf.valueAndGrad(lossOf)(x));
    const loss = (await value.data())[0];
    value.dispose();
    return { loss, grad: grad as tf.Tensor1D };
  };
  const x0 = tf.tidy(() =>
    tf.add(tf.fill([192], 0.5), tf.mul(tf.sin(tf.range(0, 192)), 0.01)) as tf.Tensor1D
  );
  const first = await closure(x0);
  first.grad.dispose();
  const optimizer = createLbfgs(closure);
  const result = await minimize(optimizer, x0, { maxSteps: 20 });
  // Measured: 0.94 → 7e-8 in 20 steps (23 evaluations).
  assert.ok(result.loss < first.loss / 1000, `loss ${first.loss} → ${result.loss}`);
  optimizer.dispose();
  tf.dispose([kernel, target, x0, result.x, ...Object.values(grams)]);
  assert.equal(tf.memory().numTensors, before);
});
