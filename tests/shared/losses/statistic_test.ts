import assert from "node:assert/strict";
import { tf } from "../../_tf.ts";
import {
  buildStyleObjective,
  createStyleStatistic,
  gramStatistic,
  layeredStatisticLoss,
  layeredStyleLoss,
  matchedQuantiles,
  meanAndCovarianceForTest,
  meancovStatistic,
  randomDirections,
  relativeGramStatistic,
  resampleQuantiles,
  shallowHeavyLayerWeights,
  slicedStatistic,
  sortRowsDescending,
  sqrtmNewtonSchulz,
  statisticTargets,
  type StyleStatistic,
} from "./_statistic_imports.ts";
import { close, noLeak } from "../../_assert.ts";

/** A [1, h, w, c] map from pixel rows (one row of c values per pixel, h = 1). */
const pixels = (rows: number[][]): tf.Tensor4D =>
  tf.tensor4d(rows.flat(), [1, 1, rows.length, rows[0].length]);

Deno.test("gramStatistic gives the numbers of styleTargets() and layeredStyleLoss()", () =>
  noLeak(() => {
    // Style 1, constant pixel (1,0) → G = [[.5,0],[0,0]]; style 2, pixels (0,2) → G =
    // [[0,0],[0,2]]; blend 3:1 → [[.375,0],[0,.5]] (as in style_test.ts).
    const s1 = pixels([[1, 0]]);
    const s2 = pixels([[0, 2], [0, 2]]);
    const t = gramStatistic.targets([s1, s2], [3, 1]);
    close(t.gram.dataSync(), [0.375, 0, 0, 0.5]);
    // Against a zero Gram, the map [1,2],[3,4] scores (6.25 + 12.25 + 12.25 + 25)/4 = 13.9375,
    // and layeredStyleLoss agrees.
    const zero = tf.tidy(() => gramStatistic.targets([pixels([[0, 0]])]));
    const f = pixels([[1, 2], [3, 4]]);
    const loss = gramStatistic.loss(f, zero);
    close(loss.dataSync(), [13.9375]);
    const ref = layeredStyleLoss({ x: f }, {
      grams: { x: zero.gram as tf.Tensor2D },
      layers: [{ layer: "x", weight: 1 }],
    });
    assert.equal(loss.dataSync()[0], ref.dataSync()[0]);
    tf.dispose([s1, s2, t, zero, f, loss, ref]);
  }));

Deno.test("relativeGramStatistic loss is Σ(G − A)²/ΣA²: scale-free, 1 for a blank output", () =>
  noLeak(() =>
    tf.tidy(() => {
      // Style pixel (1, 0), h·w = 1, c = 2: A = FᵀF/(h·w·c) = [[.5, 0], [0, 0]], ΣA² = .25.
      // Output pixels (1, 2), (3, 4), h·w = 2: FᵀF = [[10, 14], [14, 20]], G = FᵀF/4 =
      // [[2.5, 3.5], [3.5, 5]]; G − A = [[2, 3.5], [3.5, 5]], Σ(G − A)² = 4 + 12.25·2 + 25 =
      // 53.5. Relative loss 53.5/.25 = 214 (the "channels" loss is 53.5/c² = 13.375).
      const s = pixels([[1, 0]]);
      const f = pixels([[1, 2], [3, 4]]);
      const t = relativeGramStatistic.targets([s]);
      close(relativeGramStatistic.loss(f, t).dataSync(), [214], 1e-3);
      close(gramStatistic.loss(f, t).dataSync(), [13.375]);
      // Features 10x larger on both sides: G and A grow 100x, the ratio stays 214 while the
      // "channels" loss grows 1e4x. This is what lets every layer count alike.
      const t10 = relativeGramStatistic.targets([tf.mul(s, 10) as tf.Tensor4D]);
      close(relativeGramStatistic.loss(tf.mul(f, 10) as tf.Tensor4D, t10).dataSync(), [214], 1e-2);
      // A blank output (G = 0) scores ΣA²/ΣA² = 1 at every layer.
      close(relativeGramStatistic.loss(pixels([[0, 0], [0, 0]]), t).dataSync(), [1]);
      // A target of zeros (a dead layer) keeps the absolute loss: against A = 0 the map scores
      // Σ G²/c² = (6.25 + 12.25·2 + 25)/4 = 13.9375 (as gramStatistic does above).
      const dead = relativeGramStatistic.targets([pixels([[0, 0]])]);
      close(relativeGramStatistic.loss(f, dead).dataSync(), [13.9375]);
      // Differentiable: d/dF of Σ(G − A)²/ΣA² is non-zero at f.
      const g = tf.grad((x) => relativeGramStatistic.loss(x as tf.Tensor4D, t))(f);
      assert.ok(tf.max(tf.abs(g)).dataSync()[0] > 0);
    })
  ));

