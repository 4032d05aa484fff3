import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { buildStyleObjective, gram, sumTerms } from "../../../src/shared/losses/mod.ts";

Deno.test("buildStyleObjective() weights and sums the content, style and tv terms", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Features: layer c = [2,0,5,4] vs content target [1,2,5,1] → content loss 3.5 (see
  // content_test.ts); layer s = [[1, 0]] vs a zero Gram → style loss 1/16 (see style_test.ts).
  // Image [[0,1],[2,3]] → TV 5 (see tv_test.ts).
  // Weights α = 2, β = 16, γ = 0.1: terms 7, 1, 0.5; total 8.5.
  const features = {
    c: tf.tensor4d([2, 0, 5, 4], [1, 2, 1, 2]),
    s: tf.tensor4d([1, 0], [1, 1, 1, 2]),
  };
  const contentTargets = { c: tf.tensor4d([1, 2, 5, 1], [1, 2, 1, 2]) };
  const styleGrams = { s: tf.zeros([2, 2]) as tf.Tensor2D };
  const image = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
  const objective = buildStyleObjective({
    contentTargets,
    styleGrams,
    contentLayers: [{ layer: "c", weight: 1 }],
    styleLayers: [{ layer: "s", weight: 1 }],
    weights: { content: 2, style: 16, tv: 0.1 },
  });
  const value = objective(features, image);
  assert.deepEqual(Object.keys(value.terms).sort(), ["content", "style", "tv"]);
  assert.ok(Math.abs(value.terms.content.dataSync()[0] - 7) < 1e-5);
  assert.ok(Math.abs(value.terms.style.dataSync()[0] - 1) < 1e-5);
  assert.ok(Math.abs(value.terms.tv.dataSync()[0] - 0.5) < 1e-5);
  assert.ok(Math.abs(value.total.dataSync()[0] - 8.5) < 1e-5);
  tf.dispose([value.total, ...Object.values(value.terms)]);

  // Gradients flow to both the features and the image (inside tf.grads, tidy-safe).
  const grads = tf.grads((...[s, img]: tf.Tensor[]) =>
    objective({ ...features, s: s as tf.Tensor4D }, img as tf.Tensor4D).total
  )([features.s, image]);
  // ∂/∂s = 16 · (0.25, 0) (style_test.ts); ∂/∂image = 0.1 · [[-3,-1],[1,3]] (tv_test.ts).
  assert.deepEqual(Array.from(grads[0].dataSync()).map((v) => Math.round(v * 1e4) / 1e4), [4, 0]);
  assert.deepEqual(
    Array.from(grads[1].dataSync()).map((v) => Math.round(v * 1e4) / 1e4),
    [-0.3, -0.1, 0.1, 0.3],
  );
  tf.dispose(grads);

  assert.throws(
    () =>
      buildStyleObjective({
        contentTargets,
        styleGrams,
        contentLayers: [],
        styleLayers: [{ layer: "missing", weight: 1 }],
        weights: { content: 1, style: 1, tv: 0 },
      }),
    /No style Gram for layer "missing"/,
  );

  // The TV term at the recipe's order: a row [0, 1, 4] has second-order TV 1 (tv_test.ts), so
  // at γ = 0.1 the term is 0.1 (at order 1 it would be 0.1 · (1 + 9) / 2 = 0.5); a bad order
  // throws when the objective is built.
  const row = tf.tensor4d([0, 1, 4], [1, 1, 3, 1]);
  const tvOnly = { contentTargets, styleGrams, contentLayers: [], styleLayers: [] };
  const second = buildStyleObjective({
    ...tvOnly,
    weights: { content: 0, style: 0, tv: 0.1 },
    tvOrder: 2,
  })(features, row);
  assert.ok(Math.abs(second.terms.tv.dataSync()[0] - 0.1) < 1e-6);
  tf.dispose([second.total, ...Object.values(second.terms), row]);
  assert.throws(
    () => buildStyleObjective({ ...tvOnly, weights: { content: 0, style: 0, tv: 1 }, tvOrder: 7 }),
    /TV order 7: expected an integer from 1 to 4/,
  );
  tf.dispose([features.c, features.s, contentTargets.c, styleGrams.s, image]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("sumTerms() skips weight-0 terms and lowers the loss under gradient descent", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // A texture objective on the image itself: match the Gram of a target image as a feature map.
  // The broken term would throw if it were evaluated; weight 0 must skip it.
  const target = tf.tensor4d([0.2, 0.9, 0.4, 0.1, 0.8, 0.3, 0.6, 0.5], [1, 2, 2, 2]);
  const targetGram = gram(target);
  const objective = sumTerms([
    {
      name: "gram",
      weight: 10,
      fn: (_f, img) => tf.tidy(() => tf.mean(tf.squaredDifference(gram(img), targetGram))),
    },
    {
      name: "broken",
      weight: 0,
      fn: () => {
        throw new Error("evaluated");
      },
    },
  ]);
  let x = tf.tensor4d([0.5, 0.5, 0.1, 0.2, 0.3, 0.9, 0.7, 0.4], [1, 2, 2, 2]);
  const lossAt = (img: tf.Tensor4D) =>
    tf.tidy(() => {
      const v = objective({}, img);
      return v.total.dataSync()[0];
    });
  const first = lossAt(x);
  for (let i = 0; i < 20; i++) {
    const next = tf.tidy(() => {
      const g = tf.grad((img: tf.Tensor) => objective({}, img as tf.Tensor4D).total)(x);
      return tf.sub(x, tf.mul(g, 0.5)) as tf.Tensor4D;
    });
    x.dispose();
    x = next;
  }
  const last = lossAt(x);
  assert.ok(last < first * 0.9, `loss ${first} → ${last}`);
  assert.throws(
    () =>
      sumTerms([{ name: "a", weight: 1, fn: () => tf.scalar(0) }, {
        name: "a",
        weight: 1,
        fn: () => tf.scalar(0),
      }]),
    /appears twice/,
  );
  tf.dispose([target, targetGram, x]);
  assert.equal(tf.memory().numTensors, before);
});
