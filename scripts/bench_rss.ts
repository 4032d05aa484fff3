/**
 * Where the CLI's resident memory goes (issue 13: peak RSS under 2 GB for ResNet-50 at 512 px).
 * Runs what `deno task stylize` runs (the same image reading, net loading and stylize() with the
 * CLI's default memory budget) and prints, at each stage: the process's RSS and its kernel-kept
 * high-water mark (VmHWM, which sees peaks inside a synchronous kernel that no sample can), V8's
 * heap and external bytes, tfjs's live tensor bytes with their high-water mark (tracked on every
 * buffer the backend allocates or frees), and on WASM the linear memory's size: it grows to the
 * live tensors' peak plus what tfjs-wasm's C++ side holds (XNNPACK's packed copy of every conv
 * kernel it has run) and is never returned to the system. Figures in MiB (2^20 bytes).
 *
 * Usage: deno run -A scripts/bench_rss.ts [--net resnet50] [--content chelsea.png] [--size 512]
 *        [--iterations 3] [--backend wasm] [--memory-mb 2048] [--no-pyramid] [--json out.json]
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { DEFAULT_MEMORY_MB } from "./lib/stylize_flags.ts";
import { residentBytes } from "./lib/peak_rss.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";
import { defaultRecipe } from "../src/shared/recipe.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      net: { type: "string", default: "resnet50" },
      content: { type: "string", default: "chelsea.png" },
      size: { type: "string", default: "512" },
      iterations: { type: "string", default: "3" },
      backend: { type: "string", default: "wasm" },
      "memory-mb": { type: "string", default: String(DEFAULT_MEMORY_MB) },
      "no-pyramid": { type: "boolean", default: false },
      json: { type: "string" },
    },
  }));

const MiB = 2 ** 20;
// tfjs's live bytes change only when the backend allocates or frees: count them there (the
// engine's own count is updated after the backend call, so it would lag by one tensor).
let tfLive = 0;
let tfPeak = 0;
function trackTfPeak() {
  type Data = { shape: number[]; dtype: string };
  const backend = tf.backend() as unknown as {
    move(id: object, v: unknown, shape: number[], dtype: string, refCount: number): void;
    disposeData(id: object, force?: boolean): boolean;
    dataIdMap: { get(id: object): Data | undefined; has(id: object): boolean };
  };
  const bytes = (shape: number[], dtype: string) =>
    dtype === "string" ? 0 : shape.reduce((n, d) => n * d, 1) * (dtype === "bool" ? 1 : 4);
  const move = backend.move.bind(backend);
  backend.move = (id, v, shape, dtype, refCount) => {
    move(id, v, shape, dtype, refCount);
    tfLive += bytes(shape, dtype);
    tfPeak = Math.max(tfPeak, tfLive);
  };
  const disposeData = backend.disposeData.bind(backend);
  backend.disposeData = (id, force) => {
    const d = backend.dataIdMap.get(id);
    const freed = disposeData(id, force);
    if (freed && d) tfLive -= bytes(d.shape, d.dtype);
    return freed;
  };
}
const wasmHeap = () =>
  (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength ??
    0;

interface Row {
  stage: string;
  rssMiB: number;
  hwmMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  tfMiB: number;
  tfPeakMiB: number;
  wasmMiB: number;
  tensors: number;
}
const rows: Row[] = [];
let started = false;
function mark(stage: string) {
  const { rss, peak: hwm } = residentBytes();
  const m = Deno.memoryUsage();
  // Before a backend is chosen tf.memory() would start the highest-priority one.
  const t = started ? tf.memory() : { numBytes: 0, numTensors: 0 };
  const r: Row = {
    stage,
    rssMiB: rss / MiB,
    hwmMiB: hwm / MiB,
    heapTotalMiB: m.heapTotal / MiB,
    externalMiB: m.external / MiB,
    tfMiB: t.numBytes / MiB,
    tfPeakMiB: tfPeak / MiB,
    wasmMiB: started ? wasmHeap() / MiB : 0,
    tensors: t.numTensors,
  };
  rows.push(r);
  const f = (x: number) => x.toFixed(0).padStart(6);
  console.log(
    `${stage.padEnd(28)} rss ${f(r.rssMiB)} hwm ${f(r.hwmMiB)} heap ${f(r.heapTotalMiB)} ext ${
      f(r.externalMiB)
    } tf ${f(r.tfMiB)} tfPeak ${f(r.tfPeakMiB)} wasm ${f(r.wasmMiB)} MiB, ${r.tensors} tensors`,
  );
}

mark("start");
await useBackend(a.backend!);
started = true;
trackTfPeak();
mark("backend ready");
const shared = (p: string) => join(ROOT, "../shared/images", p);
const size = Number(a.size);
const content = await readImage(shared(`content/${a.content}`), size);
const style = await readImage(shared("style/starry_night.jpg"), size);
mark("images read");
const net = await loadNet(pathToFileURL(join(ROOT, "static/models", a.net!, "manifest.json")));
mark("net loaded");
const recipe = defaultRecipe(net, {
  size,
  iterations: Number(a.iterations),
  styles: [{ name: "starry_night.jpg", weight: 1 }],
  seed: 1,
  // The stated size, also where the architecture would supersample.
  supersample: 1,
  ...(a["no-pyramid"] ? { pyramid: null } : {}),
});
let evaluations = 0;
const { result } = await runToEnd(
  stylize(net, { content, styles: [style] }, recipe, {
    previewEvery: 0,
    memory: { bytes: Number(a["memory-mb"]) * MiB, backend: a.backend },
    onTile: (t) => mark(`tile ${t.index + 1}/${t.count} pass ${t.pass}`),
  }),
  {
    onEvent: (e) => {
      if (evaluations === 0) mark(`first event (${e.evaluations} evals)`);
      evaluations = e.evaluations;
      mark(`iteration ${e.iteration}${e.scale ? ` (${e.scale.size} px)` : ""}`);
    },
  },
);
result.image.dispose();
mark("run done");
net.dispose();
tf.dispose([content, style]);
mark("all disposed");
if (a.json) await Deno.writeTextFile(a.json, JSON.stringify({ args: a, rows }, null, 2) + "\n");
