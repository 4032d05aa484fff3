/**
 * tfjs for the command-line faces (CLI, benchmarks): the umbrella package registers every
 * gradient; WASM and Deno's own WebGPU are added as backends, with the WASM kernels of
 * src/shared/ops (installWasmKernels: BatchMatMul, a buffer-sharing Identity, the pool
 * gradients). Only scripts import this.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { installWasmKernels } from "../../src/shared/ops/mod.ts";
import { enableWasmThreads, wasmThreadsWanted } from "./wasm_threads.ts";

installWasmKernels();

/** Backends the CLI can use, fastest first on a typical machine. */
export const BACKENDS = ["webgpu", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * `requestDevice()`'s descriptor with its `requiredFeatures` flattened. tfjs-backend-webgpu 4.22
 * asks for an adapter's "bgra8unorm-storage" as an array inside the list
 * (`requiredFeatures.push(['bgra8unorm-storage'])`); a browser reads that array as its string,
 * Deno's WebIDL refuses it, so on every adapter with the feature (real GPUs, lavapipe) the
 * backend did not start. Unchanged when there is nothing to flatten.
 */
export function flatFeatures<D extends { requiredFeatures?: Iterable<unknown> }>(
  descriptor: D | undefined,
): D | undefined {
  const features = descriptor?.requiredFeatures;
  if (!features) return descriptor;
  const list = [...features];
  return list.some(Array.isArray) ? { ...descriptor, requiredFeatures: list.flat() } : descriptor;
}

/** Makes every GPUAdapter.requestDevice() take flatFeatures() of its descriptor (once). */
function patchRequestDevice(): void {
  const proto = GPUAdapter.prototype as unknown as {
    requestDevice(d?: GPUDeviceDescriptor): Promise<GPUDevice>;
  };
  const original = proto.requestDevice;
  if ((original as { flat?: boolean }).flat) return;
  const flat = function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
    return original.call(this, flatFeatures(d));
  };
  proto.requestDevice = Object.assign(flat, { flat: true });
}

/**
 * Selects a backend, throwing a one-line error when it cannot start here. WASM runs
 * wasmThreadsWanted() threads (see wasm_threads.ts), fixed at its first start.
 */
export async function useBackend(name: string): Promise<BackendName> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new RangeError(`unknown backend "${name}": expected one of ${BACKENDS.join(", ")}`);
  }
  tf.env().set("PROD", true);
  if (name === "webgpu" && !("gpu" in navigator)) {
    throw new Error("backend webgpu: this Deno has no navigator.gpu (run with --unstable-webgpu)");
  }
  if (name === "webgpu") patchRequestDevice();
  let ok = false;
  try {
    const threads = name === "wasm" ? wasmThreadsWanted() : 1;
    ok = threads > 1 ? (await enableWasmThreads(threads)) >= 1 : await tf.setBackend(name);
  } catch (e) {
    throw new Error(`backend ${name} could not start: ${(e as Error).message}`);
  }
  if (!ok) throw new Error(`backend ${name} could not start on this machine`);
  await tf.ready();
  return name as BackendName;
}

export { tf };
