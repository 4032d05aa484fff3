/**
 * The engine worker: the studio's messages in, the engine's events out. It probes a backend
 * (backend_probe.ts), keeps one network (model_cache.ts, which serialises loads and runs) and
 * runs stylize() or visualize() through the shared run driver off the main thread, so the page
 * stays responsive. Pause holds the driver; stop aborts the run, which returns the best image.
 */
/// <reference lib="webworker" />
import { setWasmPaths, tf } from "./tf_setup.ts";
import { loadNet, ModelLoadError, type Net } from "../shared/nets/mod.ts";
import { visualize } from "../shared/featurevis.ts";
import { inputImage, toRgba } from "../shared/image.ts";
import { parseRecipe } from "../shared/recipe.ts";
import { runSides } from "../shared/recipe_defaults.ts";
import { runDims } from "../shared/pyramid.ts";
import { stylize } from "../shared/render.ts";
import { runToEnd } from "../shared/run.ts";
import { probeBackends } from "./backend_probe.ts";
import { cachedFetch, evict } from "./cache_fetch.ts";
import {
  estimateFor,
  estimateRun,
  largestTiledFit,
  memoryBudgetFor,
  misfit,
  tiledFit,
} from "./limits.ts";
import type { MemoryBudget } from "../shared/tiled_run.ts";
import { ModelCache } from "./model_cache.ts";
import { useSameOriginPthreads, wasmThreads } from "./wasm_threads.ts";
import type { BackendInfo, BackendName, FromWorker, ToWorker } from "./protocol.ts";

/** Hashed wasm file URLs, injected by scripts/build_client.ts. */
declare const __WASM_FILES__: Record<string, string>;
/** The same-origin pthread worker script, injected by scripts/build_client.ts. */
declare const __WASM_PTHREAD_WORKER__: string;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

setWasmPaths(__WASM_FILES__);
tf.env().set("PROD", true);
// Threads from a same-origin pthread script, so the CSP stays strict (wasm_threads.ts).
useSameOriginPthreads(__WASM_PTHREAD_WORKER__);

/** Tile messages at most every 100 ms: a small tile takes a few ms on a GPU. */
const TILE_MESSAGE_MS = 100;

let backend: BackendInfo | undefined;
let deviceLost = false;
let controller: AbortController | undefined;
let resume: (() => void) | undefined;
let paused: Promise<void> | undefined;

const models = new ModelCache<Net>(async (modelId, head) => {
  const url = new URL(`/models/${encodeURIComponent(modelId)}/manifest.json`, location.href);
  try {
    const n = await loadNet(url, {
      groups: head ? ["body", "head"] : ["body"],
      fetch: cachedFetch,
      onProgress: (loaded, total) => post({ type: "loadProgress", modelId, loaded, total }),
    });
    post({
      type: "loaded",
      modelId,
      architecture: n.manifest.architecture,
      layers: n.manifest.layers,
      sha256: n.manifestSha256,
    });
    return n;
  } catch (e) {
    if (e instanceof ModelLoadError && e.file.endsWith(".bin")) await evict(e.file);
    throw e;
  }
});

async function init(forced?: BackendName): Promise<void> {
  backend = await probeBackends(forced);
  if (!backend) {
    post({ type: "error", phase: "init", message: "No tfjs backend could start in this browser" });
    return;
  }
  if (backend.name === "webgpu") {
    (tf.backend() as unknown as { device: GPUDevice }).device.lost.then((info) => {
      deviceLost = true;
      post({
        type: "error",
        phase: "run",
        deviceLost: true,
        message: `The GPU device was lost (${info.message || info.reason}): reload to start again`,
      });
    });
  }
  post({ type: "backend", info: backend });
}

/** Runs a generator through the shared driver with this worker's pause and stop. */
function drive<E, R>(gen: AsyncGenerator<E, R, void>, onEvent: (e: E) => void) {
  return runToEnd(gen, { onEvent, gate: () => paused });
}

