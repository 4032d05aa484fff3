import assert from "node:assert/strict";
import { randomScale } from "../../../src/shared/transforms/scale.ts";
import { createRng } from "../../../src/shared/random.ts";
import { setupTf, tf } from "../../_tf.ts";

Deno.test("randomScale([1]) is the identity", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
  const y = randomScale([1])(x, createRng(0));
  assert.deepEqual(y.shape, x.shape);
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("randomScale([2]) interpolates bilinearly and passes gradients", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Row [0, 2] to width 4, half-pixel centres off: source u = 0.5 x, clamped at the last pixel:
  // x = 0, 1, 2, 3 -> u = 0, 0.5, 1, 1.5 -> 0, 1, 2, 2.
  const x = tf.tensor4d([0, 2], [1, 1, 2, 1]);
  const y = randomScale([2])(x, createRng(0));
  assert.deepEqual(y.shape, [1, 2, 4, 1]);
  assert.deepEqual(Array.from(y.dataSync()), [0, 1, 2, 2, 0, 1, 2, 2]);
  // d sum(y) / dx: each output row gives pixel 0 the weights 1 + 0.5 and pixel 1 the weights
  // 0.5 + 1 + 1; two output rows per input row double them: [3, 5].
  const g = tf.grad((t) => tf.sum(randomScale([2])(t as tf.Tensor4D, createRng(0))))(x);
  assert.deepEqual(Array.from(g.dataSync()), [3, 5]);
  tf.dispose([x, y, g]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("randomScale() draws its factor from the seeded Rng", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const x = tf.zeros([1, 10, 10, 3]) as tf.Tensor4D;
  const sizes = new Set<number>();
  for (let seed = 0; seed < 20; seed++) {
    const a = randomScale([0.5, 1, 1.5])(x, createRng(seed));
    const b = randomScale([0.5, 1, 1.5])(x, createRng(seed));
    assert.deepEqual(a.shape, b.shape);
    sizes.add(a.shape[1]);
    tf.dispose([a, b]);
  }
  assert.deepEqual([...sizes].sort((p, q) => p - q), [5, 10, 15]);
  assert.throws(() => randomScale([]), /at least one/);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
});
