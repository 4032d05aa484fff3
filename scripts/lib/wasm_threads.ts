/**
 * tfjs-backend-wasm's threaded SIMD build under Deno. tfjs 4.22 turns threads off whenever it
 * sees Node (`IS_NODE`, which Deno's npm compatibility sets), and its Emscripten glue starts each
 * pthread as a `node:worker_threads` Worker on a `blob:` URL, which Deno's Worker refuses. This
 * module gets it running without patching the package:
 * - while the backend initialises, `Blob` and `URL.createObjectURL` are wrapped so that the two
 *   scripts tfjs builds as blobs (the pthread worker and the module factory it imports) are
 *   written to a temporary directory as .cjs files and passed as paths;
 * - the worker file starts with a shim: the bundle's module-scope names (`require$$0`..,
 *   `commonjsGlobal`, `__dirname`) as globals for the indirectly evaluated factory, the worker
 *   globals made writable (Deno defines `location` as a getter), and `postMessage` kept as
 *   Deno's own (the glue's version calls `parentPort.postMessage`, which calls it back);
 * - `os.cpus()` reports every core twice during start-up, because the backend caps its pool at
 *   half the logical cores (it assumes hyper-threading).
 * Everything is restored once the backend is up. Start it with enableWasmThreads() before the
 * first tf.setBackend("wasm") (the CLI does, with wasmThreadsWanted()); the threads actually
 * started are in wasmThreadsCount().
 */
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";

const SHIM = [
  'Object.assign(globalThis, { require$$0: require("fs"), require$$1: require("path"),',
  '  require$$3: require("perf_hooks"), require$$4: require("os"), __dirname,',
  "  commonjsGlobal: globalThis });",
  "URL.createObjectURL = (x) => String(x); URL.revokeObjectURL = () => {};",
  "{ const pm = globalThis.postMessage.bind(globalThis);",
  '  Object.defineProperty(globalThis, "postMessage", { get: () => pm, set: () => {},',
  "    configurable: true }); }",
  'for (const k of ["self", "location", "performance", "Worker", "importScripts", "onmessage"]) {',
  "  Object.defineProperty(globalThis, k, { value: globalThis[k], writable: true,",
  "    configurable: true, enumerable: true });",
  "}",
  "",
].join("\n");

/**
 * Selects the WASM backend with `threads` threads (>= 1). Returns the number running, 1 when
 * the threaded build could not start (the backend then runs single-threaded as before).
 */
export async function enableWasmThreads(threads: number): Promise<number> {
  if (!(threads >= 1)) throw new RangeError(`threads is ${threads}: expected at least 1`);
  if (threads === 1) {
    await tf.setBackend("wasm");
    return 1;
  }
  const dir = await Deno.makeTempDir({ prefix: "atelier-wasm-threads-" });
  const RealBlob = globalThis.Blob;
  const realCreate = URL.createObjectURL;
  const realCpus = os.cpus;
  let files = 0;
  // deno-lint-ignore no-explicit-any
  (globalThis as any).Blob = function (parts: BlobPart[], options?: BlobPropertyBag) {
    const text = parts.every((p) => typeof p === "string") ? parts.join("") : "";
    const factory = text.startsWith("var WasmBackendModuleThreadedSimd");
    if (factory || (text && options?.type === "application/javascript")) {
      const path = `${dir}/${files++}.cjs`;
      Deno.writeTextFileSync(path, factory ? text : SHIM + text);
      return new String(path);
    }
    return new RealBlob(parts, options);
  };
  URL.createObjectURL = (x: Blob | MediaSource) =>
    x instanceof String ? String(x) : realCreate(x as Blob);
  os.cpus = () => [...realCpus(), ...realCpus()];
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
  try {
    const ok = await tf.setBackend("wasm");
    if (!ok) throw new Error("the threaded WASM backend could not start");
    await tf.ready();
  } finally {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreate;
    os.cpus = realCpus;
    // Workers read their scripts at start-up (the pool of 8 is made during initialisation).
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  unrefWorkers();
  return getThreadsCount();
}

/** Lets the process exit while pthread workers idle (Node unrefs them; Deno's port does not). */
function unrefWorkers(): void {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: Record<string, unknown> } })
    .wasm;
  const pt = module?.PThread;
  if (!pt) return;
  for (const list of [pt.unusedWorkers, pt.runningWorkers]) {
    for (const w of (list ?? []) as { unref?: () => void }[]) w.unref?.();
  }
}

/** Threads the WASM backend runs (1 when not threaded or not started). */
export function wasmThreadsCount(): number {
  try {
    return Math.max(1, getThreadsCount());
  } catch {
    return 1;
  }
}

/**
 * WASM threads for this process: $ATELIER_WASM_THREADS, or one per core (tfjs's pool takes at most
 * 8). One thread per core is the default since issue 13's third pass: ResNet-50 at 256 px, idle
 * 2-core machine, 666 -> 522 ms per evaluation; set ATELIER_WASM_THREADS=1 on a machine shared
 * with other heavy jobs, where a second thread can cost more than it gives.
 */
export function wasmThreadsWanted(): number {
  const raw = Deno.env.get("ATELIER_WASM_THREADS");
  if (raw === undefined || raw === "") return Math.min(8, Math.max(1, os.cpus().length));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`ATELIER_WASM_THREADS is "${raw}": expected a whole number >= 1`);
  }
  return n;
}
