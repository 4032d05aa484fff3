import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { Net } from "../../../src/shared/nets/net.ts";
import { syntheticManifest } from "../tiling/_synthetic.ts";

Deno.test("a BGR net folds the channel order into its first conv: same features and gradient, no Reverse", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const bgr = () => {
    const m = syntheticManifest();
    m.preprocess = { kind: "caffe", order: "bgr", scale: 2, mean: [0.1, 0.5, 0.9], std: [1, 2, 4] };
    return m;
  };
  const weights = () =>
    new Map(
      bgr().weights.map((w, i) => [w.name, tf.randomNormal(w.shape, 0, 0.5, "float32", i + 1)]),
    );
  const folded = new Net(bgr(), weights());
  // The same net with the padded input exposed as a layer: the fold would change that layer's
  // channel order, so this net reverses the image as before.
  const exposed = bgr();
  exposed.layers.push({ name: "padded", node: "pad1", channels: 3, stride: 1, kind: "feature" });
  const plain = new Net(exposed, weights());
  try {
    const image = tf.randomUniform([1, 32, 32, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const loss = (net: Net) => (x: tf.Tensor) => {
      const f = net.forward(x as tf.Tensor4D, ["block", "deep"]);
      return tf.add(tf.sum(tf.square(f.block)), tf.sum(f.deep));
    };
    const values = tf.tidy(
      () => [loss(folded)(image).dataSync()[0], loss(plain)(image).dataSync()[0]],
    );
    assert.ok(Math.abs(values[0] - values[1]) <= 1e-5 * Math.abs(values[1]), `${values}`);
    // The forward pass (the backward one reverses kernels once, for the forward-conv gradient).
    const kernels = async (net: Net) =>
      (await tf.profile(() => tf.tidy(() => void loss(net)(image)))).kernelNames;
    assert.ok(!(await kernels(folded)).includes("Reverse"));
    assert.ok((await kernels(plain)).includes("Reverse"));
    // The exposed padded input is the BGR image, scaled and normalised: pixel 0's blue first.
    const padded = tf.tidy(() => {
      const p = plain.forward(image, ["padded"]).padded;
      return [
        p.slice([0, 1, 1, 0], [1, 1, 1, 3]).dataSync(),
        image.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync(),
      ];
    });
    const [r, g, b] = padded[1];
    assert.deepEqual(
      Array.from(padded[0]).map((v) => Math.round(v * 1e5)),
      [(2 * b - 0.1) / 1, (2 * g - 0.5) / 2, (2 * r - 0.9) / 4].map((v) => Math.round(v * 1e5)),
    );
    const gFolded = tf.grad(loss(folded))(image);
    const gPlain = tf.grad(loss(plain))(image);
    const err = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(gFolded, gPlain))).dataSync()[0] / tf.max(tf.abs(gPlain)).dataSync()[0]
    );
    assert.ok(err < 1e-5, `relative error ${err}`);
    tf.dispose([gFolded, gPlain, image]);
  } finally {
    folded.dispose();
    plain.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
