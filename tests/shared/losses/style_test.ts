import assert from "node:assert/strict";
import { tf } from "../../_tf.ts";
import {
  blendGrams,
  gram,
  gramLoss,
  gramPullback,
  layeredStyleLoss,
  normaliseWeights,
  styleLoss,
  styleTargets,
} from "../../../src/shared/losses/mod.ts";
import { close, noLeak } from "../../_assert.ts";

Deno.test("gram() of a 1x1x2x2 map is FᵀF / (h·w·c)", () =>
  noLeak(() => {
    // Pixels (1,2) and (3,4): F = [[1,2],[3,4]], FᵀF = [[1+9, 2+12], [2+12, 4+16]]
    // = [[10,14],[14,20]]; h·w·c = 1·2·2 = 4, so G = [[2.5,3.5],[3.5,5]].
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const g = gram(f);
    assert.deepEqual(g.shape, [2, 2]);
    close(g.dataSync(), [2.5, 3.5, 3.5, 5]);
    tf.dispose([f, g]);
  }));

Deno.test("gram() of a constant image does not depend on its size", () =>
  noLeak(() => {
    // Every pixel (1,2): FᵀF = h·w·[[1,2],[2,4]], divided by h·w·2 gives [[.5,1],[1,2]].
    for (const [h, w] of [[1, 1], [3, 5]]) {
      const f = tf.tidy(() => tf.tile(tf.tensor4d([1, 2], [1, 1, 1, 2]), [1, h, w, 1]));
      const g = gram(f as tf.Tensor4D);
      close(g.dataSync(), [0.5, 1, 1, 2]);
      tf.dispose([f, g]);
    }
  }));

Deno.test("gram() refuses a batch of two", () =>
  noLeak(() => {
    const f = tf.zeros([2, 1, 1, 3]) as tf.Tensor4D;
    assert.throws(() => gram(f), /expected one NHWC feature map \[1, h, w, c\]/);
    f.dispose();
  }));

Deno.test("styleLoss() is the mean squared difference and has gradient 2(G-A)/c²", () =>
  noLeak(() => {
    // G - A = [[1,0],[2,-1]]: Σ(G-A)² = 1+0+4+1 = 6, c² = 4, loss = 1.5;
    // ∂/∂G = 2(G-A)/4 = [[.5,0],[1,-.5]].
    const g = tf.tensor2d([[2, 1], [3, 0]]);
    const a = tf.tensor2d([[1, 1], [1, 1]]);
    const loss = styleLoss(g, a);
    close(loss.dataSync(), [1.5]);
    const dg = tf.grad((x: tf.Tensor) => styleLoss(x as tf.Tensor2D, a))(g);
    close(dg.dataSync(), [0.5, 0, 1, -0.5]);
    const wide = tf.zeros([3, 3]) as tf.Tensor2D;
    assert.throws(() => styleLoss(g, wide), /one shape/);
    tf.dispose([g, a, loss, dg, wide]);
  }));

Deno.test("styleLoss(gram()) has the hand-derived gradient in the features", () =>
  noLeak(() => {
    // F = [[f1, 0]] (1x1x1x2), target A = 0: G = [[f1²/2, 0], [0, 0]],
    // L = (f1²/2)² / c² = f1⁴/16, ∂L/∂f1 = f1³/4. At f1 = 1: L = 1/16, gradient (0.25, 0).
    // At F = [[2, 0]]: L = 1, gradient (2, 0).
    const a = tf.zeros([2, 2]) as tf.Tensor2D;
    const lossOf = (f: tf.Tensor) => styleLoss(gram(f as tf.Tensor4D), a);
    for (const [f1, l, d] of [[1, 1 / 16, 0.25], [2, 1, 2]]) {
      const f = tf.tensor4d([f1, 0], [1, 1, 1, 2]);
      const { value, grad } = tf.valueAndGrad(lossOf)(f);
      close(value.dataSync(), [l]);
      close(grad.dataSync(), [d, 0]);
      tf.dispose([f, value, grad]);
    }
    a.dispose();
  }));

