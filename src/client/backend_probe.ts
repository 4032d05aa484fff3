/**
 * Picks the worker's tfjs backend: tries WebGPU, then WebGL, WASM and CPU (or a forced one
 * first), with a real op on each, and describes the one that runs in words for the studio.
 */
import { tf } from "./tf_setup.ts";
import { limitsOf } from "./device_limits.ts";
import { type BackendInfo, type BackendName, BACKENDS } from "./protocol.ts";
import { wasmThreads } from "./wasm_threads.ts";

/** The WebGPU adapter or WebGL renderer of the active backend, when the browser says. */
function adapterOf(name: BackendName): string | undefined {
  if (name === "webgpu") {
    const info = (tf.backend() as unknown as {
      adapterInfo?: { description?: string; vendor?: string; architecture?: string };
    }).adapterInfo;
    return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") ||
      undefined;
  }
  if (name === "webgl") {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return undefined;
    // WEBGL_debug_renderer_info: the unmasked renderer ("ANGLE (..., SwiftShader ...)").
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    return (ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) ||
      undefined;
  }
  return undefined;
}

/** Threads the WASM or CPU kernels run on (the CPU backend is plain JavaScript: one). */
function threadsOf(name: BackendName): number | undefined {
  if (name === "cpu") return 1;
  return name === "wasm" ? wasmThreads() : undefined;
}

/** A sentence on what backend `name` (the active one) means for speed. */
function noteOf(name: BackendName): string {
  if (name === "webgpu") {
    const desc = adapterOf(name) ?? "";
    const software = /swiftshader|llvmpipe|software/i.test(desc);
    return software
      ? `WebGPU on a software adapter (${desc}): works, but slow; keep sizes small`
      : "WebGPU: GPU compute shaders, the fastest option";
  }
  if (name === "webgl") {
    return "WebGL: GPU through graphics shaders; fast, a little slower than WebGPU";
  }
  if (name === "wasm") {
    const n = wasmThreads() ?? 1;
    const threads = n > 1 ? `${n} threads, ` : "";
    return `WebAssembly on the CPU (${threads}SIMD): about 10-50x slower than a GPU; use small sizes`;
  }
  return "Plain JavaScript on the CPU: very slow; use 128 px or less";
}

/** Why backend `name` cannot run here, or undefined once it is active and working. */
export async function tryBackend(name: BackendName): Promise<string | undefined> {
  if (name === "webgpu" && !("gpu" in navigator)) {
    return "this browser has no WebGPU (navigator.gpu)";
  }
  if (name === "webgl" && typeof OffscreenCanvas === "undefined") {
    return "no OffscreenCanvas in workers";
  }
  try {
    if (!(await tf.setBackend(name))) return "it failed to initialise";
    await tf.ready();
    // A real op: some backends initialise lazily and fail on first use.
    const t = tf.add(tf.scalar(1), tf.scalar(1));
    await t.data();
    t.dispose();
    return undefined;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

/** Activates the first backend that works (`forced` first); undefined when none does. */
export async function probeBackends(forced?: BackendName): Promise<BackendInfo | undefined> {
  const order = forced ? [forced, ...BACKENDS.filter((b) => b !== forced)] : [...BACKENDS];
  const failed: BackendInfo["failed"] = [];
  for (const name of order) {
    const reason = await tryBackend(name);
    if (reason === undefined) {
      const threads = threadsOf(name);
      const adapter = adapterOf(name);
      return {
        name,
        note: noteOf(name),
        failed,
        limits: limitsOf(name),
        ...(threads ? { threads } : {}),
        ...(adapter ? { adapter } : {}),
      };
    }
    failed.push({ name, reason });
  }
  return undefined;
}
