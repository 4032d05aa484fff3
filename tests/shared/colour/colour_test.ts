import assert from "node:assert/strict";
import { tf } from "../../_tf.ts";
import {
  colourMap,
  colourStats,
  finishColour,
  fromLuminanceChroma,
  matchColour,
  pooledStats,
  prepareColour,
  RGB_TO_YIQ,
  toLuminanceChroma,
} from "../../../src/shared/colour/mod.ts";
import { close, noLeak } from "../../_assert.ts";
import { colourMoments as colourMomentsOf } from "../../../src/shared/metrics/colour.ts";

/** A seeded [1, h, w, 3] image in [lo, hi]. */
const image = (h: number, w: number, seed: number, lo = 0.2, hi = 0.8) =>
  tf.randomUniform([1, h, w, 3], lo, hi, "float32", seed) as tf.Tensor4D;

Deno.test("toLuminanceChroma() gives NTSC YIQ and fromLuminanceChroma() inverts it", () =>
  noLeak(() => {
    // White (1,1,1): Y = .299 + .587 + .114 = 1, I = .595716 − .274453 − .321263 = 0,
    // Q = .211456 − .522591 + .311135 = 0. Red (1,0,0): the first column (.299, .595716,
    // .211456).
    const x = tf.tensor4d([1, 1, 1, 1, 0, 0], [1, 1, 2, 3]);
    const yiq = toLuminanceChroma(x);
    close(yiq.dataSync(), [1, 0, 0, RGB_TO_YIQ[0][0], RGB_TO_YIQ[1][0], RGB_TO_YIQ[2][0]]);
    const back = fromLuminanceChroma(yiq);
    close(back.dataSync(), [1, 1, 1, 1, 0, 0]);
    const yuv = toLuminanceChroma(x, "yuv");
    const back2 = fromLuminanceChroma(yuv, "yuv");
    close(back2.dataSync(), [1, 1, 1, 1, 0, 0]);
    tf.dispose([x, yiq, back, yuv, back2]);
  }));

Deno.test("luminance mode: the result keeps the photo's I and Q exactly", () =>
  noLeak(async () => {
    const content = image(6, 5, 1);
    const painting = image(4, 7, 2, 0, 1);
    const prepared = await prepareColour(content, [painting], { mode: "luminance" });
    // The loop sees grey images: three equal channels.
    const [r, g, b] = tf.tidy(() => tf.split(prepared.styles[0], 3, 3).map((t) => t.dataSync()));
    close(r, g), close(g, b);
    // Painting luminance matched to the photo's mean and spread (Gatys et al. 2016 §2.2).
    const my = tf.tidy(() =>
      tf.moments(tf.slice(prepared.styles[0], [0, 0, 0, 0], [-1, -1, -1, 1]))
    );
    const mc = tf.tidy(() => tf.moments(tf.slice(prepared.content, [0, 0, 0, 0], [-1, -1, -1, 1])));
    close(my.mean.dataSync(), mc.mean.dataSync(), 1e-5);
    close(my.variance.dataSync(), mc.variance.dataSync(), 1e-5);
    // Pretend the run produced a grey image near the content's luminance; chroma stays the
    // photo's, to float error (values stay inside [0, 1], so clipping does not act).
    const output = tf.tidy(() => tf.mul(prepared.content, 0.9) as tf.Tensor4D);
    const final = await finishColour(output, content, { mode: "luminance" });
    const iq = (t: tf.Tensor4D) =>
      tf.tidy(() => tf.slice(toLuminanceChroma(t), [0, 0, 0, 1], [-1, -1, -1, 2]).dataSync());
    close(iq(final), iq(content), 1e-5);
    const yOut = tf.tidy(() => tf.slice(toLuminanceChroma(final), [0, 0, 0, 0], [-1, -1, -1, 1]));
    const yWant = tf.tidy(() => tf.slice(output, [0, 0, 0, 0], [-1, -1, -1, 1]));
    close(yOut.dataSync(), yWant.dataSync(), 1e-5);
    tf.dispose([content, painting, prepared.content, ...prepared.styles, my, mc, output, final]);
    tf.dispose([yOut, yWant]);
  }));

Deno.test("original mode keeps the output's luminance and the photo's YUV chroma", () =>
  noLeak(async () => {
    const content = image(3, 3, 3);
    const output = image(3, 3, 4);
    const final = await finishColour(output, content, { mode: "original" });
    const yuv = (t: tf.Tensor4D) => tf.tidy(() => toLuminanceChroma(t, "yuv").dataSync());
    const f = yuv(final), o = yuv(output), c = yuv(content);
    for (let i = 0; i < 9; i++) {
      close([f[i * 3]], [o[i * 3]]);
      close([f[i * 3 + 1], f[i * 3 + 2]], [c[i * 3 + 1], c[i * 3 + 2]]);
    }
    const none = await finishColour(output, content);
    close(none.dataSync(), output.dataSync(), 0);
    const other = image(2, 3, 5);
    await assert.rejects(
      () => finishColour(other, content, { mode: "original" }),
      /expected one size/,
    );
    tf.dispose([content, output, final, none, other]);
  }));

