/** Bicubic (Keys, a = -0.5) enlargement between pyramid scales. */
import assert from "node:assert/strict";
import { setupTf, tf } from "../_tf.ts";
import { keysCubic, resizeBicubic } from "../../src/shared/upsample.ts";

Deno.test("keysCubic() is Keys' a = -0.5 kernel", () => {
  // |x| <= 1: 1.5|x|^3 - 2.5|x|^2 + 1;  1 < |x| < 2: -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2.
  // 0.5: 0.1875 - 0.625 + 1 = 0.5625;  1.5: -1.6875 + 5.625 - 6 + 2 = -0.0625.
  assert.equal(keysCubic(0), 1);
  assert.equal(keysCubic(1), 0);
  assert.equal(keysCubic(2), 0);
  assert.equal(keysCubic(0.5), 0.5625);
  assert.equal(keysCubic(-1.5), -0.0625);
  assert.equal(keysCubic(3), 0);
});

Deno.test("resizeBicubic() doubles a one-pixel bump into the kernel's samples", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const signal = [0, 0, 0, 1, 0, 0, 0, 0];
  const x = tf.tensor4d(signal, [1, 1, 8, 1]);
  const y = resizeBicubic(x, [1, 16]);
  // Output i sits at input (i + 0.5)/2 - 0.5; its value is W(that - 3) (the bump at 3).
  // i = 6, 7: 2.75, 3.25 -> W(0.25) = 1.5/64 - 2.5/16 + 1 = 0.8671875;
  // i = 5, 8: 2.25, 3.75 -> W(0.75) = 0.6328125 - 1.40625 + 1 = 0.2265625;
  // i = 4, 9: 1.75, 4.25 -> W(1.25) = -0.9765625 + 3.90625 - 5 + 2 = -0.0703125;
  // i = 3, 10: 1.25, 4.75 -> W(1.75) = -2.6796875 + 7.65625 - 7 + 2 = -0.0234375;
  // all others are 2 or more away. (The values sum to 2: the kernel's samples sum to 1.)
  const w = [-0.0234375, -0.0703125, 0.2265625, 0.8671875];
  const expected = [0, 0, 0, ...w, ...w.toReversed(), 0, 0, 0, 0, 0];
  assert.deepEqual(y.shape, [1, 1, 16, 1]);
  assert.deepEqual(Array.from(await y.data()), expected);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("resizeBicubic() reproduces a linear ramp exactly, up to the borders, per channel", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // f(y, x, c) = 0.1 + 0.05x + 0.07y + 0.2c on a 3x4 image, enlarged to 7x9. Output (i, j)
  // sits at input (y, x) = ((i + 0.5)·3/7 - 0.5, (j + 0.5)·4/9 - 0.5), outside [0, 3] at the
  // borders: a linear extension outside keeps the ramp there too.
  const f = (y: number, x: number, c: number) => 0.1 + 0.05 * x + 0.07 * y + 0.2 * c;
  const src: number[] = [];
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) src.push(f(y, x, c));
  }
  const img = tf.tensor4d(src, [1, 3, 4, 3]);
  const out = resizeBicubic(img, [7, 9]);
  assert.deepEqual(out.shape, [1, 7, 9, 3]);
  const got = await out.data();
  let worst = 0;
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 9; j++) {
      for (let c = 0; c < 3; c++) {
        const want = f((i + 0.5) * 3 / 7 - 0.5, (j + 0.5) * 4 / 9 - 0.5, c);
        worst = Math.max(worst, Math.abs(got[(i * 9 + j) * 3 + c] - want));
      }
    }
  }
  // float32 arithmetic on values below 1: a few ulps.
  assert.ok(worst < 1e-6, `largest error ${worst}`);
  tf.dispose([img, out]);
  assert.equal(tf.memory().numTensors, before);
});
