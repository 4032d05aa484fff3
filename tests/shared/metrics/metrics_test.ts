/** The experiment's metrics on known cases. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../../_images.ts";
import { loadNet } from "../../../src/shared/nets/loader.ts";
import { scoreOutput } from "../../../src/shared/metrics/score.ts";
import { gaussianW2, sqrtm3 } from "../../../src/shared/metrics/colour.ts";
import { spectrumShares } from "../../../src/shared/metrics/artifacts.ts";
import { summarize } from "../../../src/shared/experiment.ts";

const judges = () =>
  Promise.all(
    ["mobilenet-v1", "darknet-tiny"].map((id) =>
      loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")))
    ),
  );

Deno.test("scoreOutput() of an image against itself is 0 on every distance", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const nets = await judges();
  const img = await loadImage(sharedImage("content/coffee.png"), 64);
  const s = await scoreOutput(nets, { output: img, style: img, content: img });
  for (const d of Object.values(s.style)) assert.equal(d.mean, 0);
  for (const d of Object.values(s.content)) assert.equal(d, 0);
  assert.ok(s.colourW2 < 1e-4, `W2 ${s.colourW2}`);
  assert.equal(s.colourSliced, 0);
  // Artifact energy is a ratio to the content photo: 1 for the photo itself.
  assert.deepEqual(s.artifacts, { nyquist: 1, high: 1 });
  img.dispose();
  nets.forEach((n) => n.dispose());
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a colour-shifted copy raises the colour distance and not the content distance", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const nets = await judges();
  const img = await loadImage(sharedImage("content/chelsea.png"), 64);
  // A per-channel affine change that stays inside [0, 1]: x -> 0.8 x + (0.1, 0.05, 0).
  const shifted = tf.tidy(() =>
    tf.add(tf.mul(img, 0.8), tf.tensor1d([0.1, 0.05, 0]))
  ) as tf.Tensor4D;
  const s = await scoreOutput(nets, { output: shifted, style: img, content: img });
  assert.ok(s.colourW2 > 0.05, `W2 ${s.colourW2}`);
  assert.ok(s.colourSliced > 0.02, `sliced ${s.colourSliced}`);
  for (const [j, d] of Object.entries(s.content)) assert.ok(d < 1e-4, `content(${j}) ${d}`);
  tf.dispose([img, shifted]);
  nets.forEach((n) => n.dispose());
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("scoreOutput() measures the colour against the whole painting too when given it", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const nets = await judges();
  // The output is the whole painting; the judges' style image is its top half, whose colours
  // differ from the whole's (the sky of the Starry Night against its village).
  const painting = await loadImage(sharedImage("style/starry_night_google.jpg"), 64);
  const [, h, w] = painting.shape;
  const top = tf.slice(painting, [0, 0, 0, 0], [1, Math.floor(h / 2), w, 3]) as tf.Tensor4D;
  const s = await scoreOutput(nets, { output: painting, style: top, content: painting, painting });
  assert.ok(s.colourW2Whole !== undefined && s.colourW2Whole < 1e-4, `whole ${s.colourW2Whole}`);
  assert.ok(s.colourW2 > 0.01, `top half ${s.colourW2}`);
  // Without the painting there is no such figure.
  const plain = await scoreOutput([], { output: painting, style: top, content: painting });
  assert.equal(plain.colourW2Whole, undefined);
  tf.dispose([painting, top]);
  nets.forEach((n) => n.dispose());
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a checkerboard added to an image raises the artifact energy", async () => {
  await setupTf();
  const img = await loadImage(sharedImage("content/astronaut.png"), 64);
  const clean = await img.data();
  const board = Float32Array.from(clean, (v, i) => {
    const p = Math.floor(i / 3);
    const sign = ((p % 64) + Math.floor(p / 64)) % 2 ? 1 : -1;
    return Math.min(1, Math.max(0, v + 0.05 * sign));
  });
  const a = spectrumShares(board, 64, 64);
  const b = spectrumShares(clean, 64, 64);
  assert.ok(a.nyquist > 5 * b.nyquist, `Nyquist share ${b.nyquist} -> ${a.nyquist}`);
  assert.ok(a.high > b.high);
  img.dispose();
});

Deno.test("gaussianW2() of a shifted copy is the shift, and sqrtm3() squares back", () => {
  // Equal covariances: W2 = |m1 - m2| exactly (the trace term vanishes).
  const a = Float32Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) / 101);
  const b = a.map((v, i) => (i % 3 === 0 ? v + 0.1 : v));
  assert.ok(Math.abs(gaussianW2(a, b) - 0.1) < 1e-6);
  const m = [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]];
  const r = sqrtm3(m);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const v = r[i][0] * r[0][j] + r[i][1] * r[1][j] + r[i][2] * r[2][j];
      assert.ok(Math.abs(v - m[i][j]) < 1e-9);
    }
  }
});

Deno.test("summarize() computes column means and per-row wins over the baseline", () => {
  const s = summarize({
    p1: { plain: 2, fix: 1 },
    p2: { plain: 1, fix: 3 },
    p3: { plain: 4, fix: 2 },
  }, "plain");
  assert.deepEqual(s.mean, { plain: 7 / 3, fix: 2 });
  assert.deepEqual(s.winsOverBaseline, { plain: 0, fix: 2 });
  assert.equal(s.rows, 3);
});
