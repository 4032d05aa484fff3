/**
 * Anti-aliased forward pass (Zhang 2019): the subsampling geometry by hand, the blur by hand,
 * and on the real Darknet-tiny: bit-identical when off, closer to shift-invariant when on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../../_tf.ts";
import { loadImage, ROOT, sharedImage } from "../../_images.ts";
import { loadNet } from "../../../src/shared/nets/loader.ts";
import { blurSubsample, stride2Plan } from "../../../src/shared/nets/_antialias.ts";

Deno.test("stride2Plan() finds where a stride-2 op's samples sit at stride 1", () => {
  // "same", n = 224, k = 3: stride 2 gives 112 outputs with leading pad
  // floor(max(111·2 + 3 − 224, 0)/2) = 0; stride 1 pads floor(2/2) = 1 in front, so output
  // 2j of stride 2 (window from 2j) is output 2j + 1 of stride 1: offset 1.
  assert.deepEqual(stride2Plan([224, 224], [3, 3], [2, 2], "same"), {
    offset: [1, 1],
    size: [112, 112],
    strides: [2, 2],
  });
  // "valid", n = 10, k = 3: floor(7/2) + 1 = 4 outputs, no padding on either: offset 0.
  // Darknet's 2x2 "same" max pool on 8: 4 outputs, stride-1 pad is behind (lead 0): offset 0.
  // Explicit [1, 1] on 7, k = 3: floor((7 + 2 − 3)/2) + 1 = 4, same lead both: offset 0.
  assert.deepEqual(stride2Plan([10, 8], [3, 2], [2, 2], "valid").size, [4, 4]);
  assert.deepEqual(stride2Plan([8, 8], [2, 2], [2, 2], "same").offset, [0, 0]);
  assert.deepEqual(stride2Plan([7, 7], [3, 3], [2, 1], [[1, 1], [1, 1]]), {
    offset: [0, 0],
    size: [4, 7],
    strides: [2, 1],
  });
});

Deno.test("blurSubsample() blurs by [1,2,1]/4 with reflect padding, then keeps every second", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Column (0, 0, 4, 0), reflect-padded (0 | 0, 0, 4, 0 | 4): blurred (0, 1, 2, 2)
  // = ((0+0+0), (0+0+4), (0+8+0), (4+0+4))/4. Offset 0 keeps (0, 2); offset 1 keeps (1, 2).
  // The width axis has stride 1 and is left alone.
  const x = tf.tensor4d([0, 0, 4, 0], [1, 4, 1, 1]);
  const a = blurSubsample(x, { offset: [0, 0], size: [2, 1], strides: [2, 1] });
  const b = blurSubsample(x, { offset: [1, 0], size: [2, 1], strides: [2, 1] });
  assert.deepEqual(Array.from(a.dataSync()), [0, 2]);
  assert.deepEqual(Array.from(b.dataSync()), [1, 2]);
  // Gradient: L = sum of outputs at offset 0 = y0 + y2 of the blurred column, where
  // y0 = (x1 + 2x0 + x1)/4 (reflect) and y2 = (x1 + 2x2 + x3)/4, so ∂L/∂x = (.5, .75, .5, .25)
  // (x1 counts twice in y0 through the reflection).
  const g = tf.grad((t: tf.Tensor) =>
    tf.sum(blurSubsample(t as tf.Tensor4D, { offset: [0, 0], size: [2, 1], strides: [2, 1] }))
  )(x);
  assert.deepEqual(Array.from(g.dataSync()), [0.5, 0.75, 0.5, 0.25]);
  tf.dispose([x, a, b, g]);
  assert.equal(tf.memory().numTensors, before);
});

const url = pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json"));

Deno.test("Net.forward() antialias: off is bit-identical, on is closer to shift-invariant (darknet-tiny, 128 px)", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const net = await loadNet(url);
  const img = await loadImage(sharedImage("content/chelsea.png"), 129);
  const layers = ["conv6", "conv10", "conv13"];
  // x and x shifted down and right by one pixel, both 128 px.
  const x = tf.slice(img, [0, 1, 1, 0], [1, 128, 128, 3]) as tf.Tensor4D;
  const shifted = tf.slice(img, [0, 0, 0, 0], [1, 128, 128, 3]) as tf.Tensor4D;

  const plain = net.forward(x, layers);
  const off = net.forward(x, layers, { antialias: false });
  for (const l of layers) {
    assert.deepEqual(Array.from(off[l].dataSync()), Array.from(plain[l].dataSync()), l);
  }
  // Zhang 2019's measure, in its feature-map form: relative L2 change of a deep map when the
  // input moves by one pixel. The 1-px shift is not a multiple of the layer's stride (16 at
  // conv10), so even a perfect net changes; anti-aliasing must make it change less.
  const change = (antialias: boolean, layer: string) =>
    tf.tidy(() => {
      const a = net.forward(x, [layer], { antialias })[layer];
      const b = net.forward(shifted, [layer], { antialias })[layer];
      return tf.div(tf.norm(tf.sub(a, b)), tf.norm(a)).dataSync()[0];
    });
  const report: string[] = [];
  for (const l of layers) {
    const without = change(false, l), withAa = change(true, l);
    report.push(`${l}: ${without.toFixed(4)} -> ${withAa.toFixed(4)}`);
    assert.ok(withAa < without, `${l}: antialias ${withAa} >= plain ${without}`);
  }
  console.log(
    `1-px shift, relative feature change without -> with antialias: ${report.join(", ")}`,
  );
  // Shapes are those of the plain pass.
  const on = net.forward(x, layers, { antialias: true });
  for (const l of layers) assert.deepEqual(on[l].shape, plain[l].shape);
  // Gradients flow through the anti-aliased pass.
  const g = tf.grad((t: tf.Tensor) =>
    tf.sum(net.forward(t as tf.Tensor4D, ["conv6"], { antialias: true }).conv6)
  )(x);
  assert.ok(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]) > 0);
  tf.dispose([x, shifted, plain, off, on, g]);
  img.dispose();
  // The net keeps flipped kernels from its first backward pass until dispose().
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});
