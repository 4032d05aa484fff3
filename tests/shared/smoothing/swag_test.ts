import assert from "node:assert/strict";
import { swag, swagOptionsOf, swagScaled } from "../../../src/shared/smoothing/swag.ts";
import { setupTf, tf } from "../../_tf.ts";

Deno.test("swag() is a softmax over every position and channel of the layer", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // A 1x1x2x2 map [0, ln 2, ln 3, ln 4]: exp gives [1, 2, 3, 4], total 10, so the whole layer
  // (both positions and both channels) becomes [0.1, 0.2, 0.3, 0.4].
  const x = tf.tensor4d([0, Math.log(2), Math.log(3), Math.log(4)], [1, 1, 2, 2]);
  const y = swag(x);
  assert.deepEqual(y.shape, [1, 1, 2, 2]);
  Array.from(y.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - [0.1, 0.2, 0.3, 0.4][i]) < 1e-6)
  );
  // Temperature 2 halves the logits: exp gives [1, sqrt 2, sqrt 3, 2], total 6.14626, so the
  // first entry is 1 / 6.14626 = 0.162701.
  const t2 = swag(x, { temperature: 2 });
  assert.ok(Math.abs(t2.dataSync()[0] - 1 / (1 + Math.SQRT2 + Math.sqrt(3) + 2)) < 1e-6);
  tf.dispose([x, y, t2]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swag() normalises each image of a batch on its own", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Image 0 is constant 0 and image 1 constant 5: each becomes uniform 1/4, whatever the offset.
  const x = tf.tensor4d([0, 0, 0, 0, 5, 5, 5, 5], [2, 2, 1, 2]);
  const y = swag(x);
  Array.from(y.dataSync()).forEach((v) => assert.ok(Math.abs(v - 0.25) < 1e-6));
  tf.dispose([x, y]);
  assert.throws(() => swag(x, { temperature: 0 }), /positive/);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swag() is differentiable", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // L = s_0 for s = swag(x): dL/dx_j = s_0 (delta_0j - s_j). With s = [.1, .2, .3, .4]:
  // [0.1 * 0.9, -0.1 * 0.2, -0.1 * 0.3, -0.1 * 0.4] = [0.09, -0.02, -0.03, -0.04].
  const x = tf.tensor4d([0, Math.log(2), Math.log(3), Math.log(4)], [1, 1, 2, 2]);
  const g = tf.grad((t) => tf.sum(tf.slice(swag(t as tf.Tensor4D), [0, 0, 0, 0], [1, 1, 1, 1])))(x);
  Array.from(g.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - [0.09, -0.02, -0.03, -0.04][i]) < 1e-6)
  );
  tf.dispose([x, g]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swag() over channels is a softmax at each position", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Two positions of two channels: (0, ln 3) → exp (1, 3)/4 = (.25, .75);
  // (ln 2, ln 2) → (.5, .5). Temperature 2 at the first: exp(0, ln3/2) = (1, √3), so
  // 1/(1+√3) = 0.366025 and √3/(1+√3) = 0.633975.
  const x = tf.tensor4d([0, Math.log(3), Math.log(2), Math.log(2)], [1, 1, 2, 2]);
  const y = swag(x, { over: "channels" });
  Array.from(y.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - [0.25, 0.75, 0.5, 0.5][i]) < 1e-6, `${i}: ${v}`)
  );
  const t2 = swag(x, { over: "channels", temperature: 2 });
  const r3 = Math.sqrt(3);
  assert.ok(Math.abs(t2.dataSync()[0] - 1 / (1 + r3)) < 1e-6);
  assert.ok(Math.abs(t2.dataSync()[1] - r3 / (1 + r3)) < 1e-6);
  // Scaled by c = 2: (.5, 1.5, 1, 1); the map variant scaled by h·w·c = 4 of
  // [0, ln2, ln3, ln4] is 4·[.1, .2, .3, .4] = [.4, .8, 1.2, 1.6].
  const sc = swagScaled(x, { over: "channels" });
  Array.from(sc.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - [0.5, 1.5, 1, 1][i]) < 1e-6));
  const m = tf.tensor4d([0, Math.log(2), Math.log(3), Math.log(4)], [1, 1, 2, 2]);
  const sm = swagScaled(m);
  Array.from(sm.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - [0.4, 0.8, 1.2, 1.6][i]) < 1e-5)
  );
  assert.throws(() => swag(x, { over: "rows" as "map" }), /"map" or "channels"/);
  tf.dispose([x, y, t2, sc, m, sm]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swag() over channels: gradient flows and Adam steps lower a loss on it", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Pull the per-position softmax of a random 3x3x4 map towards a fixed distribution.
  const goal = tf.tidy(() =>
    swag(tf.randomNormal([1, 3, 3, 4], 0, 1, "float32", 5), {
      over: "channels",
    })
  );
  const x = tf.tidy(() => tf.variable(tf.randomNormal([1, 3, 3, 4], 0, 1, "float32", 6)));
  const loss = () =>
    tf.mean(tf.squaredDifference(swag(x as unknown as tf.Tensor4D, { over: "channels" }), goal));
  const first = tf.tidy(() => loss().dataSync()[0]);
  const opt = tf.train.adam(0.1);
  for (let i = 0; i < 30; i++) tf.dispose(opt.minimize(loss as () => tf.Scalar, true) ?? []);
  const last = tf.tidy(() => loss().dataSync()[0]);
  assert.ok(last < 0.5 * first, `${first} -> ${last}`);
  opt.dispose();
  tf.dispose([goal, x]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("swagOptionsOf() reads a Recipe's boolean-or-object swag field", () => {
  assert.equal(swagOptionsOf(false), undefined);
  assert.equal(swagOptionsOf(undefined), undefined);
  assert.deepEqual(swagOptionsOf(true), {});
  assert.deepEqual(swagOptionsOf({ over: "channels", temperature: 2 }), {
    over: "channels",
    temperature: 2,
  });
});