Deno.test('createStyleStatistic() takes normalize "target" for the Gram loss only', () => {
  assert.equal(createStyleStatistic({ loss: "gram", normalize: "target" }), relativeGramStatistic);
  assert.equal(createStyleStatistic({ loss: "gram", normalize: "channels" }), gramStatistic);
  assert.throws(
    () => createStyleStatistic({ loss: "sliced", normalize: "target" }),
    /gram loss only, not "sliced"/,
  );
});

Deno.test("the Gram statistic with an activation shift is the Gram of F + shift, by hand", () =>
  noLeak(() => {
    // One channel, two pixels. Output F = (0, 2), shift -1: F + s = (-1, 1), G = (1 + 1)/2 = 1.
    // Painting (3, 3): (2, 2), A = (4 + 4)/2 = 4. Loss (G − A)²/c² = 9 (unshifted: (2 − 9)² =
    // 49). dL/dF = 2(G − A)·dG/dF = 2(G − A)·(F + s)·2/(n·c) = −6·(−1, 1) = (6, −6).
    const stat = createStyleStatistic({ loss: "gram", shift: -1 });
    assert.equal(stat.kind, "gram");
    const painting = pixels([[3], [3]]);
    const out = pixels([[0], [2]]);
    const target = stat.targets([painting]);
    close(target.gram.dataSync(), [4]);
    const loss = stat.loss(out, target);
    close(loss.dataSync(), [9]);
    const plainTarget = gramStatistic.targets([painting]);
    close(plainTarget.gram.dataSync(), [9]);
    const unshifted = gramStatistic.loss(out, plainTarget);
    close(unshifted.dataSync(), [49]);
    const g = tf.grad((x: tf.Tensor) => stat.loss(x as tf.Tensor4D, target))(out);
    close(g.dataSync(), [6, -6]);
    tf.dispose([
      painting,
      out,
      Object.values(target),
      Object.values(plainTarget),
      loss,
      unshifted,
      g,
    ]);
  }));

Deno.test("createStyleStatistic(): no shift, or a shift of 0, is the plain statistic; the shift-invariant ones ignore it", () =>
  noLeak(() => {
    assert.equal(createStyleStatistic({ loss: "gram" }), gramStatistic);
    assert.equal(createStyleStatistic({ loss: "gram", shift: 0 }), gramStatistic);
    // Sliced Wasserstein compares projections shifted alike on both sides: the same loss.
    const f = pixels([[0.5, 1], [2, 0], [1, 3]]);
    const p = pixels([[1, 0], [0, 2]]);
    const plain = createStyleStatistic({ loss: "sliced", projections: 4 }, { seed: 3 });
    const asked = createStyleStatistic({ loss: "sliced", projections: 4, shift: -2 }, { seed: 3 });
    const [ta, tb] = [plain.targets([p]), asked.targets([p])];
    const [la, lb] = [plain.loss(f, ta), asked.loss(f, tb)];
    close(lb.dataSync(), la.dataSync());
    tf.dispose([f, p, Object.values(ta), Object.values(tb), la, lb]);
  }));

Deno.test("sqrtmNewtonSchulz() squares back to its input", () =>
  noLeak(() => {
    // diag(4, 1) has root diag(2, 1); [[2,1],[1,2]] (eigenvalues 3 and 1) has root
    // ½[[√3+1, √3−1],[√3−1, √3+1]] = [[1.366025, 0.366025],[0.366025, 1.366025]].
    const a = tf.tensor2d([[4, 0], [0, 1]]);
    const b = tf.tensor2d([[2, 1], [1, 2]]);
    const ra = sqrtmNewtonSchulz(a);
    const rb = sqrtmNewtonSchulz(b);
    close(ra.dataSync(), [2, 0, 0, 1], 1e-4);
    const s = (Math.sqrt(3) + 1) / 2, d = (Math.sqrt(3) - 1) / 2;
    close(rb.dataSync(), [s, d, d, s], 1e-4);
    // The non-differentiable form (freeing each step) computes the same numbers.
    const rb2 = sqrtmNewtonSchulz(b, 15, { differentiable: false });
    close(rb2.dataSync(), Array.from(rb.dataSync()), 1e-7);
    const zero = tf.tidy(() => sqrtmNewtonSchulz(tf.zeros([3, 3]) as tf.Tensor2D));
    close(zero.dataSync(), new Array(9).fill(0));
    tf.dispose([a, b, ra, rb, rb2, zero]);
  }));

