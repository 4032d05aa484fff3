import assert from "node:assert/strict";
import { compose, standardTransforms } from "../../../src/shared/transforms/compose.ts";
import { jitter } from "../../../src/shared/transforms/jitter.ts";
import { pad } from "../../../src/shared/transforms/pad.ts";
import { createRng } from "../../../src/shared/random.ts";
import { setupTf, tf } from "../../_tf.ts";

Deno.test("compose() applies transforms in order and frees the intermediates", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // pad(1) then jitter(1) on a 2x2 image: 4x4 padded, then a 2x2 crop at offset (oy, ox)
  // drawn from the same seed; at offset (1, 1) it is the original image.
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const t = compose(pad(1, { value: 0 }), jitter(1));
  for (let seed = 0; seed < 10; seed++) {
    const y = t(x, createRng(seed));
    const replay = createRng(seed);
    const oy = replay.int(3), ox = replay.int(3);
    const padded = [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0];
    const at = (r: number, c: number) => padded[4 * (oy + r) + ox + c];
    assert.deepEqual(Array.from(y.dataSync()), [at(0, 0), at(0, 1), at(1, 0), at(1, 1)]);
    y.dispose();
  }
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("standardTransforms() of an empty spec copies the image", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const y = standardTransforms({ pad: 0, jitter: 0, scales: [], angles: [] })(x, createRng(0));
  assert.notEqual(y, x);
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("standardTransforms() pads with grey, or with the mirrored image for padMode reflect", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // 3x3 image, pad 1 alone: the corner of the padded 5x5 is grey (0.5), or x[1][1] = 5 when
  // mirrored (row 1, column 1 of the image is reflected into row 0, column 0).
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const grey = standardTransforms({ pad: 1, jitter: 0, scales: [], angles: [] })(x, createRng(0));
  const mirrored = standardTransforms({
    pad: 1,
    padMode: "reflect",
    jitter: 0,
    scales: [],
    angles: [],
  })(
    x,
    createRng(0),
  );
  assert.deepEqual(grey.shape, [1, 5, 5, 1]);
  assert.deepEqual(Array.from(grey.dataSync()).slice(0, 5), [0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(Array.from(mirrored.dataSync()).slice(0, 5), [5, 4, 5, 6, 5]);
  tf.dispose([x, grey, mirrored]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("standardTransforms() is seeded and differentiable end to end", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const t = standardTransforms({ pad: 2, jitter: 2, scales: [0.75, 1.25], angles: [-10, 10] });
  const x = tf.tensor4d(Array.from({ length: 8 * 8 * 3 }, (_, i) => (i % 7) / 7), [1, 8, 8, 3]);
  const a = t(x, createRng(5)), b = t(x, createRng(5));
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  // pad 2 then jitter 2 keeps 8x8; the scale makes it 6x6 or 10x10.
  assert.ok([6, 10].includes(a.shape[1]));
  const g = tf.grad((v) => tf.sum(tf.square(t(v as tf.Tensor4D, createRng(5)))))(x);
  const d = g.dataSync();
  assert.ok(d.every(Number.isFinite) && d.some((v) => v !== 0));
  tf.dispose([x, a, b, g]);
  assert.equal(tf.memory().numTensors, before);
});
