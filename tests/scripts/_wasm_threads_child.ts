// Child process of wasm_threads_test.ts: the threaded backend must start in a fresh process.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import workerThreads from "node:worker_threads";
import { backendThreads, enableWasmThreads } from "../../scripts/lib/wasm_threads.ts";

// Counts the pthread workers that really start (each is a Deno isolate of ~13 MiB).
const RealWorker = workerThreads.Worker;
let workersStarted = 0;
workerThreads.Worker = class extends RealWorker {
  constructor(...args: ConstructorParameters<typeof RealWorker>) {
    super(...args);
    workersStarted++;
  }
};
const threads = await enableWasmThreads(Number(Deno.args[0]));
const pool = (tf.backend() as unknown as {
  wasm: { PThread: { unusedWorkers: unknown[]; runningWorkers: unknown[] } };
}).wasm.PThread;
// A conv big enough for XNNPACK to split it over the pool (64 output rows).
const y = tf.tidy(() => {
  const x = tf.randomNormal([1, 64, 64, 32], 0, 1, "float32", 1) as tf.Tensor4D;
  const k = tf.randomNormal([3, 3, 32, 32], 0, 1, "float32", 2) as tf.Tensor4D;
  return tf.conv2d(x, k, 1, "same");
});
const values = Array.from(await y.data()).filter((_, i) => i % 997 === 0);
console.log(JSON.stringify({
  backend: tf.getBackend(),
  threads,
  // What the CLI gives stylize() for its ETA on this backend and on a GPU one.
  etaThreads: [backendThreads("wasm"), backendThreads("webgpu") ?? null],
  values,
  workersStarted,
  unused: pool.unusedWorkers.length,
  running: pool.runningWorkers.length,
}));
Deno.exit(0);