Deno.test("meancovStatistic loss is W₂²/c of two diagonal Gaussians", () =>
  noLeak(() => {
    // Output pixels (0,0),(2,0),(0,2),(2,2): mean (1,1), biased covariance diag(1,1).
    // Target pixels (1,3),(5,3),(1,7),(5,7): mean (3,5), covariance diag(4,4).
    // Commuting covariances: W₂² = ‖μ−μ'‖² + Σ_i (√σ_i − √σ'_i)² = (4 + 16) + 2·(1 − 2)² = 22,
    // divided by c = 2: 11.
    const out = pixels([[0, 0], [2, 0], [0, 2], [2, 2]]);
    const style = pixels([[1, 3], [5, 3], [1, 7], [5, 7]]);
    const stat = meancovStatistic();
    const t = stat.targets([style]);
    close(t.mean.dataSync(), [3, 5]);
    close(t.cov.dataSync(), [4, 0, 0, 4]);
    const loss = stat.loss(out, t);
    close(loss.dataSync(), [11], 1e-3);
    const self = stat.loss(style, t);
    close(self.dataSync(), [0], 1e-3);
    tf.dispose([out, style, t, loss, self]);
  }));

Deno.test("meancovStatistic loss matches scipy on non-commuting covariances", () =>
  noLeak(() => {
    // Reference (numpy 2.4.6 / scipy 1.17.1):
    //   m, S = mean/biased cov of F; mt, St likewise of T; r = sqrtm(St)
    //   W2 = |m−mt|² + tr S + tr St − 2 tr sqrtm(r S r) = 0.6406667644, / c = 3: 0.2135555881
    // (eigenvalues of S: .450, .958, 1.552; of St: .339, 1.25, 1.994, so both well inside
    // Newton–Schulz's fast range).
    const f = pixels([[1, 0, 2], [0, 1, 1], [3, 1, 0], [2, 2, 2], [0, 3, 1]]);
    const t = pixels([[2, 1, 0], [1, 0, 1], [0, 2, 3], [4, 1, 1], [1, 1, 0], [2, 3, 2]]);
    const stat = meancovStatistic();
    const target = stat.targets([t]);
    const loss = stat.loss(f, target);
    close(loss.dataSync(), [0.2135555881], 1e-4);
    tf.dispose([f, t, target, loss]);
  }));

Deno.test("meancovStatistic stays finite on rank-deficient covariances with large means", () =>
  noLeak(() => {
    // 3 pixels of 64 channels around a mean of 20 (rank ≤ 2): float32 error gives the
    // covariance slightly negative eigenvalues, on which an unguarded Newton–Schulz diverged
    // to NaN (seen on Darknet-tiny conv10 at 128 px). The loss against itself is then near 0
    // and against another such map finite and positive.
    const a = tf.tidy(() =>
      tf.add(tf.randomNormal([1, 1, 3, 64], 0, 1, "float32", 1), 20) as tf.Tensor4D
    );
    const b = tf.tidy(() =>
      tf.add(tf.randomNormal([1, 1, 3, 64], 0, 1, "float32", 2), 20) as tf.Tensor4D
    );
    const stat = meancovStatistic({ iterations: 30 });
    const t = stat.targets([a]);
    const self = tf.tidy(() => stat.loss(a, t).dataSync()[0]);
    const other = tf.tidy(() => stat.loss(b, t).dataSync()[0]);
    // The ridge biases each of the 62 null directions by about −2√(1e-6·‖·‖_F)/c: measured
    // self −0.06 against other 1.83, so the bound is 5% of the loss between distinct maps.
    assert.ok(Number.isFinite(other) && other > 0.5, `other ${other}`);
    assert.ok(Number.isFinite(self) && Math.abs(self) < 0.05 * other, `self ${self}`);
    tf.dispose([a, b, t]);
  }));

Deno.test("meancovStatistic blends styles as a mixture (means and second moments)", () =>
  noLeak(() => {
    // Style 1 constant (0,0), style 2 constant (2,0), equal weights: mean (1,0); second
    // moments [[0,0],[0,0]] and [[4,0],[0,0]] average to [[2,0],[0,0]]; covariance
    // [[2,0],[0,0]] − (1,0)ᵀ(1,0) = [[1,0],[0,0]]: the mixture's, not the average of two zeros.
    const stat = meancovStatistic();
    const t = tf.tidy(() => stat.targets([pixels([[0, 0]]), pixels([[2, 0], [2, 0]])]));
    close(t.mean.dataSync(), [1, 0]);
    close(t.cov.dataSync(), [1, 0, 0, 0]);
    // The root's zero eigenvalue reads √(1e-6 ridge) = 1e-3 (see sqrtmNewtonSchulz).
    close(t.covSqrt.dataSync(), [1, 0, 0, 0], 2e-3);
    tf.dispose(t);
  }));

