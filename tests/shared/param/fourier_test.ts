import assert from "node:assert/strict";
import { fourierParam, rfft2dFreqs } from "../../../src/shared/param/fourier.ts";
import { setupTf, tf } from "../../_tf.ts";
import { adamLosses, gradientOf, interiorImage, maxAbsDiff } from "./_images.ts";

Deno.test("rfft2dFreqs() follows numpy fftfreq on both axes", () => {
  // h = 4, w = 5: fy = fftfreq(4) = [0, .25, -.5, -.25]; fx = fftfreq(5)[:3] = [0, .2, .4].
  const f = rfft2dFreqs(4, 5);
  assert.equal(f.length, 4 * 3);
  assert.ok(Math.abs(f[0]) < 1e-12);
  assert.ok(Math.abs(f[2] - 0.4) < 1e-12); // (ky 0, kx 2)
  assert.ok(Math.abs(f[2 * 3 + 1] - Math.hypot(0.5, 0.2)) < 1e-12); // (ky 2: -.5, kx 1)
  assert.ok(Math.abs(f[3 * 3 + 0] - 0.25) < 1e-12); // (ky 3: -.25, kx 0)
});

Deno.test("fourierParam() of an all-zero spectrum is grey 0.5", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Zero spectrum -> zero image -> sigmoid(0) = 0.5 everywhere (and C 0 = 0 when decorrelated).
  for (const decorrelate of [false, true]) {
    const param = fourierParam(4, 6, { decorrelate });
    // Size: 2 parts x 3 channels x 4 rows x (6/2 + 1) bins = 96.
    assert.equal(param.size, 96);
    const flat = tf.zeros([96]) as tf.Tensor1D;
    const image = param.toImage(flat);
    assert.ok(Array.from(image.dataSync()).every((v) => Math.abs(v - 0.5) < 1e-7));
    tf.dispose([flat, image]);
    param.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fourierParam() of one DC coefficient is a flat image", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Only re[channel 0, 0, 0] = 1: irfft2 gives the constant scale(0,0) / (h w) with
  // scale(0,0) = sqrt(h w) / 4 / (1 / max(h, w)) = sqrt(24) / 4 * 6, so the pixel value is
  // 6 / (4 sqrt(24)) = 0.306186 before the sigmoid; sigmoid(0.306186) = 0.575954.
  const param = fourierParam(4, 6);
  const values = new Float32Array(param.size);
  values[0] = 1;
  const flat = tf.tensor1d(values);
  const image = param.toImage(flat);
  const data = image.dataSync();
  for (let i = 0; i < data.length; i++) {
    const expected = i % 3 === 0 ? 0.575954 : 0.5;
    assert.ok(Math.abs(data[i] - expected) < 1e-5, `pixel ${i}: ${data[i]}`);
  }
  tf.dispose([flat, image]);
  param.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fourierParam() round-trips images of even and odd sizes", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  for (const [h, w] of [[6, 8], [7, 5], [5, 7]]) {
    for (const decorrelate of [false, true]) {
      const param = fourierParam(h, w, { decorrelate });
      const image = interiorImage(h, w, h * w);
      const flat = param.fromImage(image);
      const back = param.toImage(flat);
      const err = maxAbsDiff(back, image);
      assert.ok(err < 1e-4, `${h}x${w} decorrelate=${decorrelate}: error ${err}`);
      tf.dispose([image, flat, back]);
      param.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fourierParam() passes finite, non-zero gradients to the spectrum", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const param = fourierParam(7, 5, { decorrelate: true });
  const image = interiorImage(7, 5);
  const flat = param.fromImage(image);
  const g = gradientOf(param, flat);
  assert.equal(g.length, param.size);
  assert.ok(g.every(Number.isFinite));
  // The real parts of every bin reach the image, so none of their gradients is zero.
  assert.ok(g.slice(0, param.size / 2).every((v) => v !== 0));
  tf.dispose([image, flat]);
  param.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fourierParam() lets a few Adam steps lower an MSE", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const param = fourierParam(6, 8, { decorrelate: true });
  const target = interiorImage(6, 8, 3);
  const flat0 = tf.zeros([param.size]) as tf.Tensor1D;
  const [first, last] = adamLosses(param, flat0, target, { steps: 20, learningRate: 0.05 });
  // A white-noise target is the slowest case for the 1/f scaling (it damps exactly the high
  // frequencies noise is made of), so ask for a clear drop, not a halving.
  assert.ok(last < 0.75 * first, `loss ${first} -> ${last}`);
  tf.dispose([target, flat0]);
  param.dispose();
  assert.equal(tf.memory().numTensors, before);
});
