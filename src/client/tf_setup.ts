/**
 * The client's one tfjs side-effect module: registers the gradients (tfjs-core registers none
 * by itself) and the four backends the worker can choose from, and swaps in the faster WASM
 * BatchMatMul (installWasmMatMul) and the buffer-sharing Identity (installWasmIdentity). Only
 * worker.ts imports it.
 */
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-webgpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-cpu";
import { installWasmIdentity } from "../shared/ops/wasm_identity.ts";
import { installWasmMatMul } from "../shared/ops/wasm_mat_mul.ts";

installWasmMatMul();
installWasmIdentity();

export * as tf from "@tensorflow/tfjs-core";
export { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