Deno.test("layeredStyleLoss() sums per-layer losses with their weights", () =>
  noLeak(() => {
    // Layer a: F = [[1,0]] vs 0 gives 1/16 (see above); layer b: the 1x1x2x2 map
    // [1,2,3,4] has G = [[2.5,3.5],[3.5,5]]; against G itself its loss is 0, against 0 it is
    // (6.25 + 12.25 + 12.25 + 25) / 4 = 13.9375. Weights 2 and 0.5: 2/16 + 0.5·13.9375 = 7.09375.
    const features = {
      a: tf.tensor4d([1, 0], [1, 1, 1, 2]),
      b: tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]),
    };
    const grams = { a: tf.zeros([2, 2]) as tf.Tensor2D, b: tf.zeros([2, 2]) as tf.Tensor2D };
    const loss = layeredStyleLoss(features, {
      grams,
      layers: [{ layer: "a", weight: 2 }, { layer: "b", weight: 0.5 }],
    });
    close(loss.dataSync(), [7.09375]);
    assert.throws(
      () => layeredStyleLoss(features, { grams, layers: [{ layer: "c", weight: 1 }] }),
      /No feature map for layer "c": have "a", "b"/,
    );
    tf.dispose([loss, ...Object.values(features), ...Object.values(grams)]);
  }));

Deno.test("styleTargets() blends the Grams of several styles with normalised weights", () =>
  noLeak(() => {
    // Style 1, constant pixel (1,0) → G = [[.5,0],[0,0]]; style 2, 2x2 of pixel (0,2)
    // → G = [[0,0],[0,2]]. Weights 3 and 1 normalise to .75 and .25:
    // A = .75·[[.5,0],[0,0]] + .25·[[0,0],[0,2]] = [[.375,0],[0,.5]].
    const s1 = { x: tf.tensor4d([1, 0], [1, 1, 1, 2]) };
    const s2 = { x: tf.tensor4d([0, 2, 0, 2, 0, 2, 0, 2], [1, 2, 2, 2]) };
    const targets = styleTargets([s1, s2], { weights: [3, 1] });
    close(targets.x.dataSync(), [0.375, 0, 0, 0.5]);
    const equal = styleTargets([s1, s2]);
    close(equal.x.dataSync(), [0.25, 0, 0, 1]);
    const single = blendGrams([targets]);
    close(single.x.dataSync(), [0.375, 0, 0, 0.5]);
    assert.throws(() => styleTargets([s1, s2], { weights: [1] }), /1 style weights for 2/);
    assert.throws(() => styleTargets([s1], { weights: [-1] }), /expected a finite number >= 0/);
    assert.throws(() => styleTargets([s1, s2], { weights: [0, 0] }), /sum to 0/);
    assert.throws(() => styleTargets([]), /at least one/);
    tf.dispose([s1.x, s2.x, targets.x, equal.x, single.x]);
  }));

Deno.test("normaliseWeights() makes weights sum 1", () => {
  assert.deepEqual(normaliseWeights(3, [1, 1, 2]), [0.25, 0.25, 0.5]);
  assert.deepEqual(normaliseWeights(2), [0.5, 0.5]);
});

