import assert from "node:assert/strict";
import { createParameterization, paramImage } from "../../../src/shared/param/mod.ts";
import { setupTf, tf } from "../../_tf.ts";
import { interiorImage, maxAbsDiff } from "./_images.ts";

Deno.test("createParameterization() builds each kind of ParamSpec", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Pixel: h w 3 = 36 scalars; Fourier: 2 x 3 x h x (floor(w/2) + 1) = 2 x 3 x 3 x 3 = 54.
  const sizes = { pixel: 36, fourier: 54 };
  for (const kind of ["pixel", "fourier"] as const) {
    for (const decorrelate of [false, true]) {
      const param = createParameterization({ kind, decorrelate }, 3, 4);
      assert.equal(param.size, sizes[kind]);
      const image = interiorImage(3, 4);
      const flat = param.fromImage(image);
      const back = param.toImage(flat);
      assert.ok(maxAbsDiff(back, image) < 1e-4, `${kind} decorrelate=${decorrelate}`);
      tf.dispose([image, flat, back]);
      param.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("paramImage() binds a variable whose image() has gradients", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const param = createParameterization({ kind: "fourier", decorrelate: true }, 4, 4);
  // Default init: seeded N(0, 0.01^2) noise, so the image is close to grey.
  const p = paramImage(param, { seed: 3 });
  assert.equal(p.variables.length, 1);
  assert.equal(p.variables[0].size, param.size);
  const { grads, value } = tf.variableGrads(() => tf.mean(p.image()) as tf.Scalar);
  assert.ok(Math.abs(value.dataSync()[0] - 0.5) < 0.1);
  const g = grads[p.variables[0].name].dataSync();
  assert.ok(g.every(Number.isFinite) && g.some((v) => v !== 0));
  tf.dispose([value, ...Object.values(grads)]);
  // Initialised from an image, image() gives it back.
  const target = interiorImage(4, 4);
  const q = paramImage(param, { init: target });
  const image = q.image();
  assert.ok(maxAbsDiff(image, target) < 1e-4);
  tf.dispose([target, image]);
  p.dispose();
  q.dispose();
  param.dispose();
  assert.equal(tf.memory().numTensors, before);
});
