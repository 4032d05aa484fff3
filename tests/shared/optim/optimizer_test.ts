import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { createLbfgs, createOptimizer, minimize } from "../../../src/shared/optim/mod.ts";
import { cubicMin } from "../../../src/shared/optim/_line_search.ts";
import { closureOf, rosenbrock } from "./_problems.ts";

Deno.test("minimize() stops when the signal aborts and keeps the last point", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  const optimizer = createLbfgs(closureOf(rosenbrock));
  const x0 = tf.tensor1d([-1.2, 1]);
  const losses: number[] = [];
  const result = await minimize(optimizer, x0, {
    maxSteps: 100,
    signal: controller.signal,
    onStep: async (r, i) => {
      losses.push(r.loss);
      await Promise.resolve(); // a caller may yield here
      if (i === 2) controller.abort();
    },
  });
  assert.equal(result.reason, "aborted");
  assert.equal(result.steps, 3);
  assert.equal(result.loss, losses[2]);
  // f(-1.2, 1) = 2.2² + 100·(1 - 1.44)² = 4.84 + 19.36 = 24.2; each step lowers it.
  assert.ok(losses[0] < 24.2 && losses[1] < losses[0] && losses[2] < losses[1], `${losses}`);
  tf.dispose([x0, result.x]);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createOptimizer() passes Adam's learningRate: the first step moves lr against the gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Rosenbrock at (-1.2, 1): b - a² = -0.44, ∂a = -2·2.2 - 400·(-1.2)·(-0.44) = -215.6,
  // ∂b = 200·(-0.44) = -88. Adam's first step is lr·sign(g) per coordinate (Kingma & Ba,
  // algorithm 1 at t = 1), so x₁ = (-1.2 + lr, 1 + lr): an ignored lr would give the default's.
  for (const lr of [0.01, 0.03]) {
    const optimizer = createOptimizer({ kind: "adam", learningRate: lr }, closureOf(rosenbrock));
    const x0 = tf.tensor1d([-1.2, 1]);
    const r = await optimizer.step(x0);
    const [a, b] = await r.x.data();
    assert.ok(
      Math.abs(a - (-1.2 + lr)) < 1e-6 && Math.abs(b - (1 + lr)) < 1e-6,
      `lr ${lr}: ${a}, ${b}`,
    );
    tf.dispose([x0, r.x]);
    optimizer.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createOptimizer() passes L-BFGS's history: m = 1 and m = 5 part ways once two pairs exist", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const path = async (history: number) => {
    const optimizer = createOptimizer({ kind: "lbfgs", history }, closureOf(rosenbrock));
    const x0 = tf.tensor1d([-1.2, 1]);
    const result = await minimize(optimizer, x0, { maxSteps: 6 });
    const x = Array.from(await result.x.data());
    tf.dispose([x0, result.x]);
    optimizer.dispose();
    return { x, loss: result.loss };
  };
  const [m1, m5, m5again] = [await path(1), await path(5), await path(5)];
  // Both descend from f(-1.2, 1) = 2.2² + 100·0.44² = 24.2.
  assert.ok(m1.loss < 24.2 && m5.loss < 24.2, `${m1.loss} ${m5.loss}`);
  // The two-loop recursion with one pair differs from the one with two or more from step 3 on:
  // an ignored history would make the paths equal. The same history replays exactly.
  assert.notDeepEqual(m1.x, m5.x);
  assert.deepEqual(m5.x, m5again.x);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("cubicMin() is exact on a quadratic and bisects without a finite end", () => {
  // φ(t) = (t - 2)²: φ(0) = 4, φ'(0) = -4; φ(3) = 1, φ'(3) = 2. The cubic through these
  // values is φ itself (zero cubic term), minimised at t = 2.
  const p1 = { t: 0, loss: 4, gtd: -4 };
  const p2 = { t: 3, loss: 1, gtd: 2 };
  assert.ok(Math.abs(cubicMin(p1, p2, 0, 3) - 2) < 1e-12);
  assert.equal(cubicMin(p1, p2, 0, 1.5), 1.5); // clamped to the bounds
  assert.equal(cubicMin(p1, { t: 3, loss: Infinity, gtd: Number.NaN }, 0, 3), 1.5);
});
