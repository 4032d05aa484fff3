/**
 * The client's one tfjs side-effect module: registers the gradients (tfjs-core registers none
 * by itself) and the four backends the worker can choose from, and swaps in the faster WASM
 * kernels of src/shared/ops (installWasmKernels: BatchMatMul, a buffer-sharing Identity, the pool
 * gradients). Only
 * worker.ts imports it.
 */
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-webgpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-cpu";
import { installWasmKernels } from "../shared/ops/mod.ts";

installWasmKernels();

export * as tf from "@tensorflow/tfjs-core";
export { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