Deno.test("gram()'s gradient is tfjs's matMul gradient, with more pixels than channels and fewer", () =>
  noLeak(() => {
    // L = Σ W ⊙ G with a non-symmetric W, so both halves of dF = F (W + Wᵀ) / (h·w·c) count.
    // Hand value for F = [[1,2],[3,4]] (1x1x2x2), W = [[1,0],[2,0]]: W + Wᵀ = [[2,2],[2,0]],
    // F (W + Wᵀ) = [[1·2+2·2, 1·2+2·0], [3·2+4·2, 3·2+4·0]] = [[6,2],[14,6]], / 4 =
    // [[1.5,0.5],[3.5,1.5]].
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const w = tf.tensor2d([[1, 0], [2, 0]]);
    const g = tf.grad((x) => tf.sum(tf.mul(gram(x as tf.Tensor4D), w)))(f);
    close(g.dataSync(), [1.5, 0.5, 3.5, 1.5]);
    tf.dispose([f, w, g]);
    // Against tfjs's own gradient of FᵀF / (h·w·c), at 6 pixels x 4 channels and 2 x 9.
    for (const [h, wd, c] of [[2, 3, 4], [1, 2, 9]]) {
      const x = tf.randomNormal([1, h, wd, c], 0, 1, "float32", 7) as tf.Tensor4D;
      const m = tf.randomNormal([c, c], 0, 1, "float32", 8) as tf.Tensor2D;
      const reference = (t: tf.Tensor4D) => {
        const r = tf.reshape(t, [h * wd, c]);
        return tf.div(tf.matMul(r, r, true, false), h * wd * c) as tf.Tensor2D;
      };
      const ours = tf.grad((t) => tf.sum(tf.mul(gram(t as tf.Tensor4D), m)))(x);
      const theirs = tf.grad((t) => tf.sum(tf.mul(reference(t as tf.Tensor4D), m)))(x);
      close(ours.dataSync(), theirs.dataSync(), 1e-5);
      const value = tf.tidy(() => tf.sub(gram(x), reference(x)));
      close(value.dataSync(), new Float32Array(c * c), 1e-6);
      tf.dispose([x, m, ours, theirs, value]);
    }
  }));

/** A seeded random symmetric [c, c] matrix R + Rᵀ (a Gram target or upstream gradient). */
function randomSymmetric(c: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const r = tf.randomNormal([c, c], 0, 1, "float32", seed);
    return tf.add(r, tf.transpose(r)) as tf.Tensor2D;
  });
}

Deno.test("gramLoss() is styleLoss(gram()) in value and gradient, with more pixels than channels and fewer", () =>
  noLeak(() => {
    // Hand value: F = [[2, 0]] (1x1x1x2) against A = 0 is L = 1 with gradient (2, 0) (see the
    // styleLoss(gram()) test above); against A = [[1, 0.5], [0.5, 0]]: G = [[2, 0], [0, 0]],
    // D = G - A = [[1, -0.5], [-0.5, 0]], L = (1 + 0.25 + 0.25) / 4 = 0.375,
    // dF = 4 F D / (h·w·c·c²) = 4·[2·1, 2·(-0.5)] / 8 = [1, -0.5].
    for (const [a, l, d] of [[[0, 0, 0, 0], 1, [2, 0]], [[1, 0.5, 0.5, 0], 0.375, [1, -0.5]]]) {
      const f = tf.tensor4d([2, 0], [1, 1, 1, 2]);
      const target = tf.tensor2d(a as number[], [2, 2]);
      const { value, grad } = tf.valueAndGrad((x) => gramLoss(x as tf.Tensor4D, target))(f);
      close(value.dataSync(), [l as number]);
      close(grad.dataSync(), d as number[]);
      tf.dispose([f, target, value, grad]);
    }
    // Against the general path at 6 pixels x 4 channels and 2 x 9, symmetric random targets.
    for (const [h, w, c] of [[2, 3, 4], [1, 2, 9]]) {
      const x = tf.randomNormal([1, h, w, c], 0, 1, "float32", 7) as tf.Tensor4D;
      const target = randomSymmetric(c, 8);
      const ours = tf.valueAndGrad((t) => gramLoss(t as tf.Tensor4D, target))(x);
      const theirs = tf.valueAndGrad((t) => styleLoss(gram(t as tf.Tensor4D), target))(x);
      close(ours.value.dataSync(), theirs.value.dataSync(), 1e-5);
      close(ours.grad.dataSync(), theirs.grad.dataSync(), 1e-5);
      tf.dispose([x, target, ours.value, ours.grad, theirs.value, theirs.grad]);
    }
    const f = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const wrong = tf.zeros([2, 2]) as tf.Tensor2D;
    assert.throws(() => gramLoss(f, wrong), /shapes \[3,3\] and \[2,2\]/);
    tf.dispose([f, wrong]);
  }));

