import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { addRelu } from "../../../src/shared/nets/_add_relu.ts";
import { conv2dForwardGrad, setConvGradMode } from "../../../src/shared/nets/_conv_grad.ts";
import { Net } from "../../../src/shared/nets/net.ts";
import { syntheticManifest } from "../tiling/_synthetic.ts";

Deno.test("addRelu() has the hand-derived value and gradient for every input", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const a = tf.tensor1d([1, -2, 3, -4]);
  const b = tf.tensor1d([1, 1, -5, 5]);
  // a + b = [2, -1, -2, 1], relu: [2, 0, 0, 1]. d/da and d/db of sum(relu(a + b) · [1, 2, 3, 4])
  // are both [1, 2, 3, 4] masked where a + b > 0: [1, 0, 0, 4].
  const w = tf.tensor1d([1, 2, 3, 4]);
  const y = addRelu([a, b]);
  assert.deepEqual(Array.from(await y.data()), [2, 0, 0, 1]);
  const [ga, gb] = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(addRelu([x, z]), w)))([
    a,
    b,
  ]);
  assert.deepEqual(Array.from(await ga.data()), [1, 0, 0, 4]);
  assert.deepEqual(Array.from(await gb.data()), [1, 0, 0, 4]);
  tf.dispose([a, b, w, y, ga, gb]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("conv2dForwardGrad({ bias, relu }) matches relu(conv2d + bias) and its gradient", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  for (const s of [1, 2]) {
    tf.tidy(() => {
      const x = tf.randomNormal([1, 9, 10, 3], 0, 1, "float32", 3) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 4) as tf.Tensor4D;
      const bias = tf.randomNormal([4], 0, 1, "float32", 5);
      const ref = (a: tf.Tensor4D) => tf.relu(tf.add(tf.conv2d(a, k, s, "same"), bias));
      const ours = (a: tf.Tensor4D) =>
        conv2dForwardGrad(a, k, [s, s], "same", { bias, relu: true });
      const r = tf.randomNormal(ref(x).shape, 0, 1, "float32", 6);
      assert.ok(tf.max(tf.abs(tf.sub(ours(x), ref(x)))).dataSync()[0] < 1e-5);
      const g = (f: (a: tf.Tensor4D) => tf.Tensor) =>
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), r)))(x);
      const gRef = g(ref);
      // Some outputs are clipped by the ReLU, so the mask is exercised.
      assert.ok(tf.min(ref(x)).dataSync()[0] === 0);
      const err = tf.max(tf.abs(tf.sub(g(ours), gRef))).dataSync()[0] /
        tf.max(tf.abs(gRef)).dataSync()[0];
      assert.ok(err < 1e-5, `stride ${s}: relative error ${err}`);
    });
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("Net.forward() fuses ReLUs into convs and sums: same features and gradient, fewer bytes kept", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const previous = setConvGradMode("forward");
  // Seeded weights, the same for both nets.
  const weights = () =>
    new Map(
      syntheticManifest().weights.map((w, i) => [
        w.name,
        tf.randomNormal(w.shape, 0, 0.5, "float32", i + 1),
      ]),
    );
  const fusedNet = new Net(syntheticManifest(), weights());
  // The same net, with the conv c1 and the sum add1 also exposed as layers: then their ReLUs
  // (a1, r1) have a second reader and run unfused, as tfjs's own ops.
  const manifest = syntheticManifest();
  manifest.layers.push(
    { name: "c1out", node: "c1", channels: 4, stride: 2, kind: "feature" },
    { name: "sum", node: "add1", channels: 6, stride: 2, kind: "feature" },
  );
  const plainNet = new Net(manifest, weights());
  try {
    const image = tf.randomUniform([1, 32, 32, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const loss = (net: Net, layers: string[]) => (x: tf.Tensor) => {
      const f = net.forward(x as tf.Tensor4D, layers);
      return tf.add(tf.sum(tf.square(f.block)), tf.sum(f.deep));
    };
    const fused = loss(fusedNet, ["block", "deep"]);
    const plain = loss(plainNet, ["block", "deep", "c1out", "sum"]);
    const values = tf.tidy(() => [fused(image).dataSync()[0], plain(image).dataSync()[0]]);
    assert.ok(Math.abs(values[0] - values[1]) <= 1e-5 * Math.abs(values[1]), `${values}`);
    const gFused = tf.grad(fused)(image);
    const gPlain = tf.grad(plain)(image);
    const err = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(gFused, gPlain))).dataSync()[0] / tf.max(tf.abs(gPlain)).dataSync()[0]
    );
    assert.ok(err < 1e-5, `relative error ${err}`);
    tf.dispose([gFused, gPlain]);
    // Peak bytes of the gradient. Fusion frees, per fused ReLU, its input in the forward pass
    // and its masked gradient in the backward pass: a1 after c1 ([1, 16, 16, 4]: the 32 px
    // image padded to 34, 3x3 valid at stride 2) and r1 after add1 ([1, 16, 16, 6]), so at
    // least (16·16·4 + 16·16·6) · 4 B = 10,240 B of the forward pass, both held at the peak.
    const peak = async (f: (x: tf.Tensor) => tf.Tensor) =>
      (await tf.profile(() => tf.dispose(tf.grad(f)(image)))).peakBytes;
    const saved = (await peak(plain)) - (await peak(fused));
    assert.ok(saved >= 10240, `saved ${saved} B`);
    image.dispose();
  } finally {
    setConvGradMode(previous);
    fusedNet.dispose();
    plainNet.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
