/**
 * `deno task bench`: style-transfer speed and memory per network, image size and backend.
 * For each case it runs stylize() for a few warm-up and measured L-BFGS iterations and
 * records the median ms per iteration, forward+backward FLOPs per evaluation (from the layer
 * shapes), achieved GFLOP/s, tensors and bytes after the first and the last iteration (flat
 * memory means no growth), and peak tfjs bytes and process RSS (the kernel's high-water mark,
 * VmHWM, so for the whole process so far: run a large case in its own process). Writes
 * bench/engine.json and bench/engine.md.
 *
 * Usage: deno task bench [--nets a,b] [--sizes 128,256] [--backends cpu,wasm,webgpu]
 *                        [--iters N] [--budget-s S]
 *        deno task bench --profile [--nets a,b] [--sizes 256] [--backends wasm,webgpu]
 *        deno task bench --vs-torch [--sizes 256]
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { residentBytes } from "./lib/peak_rss.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import { forwardFlops } from "../src/shared/nets/flops.ts";
import { defaultRecipe } from "../src/shared/recipe.ts";
import { stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      nets: { type: "string", default: "darknet-tiny,mobilenet-v1,resnet50" },
      sizes: { type: "string", default: "128,256,512" },
      backends: { type: "string", default: "cpu,wasm,webgpu" },
      iters: { type: "string", default: "6" },
      warmup: { type: "string", default: "2" },
      "budget-s": { type: "string", default: "240" },
      out: { type: "string", default: join(ROOT, "bench") },
      profile: { type: "boolean", default: false },
      "vs-torch": { type: "boolean", default: false },
    },
  }));
if (a.profile || a["vs-torch"]) {
  await import("./bench_profile.ts").then((m) => m.runFromBench(ROOT, a));
}

interface Case {
  net: string;
  size: number;
  backend: string;
  status: "ok" | "skipped" | "error";
  note?: string;
  msPerIter?: number;
  evalsPerIter?: number;
  flopsPerEval?: number;
  gflops?: number;
  tensorsAfterFirst?: number;
  tensorsAfterLast?: number;
  bytesAfterFirst?: number;
  bytesAfterLast?: number;
  peakTfBytes?: number;
  peakRssBytes?: number;
  projected100IterS?: number;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const results: Case[] = [];
const iters = Number(a.iters) + Number(a.warmup);
const budget = Number(a["budget-s"]);
const content = sharedImage("content/chelsea.png");
const style = sharedImage("style/starry_night.jpg");

function sharedImage(name: string) {
  return resolve(ROOT, "..", "shared", "images", name);
}

for (const backend of a.backends!.split(",")) {
  try {
    await useBackend(backend);
  } catch (e) {
    for (const net of a.nets!.split(",")) {
      for (const size of a.sizes!.split(",").map(Number)) {
        results.push({ net, size, backend, status: "skipped", note: (e as Error).message });
      }
    }
    continue;
  }
  for (const netId of a.nets!.split(",")) {
    const url = pathToFileURL(join(ROOT, "static/models", netId, "manifest.json"));
    const net = await loadNet(url);
    // Projected time from the previous (smaller) size decides whether a size still fits.
    let lastMs = 0;
    let lastSize = 0;
    for (const size of a.sizes!.split(",").map(Number)) {
      const c: Case = { net: netId, size, backend, status: "ok" };
      results.push(c);
      const projected = lastMs * (size / lastSize) ** 2 * iters / 1000;
      if (lastMs && projected > budget) {
        c.status = "skipped";
        c.note = `projected ${projected.toFixed(0)} s > budget ${budget} s`;
        continue;
      }
      const images = [await readImage(content, size), await readImage(style, size)];
      try {
        // The engine's unit at this size: one scale, one view, no supersampling, whatever the
        // network's defaults (a pyramid's coarse scales, a view count or a larger working size
        // would make ms per iteration and GFLOP/s a mix that flopsPerEval does not count).
        const recipe = defaultRecipe(net, {
          size,
          iterations: iters,
          styles: [{ name: "starry_night.jpg", weight: 1 }],
          pyramid: null,
          transforms: null,
          supersample: 1,
        });
        const layers = [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer);
        const [, h, w] = images[0].shape;
        // Backward to the input costs about one forward (no weight gradients are taken).
        c.flopsPerEval = 2 * forwardFlops(net.manifest, h, w, layers);
        const times: number[] = [];
        let evalsAtWarm = 0;
        let evals = 0;
        let peak = 0;
        let rss = 0;
        let t = performance.now();
        const before = tf.memory().numTensors;
        const { result } = await runToEnd(
          stylize(net, { content: images[0], styles: [images[1]] }, recipe, { previewEvery: 0 }),
          {
            onEvent: (e) => {
              const now = performance.now();
              if (e.iteration > Number(a.warmup)) times.push(now - t);
              else evalsAtWarm = e.evaluations;
              evals = e.evaluations;
              t = now;
              const m = tf.memory();
              peak = Math.max(peak, m.numBytes);
              // The kernel's high-water mark: a sample here would miss the peak inside the pass.
              rss = Math.max(rss, residentBytes().peak);
              if (e.iteration === 1) {
                c.tensorsAfterFirst = m.numTensors - before;
                c.bytesAfterFirst = m.numBytes;
              }
              c.tensorsAfterLast = m.numTensors - before;
              c.bytesAfterLast = m.numBytes;
            },
          },
        );
        result.image.dispose();
        c.msPerIter = median(times);
        c.evalsPerIter = (evals - evalsAtWarm) / times.length;
        c.gflops = (c.flopsPerEval * c.evalsPerIter) / (c.msPerIter / 1000) / 1e9;
        c.peakTfBytes = peak;
        c.peakRssBytes = rss;
        c.projected100IterS = (c.msPerIter * 100) / 1000;
        lastMs = c.msPerIter;
        lastSize = size;
        console.log(
          `${backend.padEnd(6)} ${netId.padEnd(13)} ${String(size).padStart(4)} px: ${
            c.msPerIter.toFixed(0)
          } ms/iter, ${
            c.gflops.toFixed(2)
          } GFLOP/s, tensors ${c.tensorsAfterFirst} -> ${c.tensorsAfterLast}`,
        );
      } catch (e) {
        c.status = "error";
        c.note = (e as Error).message.split("\n")[0];
        console.log(`${backend} ${netId} ${size}: ${c.note}`);
      } finally {
        tf.dispose(images);
      }
    }
    net.dispose();
  }
}

// Memory over a longer run: the L-BFGS history (m = 10 pairs) fills in the first iterations,
// after which tensor count and bytes must stay flat.
const memory: { iteration: number; tensors: number; bytes: number }[] = [];
try {
  await useBackend("wasm");
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models/darknet-tiny/manifest.json")));
  const images = [await readImage(content, 128), await readImage(style, 128)];
  const { result } = await runToEnd(
    stylize(
      net,
      { content: images[0], styles: [images[1]] },
      defaultRecipe(net, { size: 128, iterations: 40 }),
      { previewEvery: 0 },
    ),
    {
      onEvent: (e) => {
        const m = tf.memory();
        memory.push({ iteration: e.iteration, tensors: m.numTensors, bytes: m.numBytes });
      },
    },
  );
  result.image.dispose();
  tf.dispose(images);
  net.dispose();
} catch (e) {
  console.log(`memory run failed: ${(e as Error).message}`);
}
const late = memory.slice(20);
const flat = late.length > 0 &&
  late.every((m) => m.tensors === late[0].tensors && m.bytes === late[0].bytes);
console.log(
  `memory (darknet-tiny 128 px, 40 iterations, wasm): tensors ${memory[0]?.tensors} at 1, ${
    late[0]?.tensors
  } at 21, ${memory.at(-1)?.tensors} at 40: ${flat ? "flat" : "NOT flat"} after the history filled`,
);

await Deno.mkdir(a.out!, { recursive: true });
const meta = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  tfjs: tf.version.tfjs,
  cpus: navigator.hardwareConcurrency,
  note:
    "median ms per L-BFGS iteration after warm-up, one scale, one view, no supersampling; FLOPs = 2 x forward FLOPs per evaluation",
};
await Deno.writeTextFile(
  join(a.out!, "engine.json"),
  JSON.stringify(
    { meta, results, memory: { flatAfterIteration20: flat, series: memory } },
    null,
    2,
  ),
);
const fmt = (x: number | undefined, d = 0) =>
  x === undefined || !Number.isFinite(x) ? "" : x.toFixed(d);
const md = [
  `Engine benchmark, ${
    meta.date.slice(0, 10)
  }, ${meta.cpus} CPUs, Deno ${meta.deno}, tfjs ${meta.tfjs}.`,
  "",
  "| backend | net | px | ms/iter | evals/iter | GFLOP/eval | GFLOP/s | tensors 1st -> last | tf MB peak | RSS MB peak | 100 iters | note |",
  "| --- | --- | --: | --: | --: | --: | --: | --- | --: | --: | --: | --- |",
  ...results.map((c) =>
    `| ${c.backend} | ${c.net} | ${c.size} | ${fmt(c.msPerIter)} | ${fmt(c.evalsPerIter, 2)} | ${
      fmt((c.flopsPerEval ?? NaN) / 1e9, 2)
    } | ${fmt(c.gflops, 2)} | ${c.tensorsAfterFirst ?? ""} -> ${c.tensorsAfterLast ?? ""} | ${
      fmt((c.peakTfBytes ?? NaN) / 1e6)
    } | ${fmt((c.peakRssBytes ?? NaN) / 1e6)} | ${
      c.projected100IterS === undefined ? "" : c.projected100IterS.toFixed(0) + " s"
    } | ${c.status === "ok" ? "" : c.status + ": " + (c.note ?? "")} |`
  ),
  "",
  "Each case runs the network's default recipe at one scale, one view and no supersampling",
  "(`pyramid: null`, `transforms: null`, `supersample: 1`), so that ms per iteration and GFLOP/s are",
  "those of the stated size.",
  "",
  `Tensors count the L-BFGS history (+2 per iteration until its m = 10 pairs are held); on WASM the`,
  `first size of each network also counts its flipped conv kernels, made once on the first backward`,
  `pass (conv2dForwardGrad) and kept until the network is disposed. Memory over 40`,
  `iterations (darknet-tiny, 128 px, wasm): ${memory[0]?.tensors} tensors after iteration 1, ${
    late[0]?.tensors
  } after 21, ${memory.at(-1)?.tensors} after 40, bytes ${
    flat ? "constant" : "NOT constant"
  } from 21 on.`,
].join("\n");
await Deno.writeTextFile(join(a.out!, "engine.md"), md + "\n");
console.log(`wrote ${join(a.out!, "engine.json")} and engine.md`);
