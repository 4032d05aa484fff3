/**
 * WASM threads in the engine worker under the server's CSP (script-src 'self'). tfjs 4.22
 * starts every pthread from a `blob:` script; scripts/build_client.ts serves that script from
 * our own origin, and useSameOriginPthreads() hands its URL to tfjs in place of the blob:.
 * Threads also need cross-origin isolation (SharedArrayBuffer), which the server's COOP/COEP
 * headers give; without it tfjs's own WASM_HAS_MULTITHREAD_SUPPORT probe says no and the
 * backend runs single-threaded SIMD.
 */
import { tf } from "./tf_setup.ts";
import { getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";

/** tfjs-backend-wasm 4.22 starts this many pthread workers up front (Emscripten's pool). */
const POOL_SIZE = 8;

/**
 * Points tfjs's pthread workers at `workerUrl` and asks for one thread per logical core (tfjs
 * would take half, assuming hyper-threading; more than the pool would start workers lazily,
 * which a busy worker cannot do). Call once, before the first tf.setBackend("wasm").
 */
export function useSameOriginPthreads(workerUrl: string): void {
  const create = URL.createObjectURL.bind(URL);
  // tfjs's locateFile makes the pthread script the only application/javascript Blob it turns
  // into a URL (the factory it also builds is text/javascript and never becomes a URL here:
  // the served worker imports the factory by its own URL).
  URL.createObjectURL = (x: Blob | MediaSource) =>
    x instanceof Blob && x.type === "application/javascript" ? workerUrl : create(x);
  const cores = navigator.hardwareConcurrency || 1;
  setThreadsCount(Math.max(1, Math.min(POOL_SIZE, cores)));
  // tfjs's C side caps the pool at half of emscripten_num_logical_cores(), which reads
  // navigator.hardwareConcurrency on this thread (it assumes two hyper-threads per core; the
  // CLI's scripts/lib/wasm_threads.ts lifts the same cap). Nothing else in the worker reads it.
  Object.defineProperty(navigator, "hardwareConcurrency", {
    get: () => 2 * cores,
    configurable: true,
  });
}

/** Threads the active WASM backend runs: 1 when single-threaded; undefined on other backends. */
export function wasmThreads(): number | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  try {
    return Math.max(1, getThreadsCount());
  } catch {
    return 1;
  }
}
