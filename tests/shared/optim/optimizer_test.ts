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

Deno.test("createOptimizer() builds each Recipe optimizer", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  for (
    const spec of [{ kind: "lbfgs", history: 5 }, { kind: "adam", learningRate: 0.01 }] as const
  ) {
    const optimizer = createOptimizer(spec, closureOf(rosenbrock));
    const x0 = tf.tensor1d([-1.2, 1]);
    const result = await minimize(optimizer, x0, { maxSteps: 5 });
    assert.ok(result.loss < 24.2, `${spec.kind}: loss ${result.loss}`);
    tf.dispose([x0, result.x]);
    optimizer.dispose();
  }
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
