import assert from "node:assert/strict";
import {
  COLOR_CORRELATION,
  createColorDecorrelation,
  invert3x3,
  logit,
} from "../../../src/shared/param/color.ts";
import { setupTf, tf } from "../../_tf.ts";
import { interiorImage, maxAbsDiff } from "./_images.ts";

Deno.test("COLOR_CORRELATION is lucid's matrix over its largest column norm", () => {
  // Column norms of [[.26,.09,.02],[.27,0,-.05],[.27,-.09,.03]]: sqrt(.0676+.0729+.0729) =
  // sqrt(.2134) = 0.461952, sqrt(.0162) = 0.127279, sqrt(.0038) = 0.061644; the first is largest.
  const norm = Math.sqrt(0.2134);
  assert.ok(Math.abs(COLOR_CORRELATION[0][0] - 0.26 / norm) < 1e-12);
  assert.ok(Math.abs(COLOR_CORRELATION[1][2] - -0.05 / norm) < 1e-12);
  // So the first column has unit norm.
  assert.ok(Math.abs(Math.hypot(...COLOR_CORRELATION.map((r) => r[0])) - 1) < 1e-12);
});

Deno.test("invert3x3() gives the inverse of a hand-checked matrix", () => {
  // [[2,0,0],[0,4,0],[1,0,1]]: det = 8; inverse [[1/2,0,0],[0,1/4,0],[-1/2,0,1]] (check: row 3
  // of A times column 1 of the inverse = 1*(1/2) + 1*(-1/2) = 0).
  assert.deepEqual(invert3x3([[2, 0, 0], [0, 4, 0], [1, 0, 1]]), [
    [0.5, 0, 0],
    [0, 0.25, 0],
    [-0.5, 0, 1],
  ]);
  assert.throws(() => invert3x3([[1, 2, 3], [2, 4, 6], [0, 0, 1]]), /singular/);
});

Deno.test("createColorDecorrelation() maps one pixel by C and back exactly", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const color = createColorDecorrelation();
  // t = (1, 0, 0) maps to the first column of C: (.26, .27, .27) / sqrt(.2134).
  const t = tf.tensor4d([1, 0, 0], [1, 1, 1, 3]);
  const rgb = color.forward(t);
  const expected = [0.26, 0.27, 0.27].map((v) => v / Math.sqrt(0.2134));
  Array.from(rgb.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6));
  const img = interiorImage(3, 4);
  const inverse = color.inverse(img);
  const back = color.forward(inverse);
  assert.ok(maxAbsDiff(back, img) < 1e-5);
  tf.dispose([t, rgb, img, inverse, back]);
  color.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("logit() inverts the sigmoid and stays finite at 0 and 1", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // logit(0.5) = 0; logit(0.75) = ln 3 = 1.098612; 0 and 1 are clipped to 1e-6 away:
  // logit(1e-6) = ln(1e-6 / (1 - 1e-6)) = -13.8155.
  const x = tf.tensor4d([0.5, 0.75, 0, 1], [1, 1, 1, 4]);
  const logits = logit(x);
  const y = logits.dataSync();
  assert.ok(Math.abs(y[0]) < 1e-6);
  assert.ok(Math.abs(y[1] - Math.log(3)) < 1e-5);
  assert.ok(Math.abs(y[2] + 13.8155) < 0.05 && Math.abs(y[3] - 13.8155) < 0.05);
  tf.dispose([x, logits]);
  assert.equal(tf.memory().numTensors, before);
});