Deno.test("matchedQuantiles() pairs entries with quantiles by rank, gradient through x", () =>
  noLeak(() => {
    // Row [3, 1, 2] has descending ranks (0, 2, 1); quantiles (30, 20, 10) pair as (30, 10, 20).
    // L = mean((x − q)²) = (27² + 9² + 18²)/3 = 378 and ∂L/∂x = 2(x − q)/3 = (−18, −6, −12):
    // the same value as mean((sort(x) − q)²) = ((3−30)² + (2−20)² + (1−10)²)/3.
    const x = tf.tensor2d([[3, 1, 2]]);
    const q = tf.tensor2d([[30, 20, 10]]);
    const sorted = sortRowsDescending(x);
    close(sorted.dataSync(), [3, 2, 1]);
    const matched = matchedQuantiles(x, q);
    close(matched.dataSync(), [30, 10, 20]);
    const f = (t: tf.Tensor) =>
      tf.mean(tf.squaredDifference(t, matchedQuantiles(t as tf.Tensor2D, q)));
    const { value, grad } = tf.valueAndGrad(f)(x);
    close(value.dataSync(), [378], 1e-3);
    close(grad.dataSync(), [-18, -6, -12], 1e-4);
    tf.dispose([x, q, sorted, matched, value, grad]);
  }));

Deno.test("resampleQuantiles() interpolates sorted values at (j + ½)·M/n − ½", () =>
  noLeak(() => {
    // M = 2 to n = 4: positions −.25, .25, .75, 1.25, clamped to [0, 1]:
    // 4, 4 − .25·2 = 3.5, 4 − .75·2 = 2.5, 2. M = n returns the row unchanged.
    const s = tf.tensor2d([[4, 2]]);
    const up = resampleQuantiles(s, 4);
    close(up.dataSync(), [4, 3.5, 2.5, 2]);
    const same = resampleQuantiles(s, 2);
    close(same.dataSync(), [4, 2]);
    tf.dispose([s, up, same]);
  }));

Deno.test("slicedStatistic loss compares sorted projections (one channel: by hand)", () =>
  noLeak(() => {
    // With one channel every unit direction is ±1, and each case below reads the same for
    // both signs. Target [1,2,3,4] sorted (4,3,2,1):
    //   output (2,2,5,5) → sorted (5,5,2,2): (1 + 4 + 0 + 1)/4 = 1.5;
    //   output 0 → (16 + 9 + 4 + 1)/4 = 7.5; the target itself → 0.
    // A 2-pixel target (1,3) resampled to 4 quantiles: (3, 2.5, 1.5, 1); output (3,3,1,1)
    //   → (0 + .25 + .25 + 0)/4 = 0.125.
    const stat = slicedStatistic({ projections: 3, seed: 7 });
    const col = (v: number[]) => tf.tensor4d(v, [1, 1, v.length, 1]);
    const target = col([1, 2, 3, 4]);
    const t = stat.targets([target]);
    const cases: [number[], number][] = [[[2, 2, 5, 5], 1.5], [[0, 0, 0, 0], 7.5], [
      [4, 1, 3, 2],
      0,
    ]];
    for (const [v, want] of cases) {
      const f = col(v);
      const l = stat.loss(f, t);
      close(l.dataSync(), [want]);
      tf.dispose([f, l]);
    }
    const small = tf.tidy(() => stat.targets([col([1, 3])]));
    const f = col([3, 3, 1, 1]);
    const l = stat.loss(f, small);
    close(l.dataSync(), [0.125]);
    // Blend 1:3 of constants 0 and 4 (quantile average): 3 everywhere; output 3 scores 0.
    const blend = tf.tidy(() => stat.targets([col([0, 0]), col([4, 4])], [1, 3]));
    const three = col([3, 3]);
    const l3 = stat.loss(three, blend);
    close(l3.dataSync(), [0]);
    tf.dispose([target, t, small, f, l, blend, three, l3]);
  }));

Deno.test("randomDirections() draws seeded unit columns", () =>
  noLeak(() => {
    const a = randomDirections(5, 4, 1);
    const b = randomDirections(5, 4, 1);
    const c = randomDirections(5, 4, 2);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    assert.notDeepEqual(Array.from(a.dataSync()), Array.from(c.dataSync()));
    const norms = tf.norm(a, "euclidean", 0);
    close(norms.dataSync(), [1, 1, 1, 1]);
    tf.dispose([a, b, c, norms]);
  }));

