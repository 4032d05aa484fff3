import assert from "node:assert/strict";
import { setupTf, TEST_BACKEND, tf } from "../../_tf.ts";
import { installWasmMatMul } from "../../../src/shared/ops/wasm_mat_mul.ts";

/** Independent reference: the textbook triple loop over plain arrays, batch broadcast. */
function loopMatMul(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): number[] {
  const [ba, ra, ca] = aShape;
  const [bb, rb, cb] = bShape;
  const m = transposeA ? ca : ra;
  const k = transposeA ? ra : ca;
  const n = transposeB ? rb : cb;
  const out: number[] = [];
  for (let t = 0; t < Math.max(ba, bb); t++) {
    const ao = (ba === 1 ? 0 : t) * ra * ca;
    const bo = (bb === 1 ? 0 : t) * rb * cb;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          s += a[ao + (transposeA ? p * ca + i : i * ca + p)] *
            b[bo + (transposeB ? j * cb + p : p * cb + j)];
        }
        out.push(s);
      }
    }
  }
  return out;
}

Deno.test("installWasmMatMul() keeps tf.matMul's values for every transpose flag and a broadcast batch", async () => {
  await setupTf();
  installWasmMatMul(); // a second call is a no-op (tests/_tf.ts installed it already)
  const before = tf.memory().numTensors;
  // [batch, rows, cols] of a and b as stored, for m = 5, k = 7, n = 3; batch 2 against 1.
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const aShape: [number, number, number] = [2, tA ? 7 : 5, tA ? 5 : 7];
    const bShape: [number, number, number] = [1, tB ? 3 : 7, tB ? 7 : 3];
    const a = tf.randomNormal(aShape, 0, 1, "float32", 1) as tf.Tensor3D;
    const b = tf.randomNormal(bShape, 0, 1, "float32", 2) as tf.Tensor3D;
    const y = tf.matMul(a, b, tA, tB);
    assert.deepEqual(y.shape, [2, 5, 3]);
    const want = loopMatMul(a.dataSync(), aShape, b.dataSync(), bShape, tA, tB);
    const got = Array.from(y.dataSync());
    const err = Math.max(...got.map((v, i) => Math.abs(v - want[i])));
    assert.ok(err < 1e-4, `transposeA ${tA}, transposeB ${tB}: max error ${err}`);
    tf.dispose([a, b, y]);
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("installWasmMatMul() keeps the gradient of a Gram product FᵀF", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // L = Σ R ⊙ FᵀF with R = [[0, 1], [0, 0]] is Σ_k F_k0 F_k1, so dL/dF = [F[:, 1], F[:, 0]]:
  // for F = [[1, 2], [3, 4]] that is [[2, 1], [4, 3]]. tfjs's matMul gradient runs BatchMatMul
  // with both transpose flags, so this goes through both rewritten paths.
  const f = tf.tensor2d([[1, 2], [3, 4]]);
  const r = tf.tensor2d([[0, 1], [0, 0]]);
  const dF = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, x, true, false), r)))(f);
  assert.deepEqual(Array.from(await dF.data()), [2, 1, 4, 3]);
  tf.dispose([f, r, dF]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test({
  name: "installWasmMatMul() makes a transposed product as fast as an explicit transpose",
  ignore: TEST_BACKEND !== "wasm",
  fn: async () => {
    await setupTf();
    // Before the rewrite, transposeA took 25-40x the unflagged time on WASM ([176, 1024]:
    // 1,111 ms against 37 ms); after it, the flagged product is one Transpose plus the same
    // XNNPACK product. A 4x margin absorbs timing noise on a loaded machine.
    const f = tf.randomNormal([176, 512], 0, 1, "float32", 3) as tf.Tensor2D;
    const time = (fn: () => tf.Tensor) => {
      const ts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const y = fn();
        y.dataSync();
        ts.push(performance.now() - t);
        y.dispose();
      }
      return ts.sort((x, y) => x - y)[2];
    };
    const flagged = time(() => tf.matMul(f, f, true, false));
    const explicit = time(() => tf.tidy(() => tf.matMul(tf.transpose(f), f)));
    f.dispose();
    assert.ok(flagged < 4 * explicit + 5, `flagged ${flagged} ms, explicit ${explicit} ms`);
  },
});
