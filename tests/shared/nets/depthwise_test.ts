import assert from "node:assert/strict";
import { setupTf, tf } from "../../_tf.ts";
import { depthwiseBySlices } from "../../../src/shared/nets/_depthwise.ts";

Deno.test("depthwiseBySlices() equals tf.depthwiseConv2d for TF padding rules and strides", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const cases: [
    number,
    number,
    [number, number],
    "same" | "valid" | [[number, number], [number, number]],
  ][] = [
    [8, 8, [1, 1], "same"],
    [8, 7, [2, 2], "same"],
    [9, 9, [2, 2], "same"],
    [7, 10, [1, 1], "valid"],
    [10, 9, [2, 2], "valid"],
    [6, 6, [2, 2], [[1, 1], [1, 1]]],
  ];
  for (const [h, w, s, p] of cases) {
    tf.tidy(() => {
      const x = tf.randomNormal([1, h, w, 5], 0, 1, "float32", h * w) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, 5, 1], 0, 1, "float32", 3) as tf.Tensor4D;
      const pad = typeof p === "string"
        ? p
        : [[0, 0], p[0], p[1], [0, 0]] as tf.backend_util.ExplicitPadding;
      const want = tf.depthwiseConv2d(x, k, s, pad);
      const got = depthwiseBySlices(x, k, s, p);
      assert.deepEqual(got.shape, want.shape, `${h}x${w} ${s} ${JSON.stringify(p)}`);
      const err = tf.max(tf.abs(tf.sub(got, want))).arraySync() as number;
      assert.ok(err < 1e-4, `${h}x${w} ${s} ${JSON.stringify(p)}: max error ${err}`);
    });
  }
  // And it differentiates on WASM, where tf.depthwiseConv2d cannot.
  const g = tf.tidy(() => {
    const k = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    return tf.grad((x: tf.Tensor) =>
      tf.sum(depthwiseBySlices(x as tf.Tensor4D, k, [1, 1], "same"))
    )(
      tf.ones([1, 4, 4, 2]),
    );
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
