import assert from "node:assert/strict";
import { setupTf, TEST_BACKEND, tf } from "../../_tf.ts";
import { deviceVectors, hostVectors } from "../../../src/shared/optim/mod.ts";
import { createRng } from "../../../src/shared/random.ts";

Deno.test("hostVectors computes what deviceVectors computes on WASM, bit for bit", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // 300,001 values spread over six orders of magnitude, so that the order and precision of
  // the sums matter: a float64 sum of the float32 products differs from WASM's float32 one
  // in the last bits (the first assertion below shows it does, here).
  const rng = createRng(7);
  const n = 300_001;
  const a = new Float32Array(n), b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.normal() * 10 ** (i % 7 - 3);
    b[i] = rng.normal();
  }
  let f64 = 0;
  for (let i = 0; i < n; i++) f64 += Math.fround(a[i] * b[i]);
  const [ta, tb] = [tf.tensor1d(a), tf.tensor1d(b)];
  const device = await deviceVectors.dot(ta, tb);
  const host = await hostVectors.dot(a, b);
  if (TEST_BACKEND === "wasm") {
    assert.notEqual(Math.fround(f64), device, "float64 accumulation would not do");
    assert.equal(host, device);
  } else {
    assert.ok(Math.abs(host - device) <= 1e-4 * Math.abs(device), `${host} vs ${device}`);
  }
  assert.equal(await hostVectors.maxAbs(a), await deviceVectors.maxAbs(ta));
  // Elementwise ops: equal on every backend (float32 rounding of one operation).
  const pairs: [tf.Tensor1D, Float32Array][] = [
    [deviceVectors.addScaled(ta, tb, 0.1), hostVectors.addScaled(a, b, 0.1)],
    [deviceVectors.sub(ta, tb), hostVectors.sub(a, b)],
    [deviceVectors.scale(ta, 1 / 3), hostVectors.scale(a, 1 / 3)],
    [deviceVectors.neg(ta), hostVectors.neg(a)],
  ];
  for (const [d, h] of pairs) assert.deepEqual(await d.data(), h);
  // A non-finite entry makes maxAbs NaN in both.
  const bad = Float32Array.from([1, Infinity, 2]);
  const tbad = tf.tensor1d(bad);
  assert.ok(Number.isNaN(await hostVectors.maxAbs(bad)));
  assert.ok(Number.isNaN(await deviceVectors.maxAbs(tbad)));
  tf.dispose([ta, tb, tbad, ...pairs.map(([d]) => d)]);
  assert.equal(tf.memory().numTensors, before);
});
