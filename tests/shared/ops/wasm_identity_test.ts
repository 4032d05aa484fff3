import assert from "node:assert/strict";
import { setupTf, TEST_BACKEND, tf } from "../../_tf.ts";
import { installWasmIdentity } from "../../../src/shared/ops/wasm_identity.ts";

Deno.test({
  name: "installWasmIdentity() makes tf.clone share the buffer, freed with its last reference",
  ignore: TEST_BACKEND !== "wasm",
  fn: async () => {
    await setupTf();
    installWasmIdentity(); // a second call is a no-op (tests/_tf.ts installed it already)
    const before = tf.memory();
    const backend = tf.backend() as tf.KernelBackend & {
      numDataIds(): number;
      getMemoryOffset(id: object): number;
    };
    const ids = backend.numDataIds();
    const a = tf.tensor1d([1, 2, 3, 4]);
    // tfjs-wasm's own Identity copied the 16 B into a second buffer of the WASM heap; shared,
    // the clone is the same buffer (tf.memory().numBytes counts per tensor either way).
    const b = tf.clone(a);
    assert.equal(backend.numDataIds() - ids, 1);
    assert.equal(backend.getMemoryOffset(b.dataId), backend.getMemoryOffset(a.dataId));
    a.dispose();
    assert.deepEqual(Array.from(await b.data()), [1, 2, 3, 4]);
    b.dispose();
    assert.equal(backend.numDataIds(), ids);
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  },
});

Deno.test({
  name: "installWasmIdentity() frees the ReLU input a gradient saves with the gradient",
  ignore: TEST_BACKEND !== "wasm",
  fn: async () => {
    await setupTf();
    const before = tf.memory().numTensors;
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number };
    const ids = backend.numDataIds();
    const x = tf.tensor1d([-1, 2]);
    // d/dx sum(relu(x)²) = 2·relu(x)·step(x) = [0, 4]. The Relu kernel saves its input x (a
    // clone, now sharing x's buffer); nothing of it may outlive the gradient.
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.relu(t))))(x);
    assert.deepEqual(Array.from(await g.data()), [0, 4]);
    tf.dispose([x, g]);
    assert.equal(backend.numDataIds(), ids);
    assert.equal(tf.memory().numTensors, before);
  },
});
