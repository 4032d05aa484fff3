/**
 * tfjs WASM kernels Atelier replaces (each file says why and what it measured). The places that
 * register tfjs backends (the CLI's scripts/lib/tf_node.ts, the studio's tf_setup.ts, the tests'
 * _tf.ts) call installWasmKernels() once at start-up.
 */
import { installWasmIdentity } from "./wasm_identity.ts";
import { installWasmMatMul } from "./wasm_mat_mul.ts";
import { installWasmPoolGrads } from "./wasm_pool_grad.ts";

export { installWasmIdentity, installWasmMatMul, installWasmPoolGrads };

/** Installs every replacement kernel; idempotent, a no-op without the WASM backend. */
export function installWasmKernels(): void {
  installWasmMatMul();
  installWasmIdentity();
  installWasmPoolGrads();
}