for (const stat of [gramStatistic, meancovStatistic(), slicedStatistic({ seed: 3 })]) {
  Deno.test(`${stat.kind} statistic: gradient flows and Adam steps lower the loss`, () =>
    noLeak(() => {
      // A 4x4x6 map from a seeded normal, pulled towards a differently drawn painting.
      const style = tf.randomNormal([1, 5, 5, 6], 1, 1, "float32", 11) as tf.Tensor4D;
      const target = stat.targets([style]);
      const x = tf.tidy(() => tf.variable(tf.randomNormal([1, 4, 4, 6], 0, 0.5, "float32", 12)));
      const lossOf = () => stat.loss(x as unknown as tf.Tensor4D, target);
      const first = tf.tidy(() => lossOf().dataSync()[0]);
      const g = tf.grad((t: tf.Tensor) => stat.loss(t as tf.Tensor4D, target))(x);
      assert.ok(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]) > 0, "zero gradient");
      const opt = tf.train.adam(0.05);
      for (let i = 0; i < 30; i++) tf.dispose(opt.minimize(lossOf, true) ?? []);
      const last = tf.tidy(() => lossOf().dataSync()[0]);
      assert.ok(last < 0.5 * first, `${stat.kind}: ${first} -> ${last}`);
      opt.dispose();
      tf.dispose([style, target, x, g]);
    }));
}

Deno.test("createStyleStatistic() picks the kind and refuses unknown ones", () => {
  assert.equal(createStyleStatistic(undefined).kind, "gram");
  assert.equal(createStyleStatistic({ loss: "meancov" }).kind, "meancov");
  assert.equal(
    createStyleStatistic({ loss: "sliced", projections: 8 }, { seed: 1 }).kind,
    "sliced",
  );
  assert.throws(
    () => createStyleStatistic({ loss: "nope" as "gram" }),
    /Unknown style loss "nope"/,
  );
  assert.throws(() => slicedStatistic({ projections: 0 }), /1\.\.4096/);
});

Deno.test("statisticTargets() and buildStyleObjective() take any statistic", () =>
  noLeak(() => {
    // Layer "a" of one channel as in the sliced test above: 1.5 with weight 2 → 3; the
    // objective's style term with β = 10 is 30. Content and TV are off.
    const stat: StyleStatistic = slicedStatistic({ projections: 2 });
    const targets = tf.tidy(() =>
      statisticTargets(stat, [{ a: tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]) }])
    );
    const features = { a: tf.tensor4d([2, 2, 5, 5], [1, 1, 4, 1]) };
    const layers = [{ layer: "a", weight: 2 }];
    const l = layeredStatisticLoss(stat, features, { targets, layers });
    close(l.dataSync(), [3]);
    const objective = buildStyleObjective({
      contentTargets: {},
      style: { statistic: stat, targets },
      contentLayers: [],
      styleLayers: layers,
      weights: { content: 0, style: 10, tv: 0 },
    });
    const image = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const v = objective(features, image);
    close(v.terms.style.dataSync(), [30]);
    assert.throws(
      () =>
        buildStyleObjective({
          contentTargets: {},
          style: { statistic: stat, targets },
          contentLayers: [],
          styleLayers: [{ layer: "b", weight: 1 }],
          weights: { content: 0, style: 1, tv: 0 },
        }),
      /No sliced style target for layer "b"/,
    );
    tf.dispose([targets, features.a, l, image, v.total, v.terms]);
  }));

Deno.test("shallowHeavyLayerWeights() is crowsonkb's 256/64/16/4/1, normalised", () => {
  const w = shallowHeavyLayerWeights(["a", "b", "c", "d", "e"]);
  assert.deepEqual(w.map((x) => x.layer), ["a", "b", "c", "d", "e"]);
  // 256 + 64 + 16 + 4 + 1 = 341.
  close(w.map((x) => x.weight), [256 / 341, 64 / 341, 16 / 341, 4 / 341, 1 / 341], 1e-12);
  assert.throws(() => shallowHeavyLayerWeights(["a"], 0), /positive/);
});

Deno.test("meanAndCovariance() is the biased pixel covariance", () =>
  noLeak(() => {
    // Pixels (0,0),(2,0),(0,2),(2,2): mean (1,1); each channel ±1 around it, uncorrelated.
    const f = pixels([[0, 0], [2, 0], [0, 2], [2, 2]]);
    const { mean, cov } = meanAndCovarianceForTest(f);
    close(mean.dataSync(), [1, 1]);
    close(cov.dataSync(), [1, 0, 0, 1]);
    tf.dispose([f, mean, cov]);
  }));
