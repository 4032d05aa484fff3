import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import {
  conv2dForwardGrad,
  conv2dInputGrad,
  flipKernel,
  type KernelCache,
  preferForwardConvGrad,
  setConvGradMode,
} from "../../../src/shared/nets/_conv_grad.ts";

type Pad = "same" | "valid" | [[number, number], [number, number]];

Deno.test("conv2dInputGrad() of a 1x2 kernel has the hand-derived values", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // Kernel [a, b] = [2, 3] along the width, one channel.
  const k = tf.tensor4d([2, 3], [1, 2, 1, 1]);
  // Stride 1, valid, width 3: y0 = a x0 + b x1, y1 = a x1 + b x2; dy = [1, 1] gives
  // dx = [a, a + b, b] = [2, 5, 3].
  const dy1 = tf.tensor4d([1, 1], [1, 1, 2, 1]);
  const dx1 = conv2dInputGrad(dy1, k, [1, 1, 3, 1], [1, 1], "valid");
  assert.deepEqual(Array.from(await dx1.data()), [2, 5, 3]);
  // Stride 2, same, width 4 (no padding needed): y0 = a x0 + b x1, y1 = a x2 + b x3; dy = [p, q]
  // = [10, 100] gives dx = [a p, b p, a q, b q] = [20, 30, 200, 300].
  const dy2 = tf.tensor4d([10, 100], [1, 1, 2, 1]);
  const dx2 = conv2dInputGrad(dy2, k, [1, 1, 4, 1], [1, 2], "same");
  assert.deepEqual(Array.from(await dx2.data()), [20, 30, 200, 300]);
  tf.dispose([k, dy1, dx1, dy2, dx2]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("conv2dForwardGrad() matches tf.conv2d and its gradient for every padding and stride", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const cases: [number, number, number, number, Pad][] = [
    // [height, kernel, stride, out channels, padding]; width is height + 1 so the axes differ.
    [9, 3, 1, 4, "same"],
    [9, 3, 2, 4, "same"],
    [10, 3, 2, 4, "same"],
    [10, 7, 2, 3, "valid"],
    [11, 1, 2, 5, "valid"],
    [12, 3, 2, 3, [[1, 1], [1, 1]]],
    [13, 7, 2, 3, [[3, 3], [3, 3]]],
    [8, 5, 3, 3, "same"],
    [8, 1, 1, 6, "valid"],
    // The phase split of a strided gradient: a 1x1 stride-2 "same" conv (ResNet's projection
    // shortcut; half the phases get no gradient), a kernel shorter than the stride, an odd size
    // with a 4-tap kernel (phases of unequal length) and a stride of 4.
    [12, 1, 2, 4, "same"],
    [10, 2, 3, 2, "same"],
    [9, 4, 2, 3, "valid"],
    [11, 3, 4, 2, "same"],
  ];
  for (const [h, k, s, co, pad] of cases) {
    const label = `h ${h}, k ${k}, s ${s}, padding ${JSON.stringify(pad)}`;
    tf.tidy(() => {
      const x = tf.randomNormal([1, h, h + 1, 3], 0, 1, "float32", h * 7 + k) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, co], 0, 1, "float32", s) as tf.Tensor4D;
      const tfPad = typeof pad === "string"
        ? pad
        : [[0, 0], pad[0], pad[1], [0, 0]] as tf.backend_util.ExplicitPadding;
      const ref = tf.conv2d(x, w, s, tfPad);
      const r = tf.randomNormal(ref.shape, 0, 1, "float32", 99);
      const ours = conv2dForwardGrad(x, w, [s, s], pad);
      assert.deepEqual(ours.shape, ref.shape, label);
      assert.ok(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0] < 1e-5, label);
      // Gradient of sum(conv(x) * r) by the backend's own Conv2DBackpropInput and by ours.
      const g = (conv: (a: tf.Tensor4D) => tf.Tensor) =>
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D), r)))(x);
      const gRef = g((a) => tf.conv2d(a, w, s, tfPad));
      const gOurs = g((a) => conv2dForwardGrad(a, w, [s, s], pad));
      const scale = tf.max(tf.abs(gRef)).dataSync()[0];
      assert.ok(scale > 0, label);
      const err = tf.max(tf.abs(tf.sub(gOurs, gRef))).dataSync()[0] / scale;
      assert.ok(err < 1e-5, `${label}: relative error ${err}`);
      // A kept flipped kernel (what Net passes) gives the very same gradient.
      const flipped = flipKernel(w);
      const gKept = g((a) => conv2dForwardGrad(a, w, [s, s], pad, { flipped: () => flipped }));
      assert.deepEqual(gKept.dataSync(), gOurs.dataSync(), label);
    });
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("conv2dForwardGrad({ kind: depthwise }) differentiates where tf.depthwiseConv2d cannot", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const g = tf.tidy(() => {
    const k = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    return tf.grad((x: tf.Tensor) =>
      tf.sum(conv2dForwardGrad(x as tf.Tensor4D, k, [1, 1], "same", { kind: "depthwise" }))
    )(tf.ones([1, 4, 4, 2]));
  });
  // d/dx of the sum of a 3x3 box filter with zero 'same' padding: each pixel counts once per
  // output window covering it: 4 at corners, 6 on edges, 9 inside.
  const v = await g.data();
  assert.equal(v[0], 4);
  assert.equal(v[2], 6);
  assert.equal(v[(1 * 4 + 1) * 2], 9);
  g.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("depthwise conv2dForwardGrad() equals a block-diagonal conv2d and its gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const cases: [number, number, [number, number], Pad][] = [
    // [height, width, strides, padding]: MobileNet uses same/1, same/2 and valid after a pad.
    [8, 8, [1, 1], "same"],
    [8, 7, [2, 2], "same"],
    [9, 9, [2, 2], "same"],
    [7, 10, [1, 1], "valid"],
    [10, 9, [2, 2], "valid"],
    [6, 6, [2, 2], [[1, 1], [1, 1]]],
    [7, 7, [2, 2], [[0, 1], [0, 1]]],
  ];
  for (const [h, w, s, pad] of cases) {
    const label = `${h}x${w} ${s} ${JSON.stringify(pad)}`;
    tf.tidy(() => {
      const c = 5;
      const x = tf.randomNormal([1, h, w, c], 0, 1, "float32", h * w) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, c, 1], 0, 1, "float32", 3) as tf.Tensor4D;
      // The same filter as a full conv: kernel[i, j, a, b] = k[i, j, a] if a = b, else 0.
      const diag = tf.mul(tf.reshape(k, [3, 3, c, 1]), tf.reshape(tf.eye(c), [1, 1, c, c]));
      const tfPad = typeof pad === "string"
        ? pad
        : [[0, 0], pad[0], pad[1], [0, 0]] as tf.backend_util.ExplicitPadding;
      const ref = tf.conv2d(x, diag as tf.Tensor4D, s, tfPad);
      const ours = conv2dForwardGrad(x, k, s, pad, { kind: "depthwise" });
      assert.deepEqual(ours.shape, ref.shape, label);
      assert.ok(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0] < 1e-4, label);
      const r = tf.randomNormal(ref.shape, 0, 1, "float32", 7);
      const g = (conv: (a: tf.Tensor4D) => tf.Tensor) =>
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D), r)))(x);
      const gRef = g((a) => tf.conv2d(a, diag as tf.Tensor4D, s, tfPad));
      const gOurs = g((a) => conv2dForwardGrad(a, k, s, pad, { kind: "depthwise" }));
      const scale = tf.max(tf.abs(gRef)).dataSync()[0];
      assert.ok(scale > 0, label);
      const err = tf.max(tf.abs(tf.sub(gOurs, gRef))).dataSync()[0] / scale;
      assert.ok(err < 1e-5, `${label}: relative error ${err}`);
    });
  }
  const x2 = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  const k2 = tf.zeros([3, 3, 2, 2]) as tf.Tensor4D;
  assert.throws(
    () => conv2dForwardGrad(x2, k2, [1, 1], "same", { kind: "depthwise" }),
    /depthwise kernel \[3,3,2,2\] for 2 channels: expected multiplier 1/,
  );
  tf.dispose([x2, k2]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("setConvGradMode() forces the conv2d gradient either way and restores auto", async () => {
  await setupTf();
  // Under "auto" the measured table decides: WASM and WebGL take the forward-conv gradient,
  // the others tfjs's kernel.
  const auto = ["wasm", "webgl"].includes(tf.getBackend());
  assert.equal(preferForwardConvGrad("conv2d"), auto);
  assert.equal(setConvGradMode("tfjs"), "auto");
  assert.equal(preferForwardConvGrad("conv2d"), false);
  assert.equal(setConvGradMode("forward"), "tfjs");
  assert.equal(preferForwardConvGrad("conv2d"), true);
  assert.equal(setConvGradMode("auto"), "forward");
  assert.equal(preferForwardConvGrad("conv2d"), auto);
});

Deno.test("a strided conv over few channels takes one blocked conv + DepthToSpace for its input gradient, made once per padding", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const kept = new Map<string, tf.Tensor4D>();
  let made = 0;
  const kernelCache: KernelCache = (key, make) => {
    if (!kept.has(key)) {
      made++;
      kept.set(key, tf.keep(make()));
    }
    return kept.get(key)!;
  };
  // [input channels, height]: RGB at an even and an odd height (a "same" 7x7 stride 2 pads
  // differently at each: two cached kernels), and 8 channels (the per-phase path).
  for (const [cin, h] of [[3, 32], [3, 33], [3, 32], [8, 32]]) {
    const label = `cin ${cin}, h ${h}`;
    const x = tf.randomNormal([1, h, 35, cin], 0, 1, "float32", cin + h) as tf.Tensor4D;
    const w = tf.randomNormal([7, 7, cin, 16], 0, 0.2, "float32", cin) as tf.Tensor4D;
    const r = tf.tidy(() => tf.randomNormal(tf.conv2d(x, w, 2, "same").shape, 0, 1, "float32", 5));
    const g = (conv: (a: tf.Tensor4D) => tf.Tensor) =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D), r)))(x);
    const ours = (a: tf.Tensor4D) => conv2dForwardGrad(a, w, [2, 2], "same", { kernelCache });
    const profile = await tf.profile(() => tf.tidy(() => void g(ours)));
    const kernels = new Set(profile.kernels.map((k) => k.name));
    assert.equal(kernels.has("DepthToSpace"), cin <= 4, `${label}: ${[...kernels]}`);
    assert.equal(kernels.has("Pack"), cin > 4, `${label}: ${[...kernels]}`);
    const [gRef, gOurs] = [g((a) => tf.conv2d(a, w, 2, "same")), g(ours)];
    const err = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(gOurs, gRef))).dataSync()[0] / tf.max(tf.abs(gRef)).dataSync()[0]
    );
    assert.ok(err < 1e-5, `${label}: relative error ${err}`);
    tf.dispose([x, w, r, gRef, gOurs]);
  }
  assert.equal(made, 2);
  tf.dispose([...kept.values()]);
  assert.equal(tf.memory().numTensors, before);
});