Deno.test("gramLoss()'s kernel form (fewer than c/2 pixels) has hand-derived values, with or without A's mean square", () =>
  noLeak(() => {
    // F = [[1, 2, 0]] (1x1x1x3, n = 1 < c/2), s = n·c = 3: G = FᵀF/3 = [[1,2,0],[2,4,0],[0,0,0]]/3.
    // Against A = diag(1, 0, 0): D = [[-2/3, 2/3, 0], [2/3, 4/3, 0], 0], ΣD² = 28/9,
    // L = ΣD²/c² = 28/81; dF = 4 F D / (s·c²) = 4/27 · [2/3, 10/3, 0] = [8/81, 40/81, 0].
    const f = tf.tensor4d([1, 2, 0], [1, 1, 1, 3]);
    const a = tf.tensor2d([1, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3]);
    const meanSquare = tf.scalar(1 / 9);
    for (const m of [undefined, meanSquare]) {
      const { value, grad } = tf.valueAndGrad((x) => gramLoss(x as tf.Tensor4D, a, m))(f);
      close(value.dataSync(), [28 / 81]);
      close(grad.dataSync(), [8 / 81, 40 / 81, 0]);
      tf.dispose([value, grad]);
    }
    // At its own Gram the loss is 0 up to float32 rounding of the sums, and so is the gradient.
    const g = gram(f);
    const { value, grad } = tf.valueAndGrad((x) => gramLoss(x as tf.Tensor4D, g))(f);
    assert.ok(Math.abs(value.dataSync()[0]) < 1e-7, `loss ${value.dataSync()[0]}`);
    close(grad.dataSync(), [0, 0, 0], 1e-7);
    tf.dispose([f, a, meanSquare, g, value, grad]);
  }));

Deno.test("gramPullback() has the gradient of Σ gram(F) ⊙ D for a symmetric D, value 0, no Gram made", () =>
  noLeak(() => {
    // Hand value: F = [[2, 0]] (1 pixel, 2 channels), D = [[1, 3], [3, 0]]: d/dF of
    // Σ gram(F) ⊙ D = 2 F D / (h·w·c) = 2·[2, 6] / 2 = [2, 6].
    const f1 = tf.tensor4d([2, 0], [1, 1, 1, 2]);
    const d1 = tf.tensor2d([1, 3, 3, 0], [2, 2]);
    const { value, grad } = tf.valueAndGrad((x) => gramPullback(x as tf.Tensor4D, d1))(f1);
    assert.equal(value.dataSync()[0], 0);
    close(grad.dataSync(), [2, 6]);
    tf.dispose([f1, d1, value, grad]);
    // Against autodiff of the sum, with more pixels than channels and fewer.
    for (const [h, w, c] of [[2, 3, 4], [1, 2, 9]]) {
      const x = tf.randomNormal([1, h, w, c], 0, 1, "float32", 3) as tf.Tensor4D;
      const d = randomSymmetric(c, 4);
      const ours = tf.grad((t) => gramPullback(t as tf.Tensor4D, d))(x);
      const theirs = tf.grad((t) => tf.sum(tf.mul(gram(t as tf.Tensor4D), d)))(x);
      close(ours.dataSync(), theirs.dataSync(), 1e-5);
      tf.dispose([x, d, ours, theirs]);
    }
    const f = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const wrong = tf.zeros([2, 2]) as tf.Tensor2D;
    assert.throws(() => gramPullback(f, wrong), /shapes \[3,3\] and \[2,2\]/);
    tf.dispose([f, wrong]);
  }));
