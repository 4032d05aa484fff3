import assert from "node:assert/strict";
import { setupTf, TEST_BACKEND, tf } from "../../_tf.ts";
import { installWasmPoolGrads } from "../../../src/shared/ops/wasm_pool_grad.ts";

type Pool = "max" | "avg";
type Case = [Pool, [number, number, number, number], number, number, "valid" | "same"];

/** d/dx of Σ pool(x) ⊙ dy on the active backend, as plain numbers. */
function poolGrad(
  kind: Pool,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  size: number,
  stride: number,
  pad: "valid" | "same",
) {
  const g = tf.grad((t) => {
    const p = kind === "max"
      ? tf.maxPool(t as tf.Tensor4D, size, stride, pad)
      : tf.avgPool(t as tf.Tensor4D, size, stride, pad);
    return tf.sum(tf.mul(p, dy));
  })(x);
  const out = Array.from(g.dataSync());
  g.dispose();
  return out;
}

Deno.test({
  name:
    "installWasmPoolGrads(): hand-derived max and average pool gradients, ties and 'same' padding",
  ignore: TEST_BACKEND !== "wasm",
  fn: async () => {
    await setupTf();
    installWasmPoolGrads(); // a second call is a no-op (tests/_tf.ts installed it already)
    const before = tf.memory().numTensors;
    // Max, 2x2 stride 2 over two channels of a 4x4 image (channel 1 the negation of channel 0):
    // window maxima of channel 0 at (0,1), (1,2), (2,1), (2,2) (the first of three 8s in
    // row-major order); of channel 1 at (0,0), (0,3), (2,0), (3,3). dy = 1..8 by (row, col, ch).
    const plane = [[1, 5, 2, 0], [3, 4, 7, 6], [0, 9, 8, 8], [2, 1, 8, 3]];
    const x = tf.tensor4d(plane.flat().flatMap((v) => [v, v === 0 ? 0 : -v]), [1, 4, 4, 2]);
    const dy = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const want = new Array(32).fill(0);
    const at = (r: number, c: number, ch: number) => (r * 4 + c) * 2 + ch;
    [[0, 1, 0], [0, 0, 1], [1, 2, 0], [0, 3, 1], [2, 1, 0], [2, 0, 1], [2, 2, 0], [3, 3, 1]]
      .forEach(([r, c, ch], i) => want[at(r, c, ch)] = i + 1);
    assert.deepEqual(poolGrad("max", x, dy, 2, 2, "valid"), want);
    // Average, 2x2 stride 1 "valid" over a 3x3 image, dy = 1, 2, 3, 4: each pixel gets a quarter
    // of the dy of every window over it, e.g. the centre (1 + 2 + 3 + 4) / 4 = 2.5.
    const a = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    const ady = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    assert.deepEqual(poolGrad("avg", a, ady, 2, 1, "valid"), [
      0.25,
      0.75,
      0.5,
      1,
      2.5,
      1.5,
      0.75,
      1.75,
      1,
    ]);
    // "same" on a 2x2 image (padding below and right): tfjs divides by the whole window's area,
    // 4, also where the window hangs over the padding. dy = 1: pixel (i, j) is under
    // (i + 1)(j + 1) windows.
    const s = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const sdy = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    assert.deepEqual(poolGrad("avg", s, sdy, 2, 1, "same"), [0.25, 0.5, 0.5, 1]);
    tf.dispose([x, dy, a, ady, s, sdy]);
    assert.equal(tf.memory().numTensors, before);
  },
});

Deno.test({
  name: "installWasmPoolGrads() gives the CPU backend's max and average pool gradients",
  ignore: TEST_BACKEND !== "wasm",
  fn: async () => {
    await setupTf();
    const cases: Case[] = [
      ["max", [2, 17, 26, 5], 3, 2, "valid"],
      ["max", [1, 17, 26, 5], 3, 2, "same"],
      ["max", [1, 16, 9, 3], 2, 1, "same"],
      ["avg", [2, 17, 26, 5], 3, 2, "valid"],
      ["avg", [1, 17, 26, 5], 3, 2, "same"],
      ["avg", [1, 16, 9, 3], 2, 2, "same"],
    ];
    // Behind a ReLU about half the inputs are 0, so many max windows tie: both take the first.
    const inputs = cases.map(([kind, shape, size, stride, pad], i) => {
      const x = tf.tidy(() => tf.relu(tf.randomNormal(shape, 0, 1, "float32", i + 1)));
      const yShape = tf.tidy(() => tf.maxPool(x as tf.Tensor4D, size, stride, pad).shape);
      const dy = tf.randomUniform(yShape, -1, 1, "float32", i + 10);
      const data = { x: x.dataSync().slice(), dy: dy.dataSync().slice(), yShape };
      tf.dispose([x, dy]);
      return { kind, shape, size, stride, pad, ...data };
    });
    const run = () =>
      inputs.map(({ kind, shape, size, stride, pad, x, dy, yShape }) => {
        const xt = tf.tensor4d(x, shape);
        const dyt = tf.tensor4d(dy, yShape as [number, number, number, number]);
        const g = poolGrad(kind, xt, dyt, size, stride, pad);
        tf.dispose([xt, dyt]);
        return g;
      });
    const ours = run();
    await tf.setBackend("cpu");
    let reference: number[][];
    try {
      reference = run();
    } finally {
      await tf.setBackend(TEST_BACKEND);
    }
    for (const [i, [kind, shape, size, stride, pad]] of cases.entries()) {
      const scale = Math.max(...reference[i].map(Math.abs));
      const err = Math.max(...ours[i].map((v, j) => Math.abs(v - reference[i][j])));
      assert.ok(
        scale > 0 && err <= 1e-6 * scale,
        `${kind} [${shape}] ${size}/${stride} ${pad}: ${err}`,
      );
    }
  },
});
