import assert from "node:assert/strict";
import { randomRotate, rotate } from "../../../src/shared/transforms/rotate.ts";
import { createRng } from "../../../src/shared/random.ts";
import { setupTf, tf } from "../../_tf.ts";

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-5) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
};

Deno.test("rotate() by 90 degrees is a transpose and flip of a square image", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Counter-clockwise on screen: out[y][x] = in[x][n - 1 - y]. For in = [[0,1,2],[3,4,5],
  // [6,7,8]] that is [[2,5,8],[1,4,7],[0,3,6]], i.e. reverse(transpose(in), rows).
  const x = tf.tensor4d(Array.from({ length: 9 }, (_, i) => i), [1, 3, 3, 1]);
  const y = rotate(x, 90);
  close(y.dataSync(), [2, 5, 8, 1, 4, 7, 0, 3, 6]);
  const ref = tf.tidy(() => tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1));
  close(y.dataSync(), Array.from(ref.dataSync()));
  tf.dispose([x, y, ref]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("rotate() by 180 degrees reverses a non-square batch", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Two 2x3 images with 2 channels: a half turn reverses the pixel order of each image and
  // keeps each pixel's channels together.
  const values = Array.from({ length: 24 }, (_, i) => i);
  const x = tf.tensor4d(values, [2, 2, 3, 2]);
  const y = rotate(x, 180);
  const expected = [0, 1].flatMap((n) =>
    [5, 4, 3, 2, 1, 0].flatMap((p) => [0, 1].map((c) => n * 12 + p * 2 + c))
  );
  close(y.dataSync(), expected);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("rotate() by 45 degrees samples bilinearly and fills outside", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // 3x3, x[y][x] = 3 y + x. The centre maps to itself: 4. Output (0, 0) reads the source
  // (x, y) = (1, 1 - sqrt 2) = (1, -0.41421): weight 0.41421 on row -1 (outside: fill 0.5) and
  // 0.58579 on in[0][1] = 1, so 0.41421 * 0.5 + 0.58579 * 1 = 0.79289.
  const x = tf.tensor4d(Array.from({ length: 9 }, (_, i) => i), [1, 3, 3, 1]);
  const y = rotate(x, 45);
  const data = y.dataSync();
  assert.ok(Math.abs(data[4] - 4) < 1e-5);
  assert.ok(Math.abs(data[0] - 0.79289) < 1e-4);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("rotate() passes the transposed map back as the gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // L = sum(rotate(x, 90) * W) with W[y][x] = 3 y + x. out[y][x] = in[x][2 - y], so in[a][b] is
  // read by out[2 - b][a] and dL/din[a][b] = W[2 - b][a]: rows [6,3,0], [7,4,1], [8,5,2].
  const x = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
  const w = tf.tensor4d(Array.from({ length: 9 }, (_, i) => i), [1, 3, 3, 1]);
  const g = tf.grad((t) => tf.sum(tf.mul(rotate(t as tf.Tensor4D, 90), w)))(x);
  close(g.dataSync(), [6, 3, 0, 7, 4, 1, 8, 5, 2]);
  // At 30 degrees, every gradient is finite and the centre pixel's is non-zero.
  const g30 = tf.grad((t) => tf.sum(tf.mul(rotate(t as tf.Tensor4D, 30), w)))(x);
  const d = g30.dataSync();
  assert.ok(d.every(Number.isFinite) && d[4] !== 0);
  tf.dispose([x, w, g, g30]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("randomRotate() picks its angle from the seeded Rng", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i / 16), [1, 4, 4, 1]);
  const t = randomRotate([-90, 0, 90, 180]);
  const outputs = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const a = t(x, createRng(seed)), b = t(x, createRng(seed));
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    outputs.add(Array.from(a.dataSync()).map((v) => v.toFixed(4)).join());
    tf.dispose([a, b]);
  }
  assert.equal(outputs.size, 4);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
});
