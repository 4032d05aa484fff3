import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { Net } from "../../../src/shared/nets/net.ts";
import { syntheticManifest } from "../tiling/_synthetic.ts";

Deno.test("a zero padding before a 'valid' conv runs inside it: same features and gradient, no PadV2", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const weights = () =>
    new Map(
      syntheticManifest().weights.map((
        w,
        i,
      ) => [w.name, tf.randomNormal(w.shape, 0, 0.5, "float32", i + 1)]),
    );
  // pad1 [[1, 1], [1, 1]] feeds the stride-2 "valid" conv c1: folded into c1's padding.
  const folded = new Net(syntheticManifest(), weights());
  // The same net with the padded input exposed as a layer: asked for, the pad has a second
  // reader, so it runs as its own op.
  const exposed = syntheticManifest();
  exposed.layers.push({ name: "padded", node: "pad1", channels: 3, stride: 1, kind: "feature" });
  const plain = new Net(exposed, weights());
  try {
    // Odd sizes: the stride-2 input gradient's phases do not tile them evenly.
    for (const [h, w] of [[33, 35], [32, 32]]) {
      const image = tf.randomUniform([1, h, w, 3], 0, 1, "float32", h) as tf.Tensor4D;
      // `plain` is asked for the padded input too (unused): then the pad has a second reader.
      const loss = (net: Net) => (x: tf.Tensor) => {
        const extra = net === plain ? ["padded"] : [];
        const f = net.forward(x as tf.Tensor4D, ["block", "deep", ...extra]);
        return tf.add(tf.sum(tf.square(f.block)), tf.sum(f.deep));
      };
      const values = tf.tidy(
        () => [loss(folded)(image).dataSync()[0], loss(plain)(image).dataSync()[0]],
      );
      assert.ok(Math.abs(values[0] - values[1]) <= 1e-5 * Math.abs(values[1]), `${values}`);
      // The forward pass pads nothing; the backward pass crops the padded gradient no more.
      const forward = async (net: Net) =>
        (await tf.profile(() => tf.tidy(() => void loss(net)(image)))).kernelNames;
      const [kf, kp] = [await forward(folded), await forward(plain)];
      assert.ok(!kf.includes("PadV2"), kf.join());
      assert.ok(kp.includes("PadV2"), kp.join());
      const slices = async (net: Net) =>
        (await tf.profile(() => tf.tidy(() => void tf.grad(loss(net))(image)))).kernels
          .filter((k) => k.name === "Slice").length;
      assert.equal(await slices(folded), (await slices(plain)) - 1);
      const gFolded = tf.grad(loss(folded))(image);
      const gPlain = tf.grad(loss(plain))(image);
      assert.deepEqual(gFolded.shape, [1, h, w, 3]);
      const err = tf.tidy(() =>
        tf.max(tf.abs(tf.sub(gFolded, gPlain))).dataSync()[0] /
        tf.max(tf.abs(gPlain)).dataSync()[0]
      );
      assert.ok(err < 1e-5, `${h}x${w}: relative error ${err}`);
      tf.dispose([gFolded, gPlain, image]);
    }
  } finally {
    folded.dispose();
    plain.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
