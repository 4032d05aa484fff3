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
 *   half the logical cores (it assumes hyper-threading);
 * - the glue makes a pool of 8 pthread workers whatever the thread count, and each is a Deno
 *   isolate of about 13 MiB resident that a later terminate() does not give back to the system;
 *   XNNPACK's pthreadpool takes threads - 1 of them (the caller is thread 0), the last ones made
 *   (the glue pops its pool), so only those start and the rest are stand-ins that answer the
 *   glue's "load" (spareWorkers(); issue 13: at two threads the 7 spare workers held 93 MiB
 *   resident from start-up on).
 * Everything is restored once the backend is up. Start it with enableWasmThreads() before the
 * first tf.setBackend("wasm") (the CLI does, with wasmThreadsWanted()); the threads actually
 * started are in wasmThreadsCount().
 */
import os from "node:os";
import workerThreads from "node:worker_threads";
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
  const spares = spareWorkers(threads - 1);
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
    spares.restore();
    // Workers read their scripts at start-up (the pool of 8 is made during initialisation).
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  unrefWorkers();
  return getThreadsCount();
}

type NodeWorker = InstanceType<typeof workerThreads.Worker>;
type Listener = (...args: unknown[]) => void;

/**
 * While the backend starts, node:worker_threads' Worker (the glue's pthread worker) makes
 * stand-ins; at the glue's first "load" message every worker has been made, and only the last
 * `keep` become real workers, the others answer "load" with "loaded" and must never run a thread.
 * restore() puts the real Worker back (also as the global the glue set it to, for any worker made
 * later) and drops the stand-ins from the glue's pool of unused workers.
 */
function spareWorkers(keep: number): { restore(): void } {
  const RealWorker = workerThreads.Worker;
  const made: PoolWorker[] = [];
  class PoolWorker {
    #args: ConstructorParameters<typeof RealWorker>;
    #listeners: [string, Listener][] = [];
    #real?: NodeWorker;
    spare?: boolean;
    constructor(...args: ConstructorParameters<typeof RealWorker>) {
      this.#args = args;
      made.push(this);
    }
    on(event: string, fn: Listener): this {
      if (this.#real) this.#real.on(event, fn);
      else this.#listeners.push([event, fn]);
      return this;
    }
    postMessage(message: { cmd?: string }, transfer?: readonly Transferable[]): void {
      if (this.spare === undefined) {
        this.spare = made.indexOf(this) < made.length - keep;
        if (!this.spare) {
          this.#real = new RealWorker(...this.#args);
          for (const [event, fn] of this.#listeners) this.#real.on(event, fn);
        }
      }
      if (this.#real) return this.#real.postMessage(message, transfer as never);
      if (message.cmd !== "load") {
        throw new Error(
          `a spare WASM pthread worker was sent "${message.cmd}": expected only "load"`,
        );
      }
      setTimeout(() => {
        for (const [event, fn] of this.#listeners) if (event === "message") fn({ cmd: "loaded" });
      });
    }
    terminate(): Promise<number> {
      return this.#real?.terminate() ?? Promise.resolve(0);
    }
    ref(): void {
      this.#real?.ref();
    }
    unref(): void {
      this.#real?.unref();
    }
  }
  workerThreads.Worker = PoolWorker as unknown as typeof RealWorker;
  return {
    restore() {
      workerThreads.Worker = RealWorker;
      // deno-lint-ignore no-explicit-any
      const g = globalThis as any;
      if (g.Worker === PoolWorker) g.Worker = RealWorker;
      // findBackend(): the WASM backend if it started, without starting another one.
      const pt = (tf.findBackend("wasm") as unknown as
        | { wasm?: { PThread?: { unusedWorkers: PoolWorker[] } } }
        | null)?.wasm?.PThread;
      if (pt) pt.unusedWorkers = pt.unusedWorkers.filter((w) => !w.spare);
    },
  };
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
 * The threads `backend` computes on, as stylize()'s `threads` option wants them (its ETA's
 * fixed cost): WASM's pool, undefined on the other backends.
 */
export function backendThreads(backend: string): number | undefined {
  return backend === "wasm" ? wasmThreadsCount() : undefined;
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
