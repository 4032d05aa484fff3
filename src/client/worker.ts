/**
 * The engine worker: picks a tfjs backend (WebGPU, then WebGL, WASM, CPU), loads networks
 * through the shard cache and runs stylize() off the main thread, so the page stays responsive.
 * Pause stops pulling from the generator; stop aborts it and returns the best image so far.
 */
/// <reference lib="webworker" />
import { setWasmPaths, tf } from "./tf_setup.ts";
import { loadNet, ModelLoadError, type Net } from "../shared/nets/mod.ts";
import { visualize } from "../shared/featurevis.ts";
import { resizeToLongSide, stylize, toRgba } from "../shared/render.ts";
import { MIN_SIZE, RecipeSchema } from "../shared/types.ts";
import { cachedFetch, evict } from "./cache_fetch.ts";
import { estimateRun, largestFit, misfit } from "./limits.ts";
import {
  type BackendInfo,
  type BackendName,
  BACKENDS,
  type DeviceLimits,
  type FromWorker,
  type RawImage,
  type ToWorker,
} from "./protocol.ts";

/** Hashed wasm file URLs, injected by scripts/build_client.ts. */
declare const __WASM_FILES__: Record<string, string>;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

setWasmPaths(__WASM_FILES__);
tf.env().set("PROD", true);
// tfjs 4.22 starts its WASM pthreads from blob: scripts (importScripts), which the server's CSP
// (script-src 'self') blocks, and the backend then hangs instead of failing: use single-thread
// SIMD. Threads need a same-origin pthread script, which tfjs-backend-wasm does not ship.
tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);

let backend: BackendInfo | undefined;
let net: Net | undefined;
let loading: Promise<Net> | undefined;
let deviceLost = false;
let controller: AbortController | undefined;
let resume: (() => void) | undefined;
let paused: Promise<void> | undefined;

const GiB = 2 ** 30;

function limitsOf(name: BackendName): DeviceLimits {
  if (name === "webgpu") {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    device.lost.then((info) => {
      deviceLost = true;
      post({
        type: "error",
        phase: "run",
        deviceLost: true,
        message: `The GPU device was lost (${info.message || info.reason}): reload to start again`,
      });
    });
    const l = device.limits;
    return {
      maxTensorBytes: Math.min(l.maxBufferSize, l.maxStorageBufferBindingSize),
      maxTextureSize: Infinity,
      memoryBytes: 2 * GiB,
    };
  }
  if (name === "webgl") {
    return {
      maxTensorBytes: Infinity,
      maxTextureSize: tf.env().getNumber("WEBGL_MAX_TEXTURE_SIZE"),
      memoryBytes: 1 * GiB,
    };
  }
  // wasm32 heaps stop at 4 GiB and tfjs keeps tensors in it; plain JS arrays fare no better.
  return { maxTensorBytes: GiB, maxTextureSize: Infinity, memoryBytes: 1.5 * GiB };
}

