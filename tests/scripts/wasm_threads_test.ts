import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { setupTf, TEST_BACKEND, tf } from "../_tf.ts";
import { wasmThreadsWanted } from "../../scripts/lib/wasm_threads.ts";

Deno.test({
  name:
    "enableWasmThreads(2) starts a two-thread WASM pool under Deno with one pthread worker and the same conv values; backendThreads() reports it",
  ignore: TEST_BACKEND !== "wasm",
  fn: async () => {
    await setupTf();
    const child = fileURLToPath(new URL("./_wasm_threads_child.ts", import.meta.url));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", child, "2"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(text.split("\n").at(-1)!);
    // getThreadsCount() is the size of XNNPACK's pthreadpool: 2 only if a worker thread started
    // (1 when the threaded build falls back or the pool is capped at half the cores).
    assert.deepEqual([r.backend, r.threads], ["wasm", 2]);
    // backendThreads(), stylize()'s `threads` for the ETA: the pool's on WASM, none on a GPU.
    assert.deepEqual(r.etaThreads, [2, null]);
    // XNNPACK's pthreadpool of 2 runs on the calling thread and one worker; the glue's pool of 8
    // used to start all 8 (issue 13: ~13 MiB resident each). Nothing spare is left in the pool.
    assert.deepEqual([r.workersStarted, r.running, r.unused], [1, 1, 0]);
    // The same conv, single-threaded here: splitting rows over threads does not change a sum.
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => {
      const x = tf.randomNormal([1, 64, 64, 32], 0, 1, "float32", 1) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, 32, 32], 0, 1, "float32", 2) as tf.Tensor4D;
      return tf.conv2d(x, k, 1, "same");
    });
    const want = Array.from(await y.data()).filter((_, i) => i % 997 === 0);
    y.dispose();
    assert.equal(r.values.length, want.length);
    r.values.forEach((v: number, i: number) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${i}`));
    assert.equal(tf.memory().numTensors, before);
  },
});

Deno.test("wasmThreadsWanted() is one thread per core (at most 8) unless ATELIER_WASM_THREADS says", () => {
  const saved = Deno.env.get("ATELIER_WASM_THREADS");
  try {
    Deno.env.delete("ATELIER_WASM_THREADS");
    assert.equal(wasmThreadsWanted(), Math.min(8, os.cpus().length));
    Deno.env.set("ATELIER_WASM_THREADS", "1");
    assert.equal(wasmThreadsWanted(), 1);
    Deno.env.set("ATELIER_WASM_THREADS", "3");
    assert.equal(wasmThreadsWanted(), 3);
    for (const bad of ["0", "two", "1.5", "-2"]) {
      Deno.env.set("ATELIER_WASM_THREADS", bad);
      assert.throws(
        () => wasmThreadsWanted(),
        /ATELIER_WASM_THREADS is ".*": expected a whole number >= 1/,
      );
    }
  } finally {
    if (saved === undefined) Deno.env.delete("ATELIER_WASM_THREADS");
    else Deno.env.set("ATELIER_WASM_THREADS", saved);
  }
});