async function run(msg: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const recipe = parseRecipe(msg.recipe);
  await models.use(recipe.net.id, false, async (n) => {
    const aspect = msg.content.width / msg.content.height;
    // The sides the run works at: the output's times the recipe's supersampling.
    const sides = runSides(recipe);
    const dims = runDims(msg.content.height, msg.content.width, recipe);
    const estimate = estimateFor(recipe);
    const why = misfit(estimateRun(n.layers, dims, estimate), sides.content, backend!.limits);
    // Issue 14: a run that does not fit one pass gets a memory budget; stylize() then plans
    // each scale with planRunTiles() (the CLI's planner too) and tiles the scales that do not
    // fit one pass. The refusal stays for what does not fit even tiled, or cannot be tiled.
    const budget = memoryBudgetFor(n.manifest, {
      limits: backend!.limits,
      backend: backend!.name,
      used: estimate.used,
    });
    // A forced tile (the page's ?tile=N, for browser tests) tiles every scale larger than it.
    let memory: MemoryBudget | undefined = msg.tile ? { ...budget, tile: msg.tile } : undefined;
    if (why && !memory) {
      const fit = tiledFit(n.manifest, recipe, dims, { memory: budget });
      if (fit !== true) {
        // The largest run side that fits, as an output size of this recipe's supersampling.
        const factor = recipe.supersample ?? 1;
        const maxSize = Math.floor(
          largestTiledFit(n.manifest, recipe, aspect, sides.content, { memory: budget }) / factor,
        );
        post({ type: "tooLarge", size: recipe.size, maxSize, reason: `${why}; ${fit}` });
        return;
      }
      memory = budget;
    }
    // The same resize as the command line (src/shared/image.ts): one recipe, the same pixels.
    const content = inputImage(msg.content, recipe.size, recipe.supersample);
    // The paintings at styleScale x the run's size: stylize() resizes them per scale.
    const styles = msg.styles.map((s) => inputImage(s, sides.style));
    controller = new AbortController();
    let lastTile = -Infinity;
    try {
      const gen = stylize(n, { content, styles }, recipe, {
        signal: controller.signal,
        previewEvery: msg.previewEvery,
        memory,
        threads: wasmThreads(),
        onTile: (progress) => {
          // At most ~10 messages a second, plus each pass's last tile so the line ends right.
          const now = performance.now();
          if (now - lastTile < TILE_MESSAGE_MS && progress.index < progress.count - 1) return;
          lastTile = now;
          post({ type: "tile", progress });
        },
      });
      const { result } = await drive(gen, (event) => {
        post({ type: "progress", event }, event.preview ? [event.preview.rgba.buffer] : []);
      });
      const image = await toRgba(result.image).finally(() => result.image.dispose());
      const { iterations, loss, evaluations, aborted, elapsedMs, scales } = result;
      post({
        type: "done",
        result: { image, iterations, loss, evaluations, aborted, elapsedMs, scales },
      }, [image.rgba.buffer]);
    } finally {
      tf.dispose([content, ...styles]);
      controller = undefined;
      resume?.();
    }
  });
}

/** Feature visualisation: the same driver, pause and stop as run(). */
async function visualizeRun(msg: Extract<ToWorker, { type: "visualize" }>): Promise<void> {
  const q = msg.request;
  // Only the class logits need the classifier head; channels of feature layers do not.
  await models.use(q.modelId, q.target.layer === "logits", async (n) => {
    controller = new AbortController();
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
      const { result, summary } = await drive(gen, (event) => {
        post({ type: "visProgress", event }, event.preview ? [event.preview.rgba.buffer] : []);
      });
      const image = await toRgba(result.image).finally(() => result.image.dispose());
      const { activation, iterations, aborted } = result;
      post({
        type: "visDone",
        result: { image, activation, iterations, aborted, elapsedMs: summary.elapsedMs },
      }, [image.rgba.buffer]);
    } finally {
      controller = undefined;
      resume?.();
    }
  });
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
        await models.load(msg.modelId);
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
