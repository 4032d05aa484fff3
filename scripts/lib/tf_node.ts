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
 * `requestDevice()`'s descriptor as Deno's WebGPU takes it, with what tfjs-backend-webgpu 4.22
 * asks for there made acceptable:
 * - its `requiredFeatures` flattened: tfjs asks for an adapter's "bgra8unorm-storage" as an array
 *   inside the list (`requiredFeatures.push(['bgra8unorm-storage'])`), which a browser reads as
 *   its string and Deno's WebIDL refuses;
 * - its `requiredLimits` at most Number.MAX_SAFE_INTEGER: tfjs asks for the adapter's own
 *   maxBufferSize, which an NVIDIA driver reports as 2^64 (an H200 over Vulkan), outside the
 *   range Deno accepts ("outside the accepted range of $0 to $9007199254740991").
 * Either made the backend fail to start on real GPUs (and lavapipe). Unchanged when neither
 * applies.
 */
export function denoDeviceDescriptor<
  D extends { requiredFeatures?: Iterable<unknown>; requiredLimits?: Record<string, unknown> },
>(descriptor: D | undefined): D | undefined {
  if (!descriptor) return descriptor;
  let out = descriptor;
  const features = descriptor.requiredFeatures ? [...descriptor.requiredFeatures] : [];
  if (features.some(Array.isArray)) out = { ...out, requiredFeatures: features.flat() };
  const limits = Object.entries(descriptor.requiredLimits ?? {});
  if (limits.some(([, v]) => typeof v === "number" && v > Number.MAX_SAFE_INTEGER)) {
    const capped = limits.map((
      [k, v],
    ) => [k, typeof v === "number" ? Math.min(v, Number.MAX_SAFE_INTEGER) : v]);
    out = { ...out, requiredLimits: Object.fromEntries(capped) };
  }
  return out;
}

/** Makes every GPUAdapter.requestDevice() take denoDeviceDescriptor() of its descriptor (once). */
function patchRequestDevice(): void {
  const proto = GPUAdapter.prototype as unknown as {
    requestDevice(d?: GPUDeviceDescriptor): Promise<GPUDevice>;
  };
  const original = proto.requestDevice;
  if ((original as { deno?: boolean }).deno) return;
  const flat = function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
    return original.call(this, denoDeviceDescriptor(d));
  };
  proto.requestDevice = Object.assign(flat, { deno: true });
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
