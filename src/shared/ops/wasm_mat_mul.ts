/**
 * A faster BatchMatMul for tfjs's WASM backend. Its kernel runs a product through XNNPACK only
 * without transpose flags; with transposeA or transposeB it falls back to a loop 25-40x slower
 * (a [176, 1024] Gram FᵀF: 1,111 ms with transposeA, 37 ms after an explicit transpose; see
 * `deno task bench --profile`). The Gram matrix of the style loss takes transposeA, and tfjs's
 * matMul gradient takes both flags, so that loop was two thirds of a ResNet-50 evaluation.
 * installWasmMatMul() re-registers the kernel so that a flagged operand is transposed once by
 * the (fast) Transpose kernel and the product runs unflagged. Values are the same up to float
 * rounding; gradients are unchanged (they are defined on the op, not the kernel).
 */
import * as tf from "@tensorflow/tfjs-core";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

let installed = false;

/**
 * Replaces the WASM backend's BatchMatMul kernel with one that never passes a transpose flag.
 * Idempotent; a no-op where the WASM backend is not registered. Call it once at start-up, in
 * the face that registers backends (it changes a global kernel registry).
 */
export function installWasmMatMul(): void {
  if (installed) return;
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!original || !transpose) return;
  installed = true;
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    // Swap the last two axes of one operand with the backend's own Transpose kernel.
    const swap = (x: Info): Info => {
      const perm = x.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [
        perm[perm.length - 1],
        perm[perm.length - 2],
      ];
      return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as Info;
    };
    const a = transposeA ? swap(inputs.a as Info) : inputs.a as Info;
    const b = transposeB ? swap(inputs.b as Info) : inputs.b as Info;
    try {
      return original.kernelFunc({
        inputs: { a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (transposeA) backend.disposeData(a.dataId);
      if (transposeB) backend.disposeData(b.dataId);
    }
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc });
}
