import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { createAdam, minimize } from "../../../src/shared/optim/mod.ts";
import { barrier, closureOf, type Fn } from "./_problems.ts";

/** ½ Σ x², gradient x. */
const half: Fn = (x) => ({ loss: x.reduce((s, v) => s + v * v / 2, 0), grad: x });

Deno.test("createAdam() first step moves every coordinate by lr against its gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Kingma & Ba, algorithm 1 at t = 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g², so the update
  // is lr·g/(|g| + 1e-8) ≈ lr·sign(g). From x = (1, -2) with lr 0.1: (0.9, -1.9).
  // Second step, g = (0.9, -1.9): m = 0.09·(1, -2)·... per coordinate m₂ = 0.9·0.1g₁ + 0.1g₂,
  // v₂ = 0.999·0.001g₁² + 0.001g₂²; coordinate 0: m₂ = 0.09 + 0.09 = 0.18, m̂ = 0.18/0.19
  // = 0.947368; v₂ = 0.000999 + 0.00081 = 0.001809, v̂ = 0.001809/0.001999 = 0.904952,
  // √v̂ = 0.951290; step 0.1·0.947368/0.951290 = 0.099588, so x₀ = 0.9 - 0.099588 = 0.800412.
  const optimizer = createAdam(closureOf(half), { lr: 0.1 });
  const x0 = tf.tensor1d([1, -2]);
  const r1 = await optimizer.step(x0);
  const x1 = r1.x.dataSync();
  assert.ok(Math.abs(x1[0] - 0.9) < 1e-6 && Math.abs(x1[1] + 1.9) < 1e-6, `[${x1}]`);
  assert.equal(r1.loss, 2.5); // ½(1 + 4) at the point it stepped from
  const r2 = await optimizer.step(r1.x);
  assert.ok(Math.abs(r2.x.dataSync()[0] - 0.800412) < 1e-5, `[${r2.x.dataSync()}]`);
  tf.dispose([x0, r1.x, r2.x]);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createAdam() lowers a quadratic", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const optimizer = createAdam(closureOf(half), { lr: 0.05 });
  const x0 = tf.tensor1d([1, -2, 3, 0.5]);
  // ½(1 + 4 + 9 + 0.25) = 7.125 at the start.
  const result = await minimize(optimizer, x0, { maxSteps: 300 });
  assert.ok(result.loss < 7.125 / 100, `loss ${result.loss}`);
  tf.dispose([x0, result.x]);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createAdam() backs off from a NaN region", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Barrier Σ x - a log x (NaN for x < 0, minimum at a = (0.01, 0.05)) from (0.3, 0.3) with
  // lr 0.5: the first step moves each coordinate by ≈ lr to (-0.2, -0.2), where the loss is
  // NaN; the next step returns the midpoint with the last finite point, (0.05, 0.05), and
  // halves the step size. Backoffs repeat near the boundary until the iterates settle.
  const seen: number[][] = [];
  const optimizer = createAdam(closureOf(barrier, seen), { lr: 0.5 });
  const x0 = tf.tensor1d([0.3, 0.3]);
  const nonFinite: number[] = [];
  const result = await minimize(optimizer, x0, {
    maxSteps: 200,
    onStep: (r) => void nonFinite.push(r.info.nonFinite),
  });
  // (The update is lr·g/(|g| + 1e-8), so the points are exact only to ~1e-7.)
  const round = (v: number[]) => v.map((e) => Math.round(e * 1e5) / 1e5 + 0);
  assert.deepEqual(seen.slice(1, 3).map(round), [[-0.2, -0.2], [0.05, 0.05]]);
  assert.deepEqual(nonFinite.slice(0, 3), [0, 1, 0]);
  // The minimum f(a) = Σ a_i - a_i ln a_i = 0.2558383.
  assert.ok(Math.abs(result.loss - 0.2558383) < 1e-3, `loss ${result.loss}`);
  tf.dispose([x0, result.x]);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
});