function noteOf(name: BackendName): string {
  if (name === "webgpu") {
    const info = (tf.backend() as unknown as {
      adapterInfo?: { description?: string; vendor?: string; architecture?: string };
    }).adapterInfo;
    const desc = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ");
    const software = /swiftshader|llvmpipe|software/i.test(desc);
    return software
      ? `WebGPU on a software adapter (${desc}): works, but slow; keep sizes small`
      : "WebGPU: GPU compute shaders, the fastest option";
  }
  if (name === "webgl") {
    return "WebGL: GPU through graphics shaders; fast, a little slower than WebGPU";
  }
  if (name === "wasm") {
    const threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") ? "threads, " : "";
    return `WebAssembly on the CPU (${threads}SIMD): about 10-50x slower than a GPU; use small sizes`;
  }
  return "Plain JavaScript on the CPU: very slow; use 128 px or less";
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
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

async function init(forced?: BackendName): Promise<void> {
  const order = forced ? [forced, ...BACKENDS.filter((b) => b !== forced)] : [...BACKENDS];
  const failed: BackendInfo["failed"] = [];
  for (const name of order) {
    const reason = await tryBackend(name);
    if (reason === undefined) {
      backend = { name, note: noteOf(name), failed, limits: limitsOf(name) };
      post({ type: "backend", info: backend });
      return;
    }
    failed.push({ name, reason });
  }
  post({ type: "error", phase: "init", message: "No tfjs backend could start in this browser" });
}

/** Loads a network (its classifier head too when `head`), reusing the loaded one if it fits. */
function load(modelId: string, head = false): Promise<Net> {
  if (net?.id === modelId && (!head || net.hasHead)) return Promise.resolve(net);
  const url = new URL(`/models/${encodeURIComponent(modelId)}/manifest.json`, location.href);
  const p = loadNet(url, {
    groups: head ? ["body", "head"] : ["body"],
    fetch: cachedFetch,
    onProgress: (loaded, total) => post({ type: "loadProgress", modelId, loaded, total }),
  }).then((n) => {
    net?.dispose();
    net = n;
    post({
      type: "loaded",
      modelId,
      architecture: n.manifest.architecture,
      layers: n.manifest.layers,
      sha256: n.manifestSha256,
    });
    return n;
  }, async (e) => {
    if (e instanceof ModelLoadError && e.file.endsWith(".bin")) await evict(e.file);
    throw e;
  }).finally(() => {
    if (loading === p) loading = undefined;
  });
  loading = p;
  return p;
}

/** [1, h, w, 3] in [0, 1] from RGBA bytes. Caller disposes. */
function fromRaw(img: RawImage): tf.Tensor4D {
  const rgb = new Float32Array(img.width * img.height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = img.rgba[i] / 255;
    rgb[j + 1] = img.rgba[i + 1] / 255;
    rgb[j + 2] = img.rgba[i + 2] / 255;
  }
  return tf.tensor4d(rgb, [1, img.height, img.width, 3]);
}

/** Resized to long side `size`, enlarged if needed so the short side keeps MIN_SIZE. */
function sized(img: RawImage, size: number): tf.Tensor4D {
  const ratio = Math.max(img.width, img.height) / Math.min(img.width, img.height);
  size = Math.max(size, Math.ceil(MIN_SIZE * ratio));
  const t = fromRaw(img);
  const out = resizeToLongSide(t, size);
  t.dispose();
  return out;
}

async function run(msg: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const recipe = RecipeSchema.parse(msg.recipe);
  const n = await load(recipe.net.id);
  const aspect = msg.content.width / msg.content.height;
  const dims = aspect >= 1
    ? { width: recipe.size, height: Math.round(recipe.size / aspect) }
    : { width: Math.round(recipe.size * aspect), height: recipe.size };
  const used = [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer);
  const why = misfit(estimateRun(n.layers, dims, { used }), recipe.size, backend!.limits);
  if (why) {
    const maxSize = largestFit(n.layers, aspect, recipe.size, backend!.limits, { used });
    post({ type: "tooLarge", size: recipe.size, maxSize, reason: why });
    return;
  }
  const raw = fromRaw(msg.content);
  const content = resizeToLongSide(raw, recipe.size);
  raw.dispose();
  // Styles only feed Gram matrices, so their size need not match the content's.
  const styles = msg.styles.map((s) => sized(s, recipe.size));
  controller = new AbortController();
  try {
    const gen = stylize(n, { content, styles }, recipe, {
      signal: controller.signal,
      previewEvery: msg.previewEvery,
    });
    for (;;) {
      if (paused) await paused;
      const r = await gen.next();
      if (r.done) {
        const image = await toRgba(r.value.image);
        r.value.image.dispose();
        const { iterations, loss, aborted, elapsedMs } = r.value;
        post({ type: "done", result: { image, iterations, loss, aborted, elapsedMs } }, [
          image.rgba.buffer,
        ]);
        return;
      }
      const preview = r.value.preview;
      post({ type: "progress", event: r.value }, preview ? [preview.rgba.buffer] : []);
    }
  } finally {
    tf.dispose([content, ...styles]);
    controller = undefined;
    resume?.();
  }
}

/** Feature visualisation: the same pause/stop handling as run(). */
async function visualizeRun(msg: Extract<ToWorker, { type: "visualize" }>): Promise<void> {
  const q = msg.request;
  // Only the class logits need the classifier head; channels of feature layers do not.
  const n = await load(q.modelId, q.target.layer === "logits");
  controller = new AbortController();
  const started = performance.now();
  try {
    const gen = visualize(n, q.target, {
      size: q.size,
      iterations: q.iterations,
      param: q.param,
      transforms: q.transforms,
      seed: q.seed,
      learningRate: q.learningRate,
      signal: controller.signal,
      previewEvery: q.previewEvery,
    });
    for (;;) {
      if (paused) await paused;
      const r = await gen.next();
      if (r.done) {
        const image = await toRgba(r.value.image);
        r.value.image.dispose();
        const { activation, iterations, aborted } = r.value;
        post({
          type: "visDone",
          result: {
            image,
            activation,
            iterations,
            aborted,
            elapsedMs: performance.now() - started,
          },
        }, [image.rgba.buffer]);
        return;
      }
      const preview = r.value.preview;
      post({ type: "visProgress", event: r.value }, preview ? [preview.rgba.buffer] : []);
    }
  } finally {
    controller = undefined;
    resume?.();
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

scope.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case "init":
      await init(msg.backend);
      return;
    case "load":
      try {
        await load(msg.modelId);
      } catch (e) {
        post({ type: "error", phase: "load", message: errorMessage(e) });
      }
      return;
    case "run":
      try {
        await run(msg);
      } catch (e) {
        const lost = deviceLost ||
          /device (was |is )?lost|DXGI_ERROR|context lost/i.test(errorMessage(e));
        post({
          type: "error",
          phase: "run",
          deviceLost: lost,
          message: lost
            ? `The GPU device was lost during the run (${
              errorMessage(e)
            }); the last preview is kept`
            : errorMessage(e),
        });
      }
      return;
    case "visualize":
      try {
        await visualizeRun(msg);
      } catch (e) {
        post({
          type: "error",
          phase: "visualize",
          deviceLost: deviceLost || undefined,
          message: errorMessage(e),
        });
      }
      return;
    case "pause":
      if (!paused) paused = new Promise((r) => (resume = r));
      return;
    case "resume":
    case "stop":
      if (msg.type === "stop") controller?.abort();
      resume?.();
      paused = undefined;
      resume = undefined;
      return;
  }
};
