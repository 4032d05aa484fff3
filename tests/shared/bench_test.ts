import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setupTf, tf } from "../_tf.ts";
import { benchEvaluation, type BenchMeasure } from "../../src/shared/bench.ts";
import { loadNet } from "../../src/shared/nets/loader.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

Deno.test("benchEvaluation() times evaluations at the bench aspect and leaves no tensors", async () => {
  await setupTf();
  // Counted around the net: on WASM its first backward pass caches flipped conv kernels that
  // the net keeps until it is disposed.
  const before = tf.memory().numTensors;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")));
  let m: BenchMeasure;
  try {
    m = await benchEvaluation(net, 64, { evaluations: 3, warmup: 0 });
  } finally {
    net.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  // 64 px long side at the CLI bench's 451x300 aspect: round(64 * 300 / 451) = round(42.57) = 43.
  assert.deepEqual(m.shape, [1, 43, 64, 3]);
  assert.equal(m.times.length, 3);
  // The median of three is the middle one.
  assert.equal(m.msPerEval, [...m.times].sort((a, b) => a - b)[1]);
  assert.ok(m.flopsPerEval > 0);
  // GFLOP/s = FLOPs / (ms / 1000) / 1e9 = FLOPs / ms / 1e6.
  assert.ok(Math.abs(m.gflops - m.flopsPerEval / m.msPerEval / 1e6) < 1e-9 * m.gflops);
  // At its peak an evaluation holds at least its two input images: 2 x 43 x 64 x 3 float32
  // = 66,048 bytes, besides the net's weights and activations.
  assert.ok(m.peakBytes > 66_048, `peak ${m.peakBytes} bytes`);
});
