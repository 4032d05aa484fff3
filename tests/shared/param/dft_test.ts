import assert from "node:assert/strict";
import { createRealDft2d } from "../../../src/shared/param/dft.ts";
import { setupTf, tf } from "../../_tf.ts";

/** Runs `f` on the CPU backend (the WASM backend has no FFT kernels), then switches back. */
async function onCpu<T>(f: () => T): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend("cpu");
  try {
    return f();
  } finally {
    await tf.setBackend(previous);
  }
}

Deno.test("createRealDft2d() forward matches a hand-computed 1x4 spectrum", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const dft = createRealDft2d(1, 4);
  // x = [1, 2, 3, 4]: X[k] = sum_u x[u] e^{-2 pi i k u / 4}; X[0] = 10,
  // X[1] = 1 - 2i - 3 + 4i = -2 + 2i, X[2] = 1 - 2 + 3 - 4 = -2.
  const x = tf.tensor3d([1, 2, 3, 4], [1, 1, 4]);
  const { re, im } = dft.forward(x);
  assert.equal(dft.bins, 3);
  Array.from(re.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - [10, -2, -2][i]) < 1e-5));
  Array.from(im.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - [0, 2, 0][i]) < 1e-5));
  // And back: the inverse of that spectrum is x.
  const back = dft.inverse(re, im);
  Array.from(back.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - (i + 1)) < 1e-5));
  tf.dispose([x, re, im, back]);
  dft.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createRealDft2d() matches tf.spectral rfft then fft along y", async () => {
  await setupTf();
  for (const [h, w] of [[6, 8], [7, 5]]) {
    const values = Array.from({ length: 2 * h * w }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
    // Reference, independent of dft.ts: tf.spectral.rfft along x, then the complex fft along y
    // (transpose so y is innermost), on the CPU backend; no gradients are needed here.
    const [refRe, refIm] = await onCpu(() =>
      tf.tidy(() => {
        const x = tf.tensor3d(values, [2, h, w]);
        const alongX = tf.spectral.rfft(x); // [2, h, bins] complex
        const alongY = tf.spectral.fft(tf.transpose(alongX, [0, 2, 1])); // [2, bins, h]
        const spec = tf.transpose(alongY, [0, 2, 1]);
        return [Array.from(tf.real(spec).dataSync()), Array.from(tf.imag(spec).dataSync())];
      })
    );
    const before = tf.memory().numTensors;
    const dft = createRealDft2d(h, w);
    const x = tf.tensor3d(values, [2, h, w]);
    const { re, im } = dft.forward(x);
    const scale = Math.max(...refRe.map(Math.abs));
    Array.from(re.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - refRe[i]) < 1e-4 * scale));
    Array.from(im.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - refIm[i]) < 1e-4 * scale));
    tf.dispose([x, re, im]);
    dft.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
});

Deno.test("createRealDft2d() inverse matches tf.spectral.irfft on a Hermitian spectrum", async () => {
  await setupTf();
  // 1-D case h = 1, w = 6: irfft of [4, 1+1i, 0, 2] (4 bins). numpy irfft drops the imaginary
  // parts of the DC and Nyquist bins, so both implementations must agree on any input.
  const reVals = [4, 1, 0, 2], imVals = [0, 1, 0, 0];
  const ref = await onCpu(() =>
    tf.tidy(() =>
      Array.from(
        tf.spectral.irfft(tf.complex(tf.tensor2d([reVals], [1, 4]), tf.tensor2d([imVals], [1, 4])))
          .dataSync(),
      )
    )
  );
  // Hand check of x[0] = (4 + 2*1 + 2*0 + 2) / 6 = 8/6: c_k = 1, 2, 2, 1 and cos(0) = 1.
  assert.ok(Math.abs(ref[0] - 8 / 6) < 1e-5);
  const before = tf.memory().numTensors;
  const dft = createRealDft2d(1, 6);
  const re = tf.tensor3d(reVals, [1, 1, 4]), im = tf.tensor3d(imVals, [1, 1, 4]);
  const x = dft.inverse(re, im);
  Array.from(x.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5));
  tf.dispose([re, im, x]);
  dft.dispose();
  assert.equal(tf.memory().numTensors, before);
});