for (const method of ["cholesky", "pca", "mk"] as const) {
  Deno.test(`matchColour() ${method}: the painting takes the photo's mean and covariance`, () =>
    noLeak(async () => {
      // Correlated photo colours: mix the channels of a uniform image.
      const content = tf.tidy(() =>
        tf.reshape(
          tf.matMul(
            tf.reshape(image(8, 8, 6), [64, 3]),
            tf.tensor2d([[0.9, 0.3, 0.1], [0.1, 0.6, 0.2], [0.0, 0.1, 0.5]]),
          ),
          [1, 8, 8, 3],
        ) as tf.Tensor4D
      );
      const painting = image(5, 9, 7, 0, 1);
      const recoloured = await matchColour(painting, content, { method });
      const a = await colourStats(recoloured), b = await colourStats(content);
      close(a.mean, b.mean, 1e-4);
      close(a.cov.flat(), b.cov.flat(), 1e-4);
      tf.dispose([content, painting, recoloured]);
    }));
}

Deno.test("colourMap() on diagonal covariances scales each channel by σ_C/σ_S", () => {
  // Σ_S = diag(4, 1, 9), Σ_C = diag(1, 4, 9): every method gives diag(1/2, 2, 1), the only
  // positive diagonal map with A Σ_S Aᵀ = Σ_C.
  const s = [[4, 0, 0], [0, 1, 0], [0, 0, 9]], c = [[1, 0, 0], [0, 4, 0], [0, 0, 9]];
  for (const m of ["cholesky", "pca", "mk"] as const) {
    close(colourMap(s, c, m).flat(), [0.5, 0, 0, 0, 2, 0, 0, 0, 1], 1e-6);
  }
  assert.throws(() => colourMap(s, c, "lab" as "pca"), /Unknown colour match/);
});

Deno.test("prepareColour() match recolours the paintings, none copies", () =>
  noLeak(async () => {
    const content = image(4, 4, 8);
    const painting = image(4, 4, 9, 0, 1);
    const none = await prepareColour(content, [painting]);
    close(none.styles[0].dataSync(), painting.dataSync(), 0);
    const m = await prepareColour(content, [painting], { mode: "match", match: "mk" });
    const a = await colourStats(m.styles[0]), b = await colourStats(content);
    close(a.mean, b.mean, 1e-4);
    tf.dispose([content, painting, none.content, ...none.styles, m.content, ...m.styles]);
  }));

Deno.test("pooledStats() of two images is the colour mean and covariance of their union", () => {
  // Image A: pixels (0,0,0) and (1,1,1); image B: pixels (1,0,0) and (1,0,0). Equal weights
  // pool four pixels: mean (3/4, 1/4, 1/4); R has values 0,1,1,1 (var 3/16), G and B 0,1,0,0
  // (var 3/16); cov(R,G) = E[RG] - 3/4·1/4 = 1/4 - 3/16 = 1/16; cov(G,B) = 1/4 - 1/16 = 3/16.
  const a = colourMomentsOf([0, 0, 0, 1, 1, 1]);
  const b = colourMomentsOf([1, 0, 0, 1, 0, 0]);
  const p = pooledStats([a, b]);
  close(p.mean, [0.75, 0.25, 0.25], 1e-12);
  close(p.cov.flat(), [3, 1, 1, 1, 3, 3, 1, 3, 3].map((x) => x / 16), 1e-12);
  // Weight 1:0 is image A alone.
  const only = pooledStats([a, b], [2, 0]);
  close(only.mean, a.mean, 1e-12), close(only.cov.flat(), a.cov.flat(), 1e-12);
  assert.throws(() => pooledStats([a, b], [1]), /weights/);
  assert.throws(() => pooledStats([]), /at least one/);
});

Deno.test("palette mode: the photo and the output take the painting's colour statistics", () =>
  noLeak(async () => {
    // Colours well inside [0, 1] on both sides, so the clip does not act.
    const content = image(6, 6, 11, 0.3, 0.6);
    const painting = image(5, 7, 12, 0.2, 0.5);
    const prepared = await prepareColour(content, [painting], { mode: "palette", match: "mk" });
    const want = await colourStats(painting);
    const got = await colourStats(prepared.content);
    close(got.mean, want.mean, 1e-4), close(got.cov.flat(), want.cov.flat(), 1e-4);
    // The paintings are used as given.
    close(prepared.styles[0].dataSync(), painting.dataSync(), 0);
    // After the run the output's colours are mapped to the painting's too.
    const output = image(6, 6, 13, 0.35, 0.55);
    const final = await finishColour(output, content, { mode: "palette" }, prepared);
    const f = await colourStats(final);
    close(f.mean, want.mean, 1e-4), close(f.cov.flat(), want.cov.flat(), 1e-4);
    await assert.rejects(() => finishColour(output, content, { mode: "palette" }), /palette/);
    tf.dispose([content, painting, prepared.content, ...prepared.styles, output, final]);
  }));
