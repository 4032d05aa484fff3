/**
 * The one place tests register tfjs backends and gradients: the `@tensorflow/tfjs` umbrella
 * registers every kernel gradient, and the WASM backend is the fast CPU path on this machine.
 * `src/shared` imports only `@tensorflow/tfjs-core`, which resolves to the same instance.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { installWasmKernels } from "../src/shared/ops/mod.ts";

installWasmKernels();

/** Backend for tests: $ATELIER_TEST_BACKEND, or "wasm". */
export const TEST_BACKEND = Deno.env.get("ATELIER_TEST_BACKEND") ?? "wasm";

let ready: Promise<void> | undefined;

/** Selects the test backend once; every tensor test awaits this first. */
export function setupTf(): Promise<void> {
  ready ??= (async () => {
    tf.env().set("IS_TEST", true);
    tf.env().set("PROD", true);
    const ok = await tf.setBackend(TEST_BACKEND);
    if (!ok) throw new Error(`tfjs backend "${TEST_BACKEND}" could not be initialised`);
    await tf.ready();
  })();
  return ready;
}

export { tf };
