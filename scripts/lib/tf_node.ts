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
