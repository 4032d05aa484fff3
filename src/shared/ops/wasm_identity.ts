/**
 * A WASM Identity kernel that shares its input's buffer instead of copying it. tfjs's engine
 * clones (runs Identity on) every tensor a kernel saves for its gradient, and tfjs-wasm's
 * Identity copies the bytes, so inside tf.grad each saved input or output (a ReLU's input, a
 * Gram matrix's operands, a pool's input and output) was held twice until the gradient was
 * done (issue 13: a ResNet-50 evaluation at 512 px). tfjs's CPU backend shares the buffer with
 * a reference count, as here: tensors are immutable, and the WASM backend frees a buffer only
 * when its last reference goes (its disposeData counts them).
 */
import * as tf from "@tensorflow/tfjs-core";

type KernelArgs = Parameters<tf.KernelFunc>[0];

let installed = false;

/**
 * Replaces the WASM backend's Identity kernel with one that shares the input's buffer.
 * Idempotent; a no-op where the WASM backend is not registered. Call it once at start-up, in
 * the face that registers backends (it changes a global kernel registry).
 */
export function installWasmIdentity(): void {
  if (installed) return;
  const original = tf.getKernel("Identity", "wasm");
  if (!original) return;
  installed = true;
  const kernelFunc = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    // Strings are kept by the engine, not in the WASM heap: the original handles them.
    if (x.dtype === "string") return original.kernelFunc(args);
    (args.backend as tf.KernelBackend & { incRef(id: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc });
}
