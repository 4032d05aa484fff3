import assert from "node:assert/strict";
import { jitter } from "../../../src/shared/transforms/jitter.ts";
import { createRng } from "../../../src/shared/random.ts";
import { setupTf, tf } from "../../_tf.ts";

Deno.test("jitter() by 1 px is a shift of the centre crop", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // x[y][x] = 4 y + x on a 4x4 image; jitter(1) crops 2x2 at offset (oy, ox) in [0, 2]^2,
  // i.e. the centre crop (offset 1, 1) shifted by (oy - 1, ox - 1) in [-1, 1]^2. The offsets are
  // the first two rng.int(3) draws, replayed here from the same seed.
  const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
  const offsets = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const y = jitter(1)(x, createRng(seed));
    const replay = createRng(seed);
    const oy = replay.int(3), ox = replay.int(3);
    offsets.add(`${oy},${ox}`);
    const at = (r: number, c: number) => 4 * (oy + r) + ox + c;
    assert.deepEqual(y.shape, [1, 2, 2, 1]);
    assert.deepEqual(Array.from(y.dataSync()), [at(0, 0), at(0, 1), at(1, 0), at(1, 1)]);
    y.dispose();
  }
  // Every shift in [-1, 1]^2 occurs.
  assert.equal(offsets.size, 9);
  assert.throws(() => jitter(2)(x, createRng(0)), /larger/);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
});
