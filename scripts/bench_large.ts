/**
 * `deno task bench:large`: tiled evaluation of the exact objective at large sizes (issue 14).
 * For each network and size it builds the tile grid with the exact halo of the default layers,
 * computes the content targets tile by tile as a tiled run does (tileTargets(): held per tile
 * outside tfjs), and records one tiled evaluation (value + image gradient): wall time and
 * tf.profile's peak tfjs bytes, counted from before the targets were made, so that targets kept
 * in tfjs would count. At one size where both fit it also
 * times the untiled evaluation (tf.valueAndGrad of buildStyleObjective) for the overhead ratio.
 * Writes bench/large.json and bench/large.md.
 *
 * With --halos exact,96,64 it measures instead how far a narrower, approximate halo takes the
 * objective from the exact one, and what it saves in time (ResNet-50 by default, at each of
 * --halo-size 768[,1024] px in each of --halo-tile 512[,384] px tiles, a noisy content image):
 * relative loss error, relative L2 gradient error and the time against the untiled evaluation
 * (the least of --repeat N runs each), written to bench/large_halo.json and bench/large_halo.md.
 *
 * With --costs it measures instead the per-pixel costs the memory planner uses
 * (MEASURED_COSTS in src/shared/tiling/plan.ts): tf.profile's peak bytes above the loaded net of
 * one tf.grad(Σ features²) over the default layers at two square sizes (--cost-sizes 128,256),
 * the input included, in a fresh net (no warm-up: the flipped kernels the first backward pass
 * makes and keeps belong to the fixed cost), fitted as fixed + perPixel·pixels. Writes
 * bench/large_costs.json and bench/large_costs.md.
 *
 * --tile takes a list (e.g. 384,128): every size is measured in each tile size, so the sizes
 * can be compared at equal crops.
 *
 * Usage: deno task bench:large [--nets darknet-tiny,resnet50] [--sizes 512,1024,2048]
 *        [--resnet-sizes 512] [--resnet-compare 512] [--tile 384[,128]] [--compare 1024]
 *        [--compare-tile 512] [--backend wasm] [--costs [--cost-sizes 128,256]] [--render]
 *        [--halos exact,96,64 [--halo-net resnet50] [--halo-size 768,1024] [--halo-tile 512,384]
 *        [--repeat 2]]
 *
 * --render only rewrites bench/large.md from bench/large.json.
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { readImage } from "./lib/image_io.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { buildStyleObjective, styleTargets } from "../src/shared/losses/mod.ts";
import { ARCH_DEFAULTS } from "../src/shared/presets.ts";
import {
  haloFor,
  receptiveFields,
  tiledFeatures,
  tiledValueAndGrad,
  tileGrid,
  tileTargets,
} from "../src/shared/tiling/mod.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      nets: { type: "string", default: "darknet-tiny,resnet50" },
      sizes: { type: "string", default: "512,1024,2048" },
      "resnet-sizes": { type: "string", default: "512" },
      "resnet-compare": { type: "string", default: "512" },
      tile: { type: "string", default: "384" },
      compare: { type: "string", default: "1024" },
      "compare-tile": { type: "string", default: "512" },
      backend: { type: "string", default: "wasm" },
      out: { type: "string", default: join(ROOT, "bench") },
      halos: { type: "string", default: "" },
      "halo-net": { type: "string", default: "resnet50" },
      "halo-size": { type: "string", default: "768" },
      "halo-tile": { type: "string", default: "512,384" },
      repeat: { type: "string", default: "1" },
      costs: { type: "boolean", default: false },
      render: { type: "boolean", default: false },
      "cost-sizes": { type: "string", default: "128,256" },
    },
  }));

interface Row {
  net: string;
  size: number;
  mode: "tiled" | "untiled";
  tile: number;
  tiles: number;
  largestCrop: number;
  ms: number;
  /** Image height and width (px). */
  height?: number;
  width?: number;
  peakTfBytes: number;
  /**
   * The peak beyond the image and gradient buffers. The image is in the baseline; a tiled
   * evaluation adds its gradient up in a Float32Array outside tfjs and makes the tensor only
   * after the last tile, so a tiled peak is already beyond both; an untiled one
   * (tf.valueAndGrad) holds the gradient tensor at its peak: minus 12 B/px. (Rows without
   * height/width are from an earlier run, which subtracted 2·12 B/px from every peak.)
   */
  peakBeyondImageBytes: number;
  loss: number;
  /** Untiled rows: the tile size of the tiled row they are compared with. */
  comparedWithTile?: number;
}

const shared = (name: string) => resolve(ROOT, "..", "shared", "images", name);
const rows: Row[] = [];
await useBackend(a.backend!);

async function evaluate(
  net: Net,
  size: number,
  tile: number | "untiled",
): Promise<Row> {
  const d = ARCH_DEFAULTS[net.manifest.architecture];
  const layers = [...new Set([...d.layers.content, ...d.layers.style].map((l) => l.layer))];
  const fields = receptiveFields(net.manifest, layers);
  const content = await readImage(shared("content/chelsea.png"), size);
  const style = await readImage(shared("style/starry_night.jpg"), 256);
  const [, h, w] = content.shape;
  const sf = net.forward(style, d.layers.style.map((l) => l.layer));
  const styleGrams = styleTargets([sf]);
  tf.dispose([style, Object.values(sf)]);
  const grid = tileGrid(h, w, {
    tile: tile === "untiled" ? Math.max(h, w) : tile,
    halo: haloFor(fields),
  });
  const contentLayers = d.layers.content.map((l) => l.layer);
  // The baseline: the net, the image and the style Grams; not the content targets, which an
  // untiled run keeps at full size in tfjs and a tiled run keeps outside it.
  const start = tf.memory().numBytes;
  const pass = { grid, layers: contentLayers, jumps: fields };
  const contentTargets = tile === "untiled"
    ? tiledFeatures(net, content, pass)
    : await tileTargets(net, content, pass);
  const options = {
    contentTargets,
    styleGrams,
    contentLayers: d.layers.content,
    styleLayers: d.layers.style,
    weights: d.weights,
    grid,
  };
  let loss = NaN;
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    if (!Array.isArray(contentTargets)) {
      const objective = buildStyleObjective({ ...options, contentTargets });
      const { value, grad } = tf.tidy(() =>
        tf.valueAndGrad((x) =>
          objective(net.forward(x as tf.Tensor4D, layers), x as tf.Tensor4D).total
        )(content)
      );
      loss = (await value.data())[0];
      await grad.data();
      tf.dispose([value, grad]);
    } else {
      const r = await tiledValueAndGrad(net, content, options);
      loss = r.total;
      r.grad.dispose();
    }
    return [];
  });
  const ms = performance.now() - t0;
  tf.dispose([content, Object.values(styleGrams)]);
  if (!Array.isArray(contentTargets)) tf.dispose(Object.values(contentTargets));
  const crops = grid.tiles.map((t) =>
    Math.max(t.crop[0].end - t.crop[0].start, t.crop[1].end - t.crop[1].start)
  );
  const peak = info.peakBytes - start;
  const row: Row = {
    net: net.id,
    size,
    mode: tile === "untiled" ? "untiled" : "tiled",
    tile: grid.tile[0],
    tiles: grid.tiles.length,
    largestCrop: Math.max(...crops),
    ms: Math.round(ms),
    height: h,
    width: w,
    peakTfBytes: peak,
    peakBeyondImageBytes: tile === "untiled" ? peak - 12 * h * w : peak,
    loss,
  };
  console.log(JSON.stringify(row));
  return row;
}

/** Wall time of one untiled evaluation (tf.valueAndGrad of buildStyleObjective), value, gradient. */
async function untiledEvaluation(
  net: Net,
  image: tf.Tensor4D,
  options: Parameters<typeof buildStyleObjective>[0],
  layers: string[],
) {
  const objective = buildStyleObjective(options);
  const t0 = performance.now();
  const { value, grad } = tf.tidy(() =>
    tf.valueAndGrad((x) =>
      objective(net.forward(x as tf.Tensor4D, layers), x as tf.Tensor4D).total
    )(image)
  );
  const loss = (await value.data())[0];
  const g = await grad.data();
  const ms = performance.now() - t0;
  tf.dispose([value, grad]);
  return { loss, grad: g, ms };
}

/** One size of the halo sweep: the untiled timings and a row per tile size and halo. */
interface HaloSweep {
  net: string;
  height: number;
  width: number;
  exactHalo: { before: number; after: number; align: number };
  /** One untiled evaluation before and after the tiled rows (after a full-size warm-up). */
  untiledMs: [number, number];
  /** One forward pass over the default layers, no gradient: pass 1's share of a tiled one. */
  forwardMs: number;
  rows: {
    tile: number;
    tiles: number;
    halo: string;
    largestCrop: number;
    /** Σ crop pixels / image pixels: what each pass reads against one untiled pass. */
    cropRatio: number;
    lossRelError: number;
    gradRelL2Error: number;
    ms: number;
    /** ms / the mean of untiledMs. */
    overhead: number;
  }[];
}

/**
 * Narrower halos against the untiled objective, in each tile size: relative loss error,
 * relative L2 gradient error, and the time of one tiled evaluation against the untiled one
 * (timed before and after the tiled ones, after a warm-up, on the same noisy image). A halo of
 * "exact" is haloFor() of the default layers.
 */
async function haloSweep(
  net: Net,
  size: number,
  tiles: number[],
  halos: string[],
): Promise<HaloSweep> {
  const d = ARCH_DEFAULTS[net.manifest.architecture];
  const layers = [...new Set([...d.layers.content, ...d.layers.style].map((l) => l.layer))];
  const content = await readImage(shared("content/chelsea.png"), size);
  const style = await readImage(shared("style/starry_night.jpg"), 256);
  const image = tf.tidy(() =>
    tf.clipByValue(tf.add(content, tf.randomNormal(content.shape, 0, 0.1, "float32", 1)), 0, 1)
  ) as tf.Tensor4D;
  const [, h, w] = image.shape;
  const sf = net.forward(style, d.layers.style.map((l) => l.layer));
  const options = {
    contentTargets: net.forward(content, d.layers.content.map((l) => l.layer)),
    styleGrams: styleTargets([sf]),
    contentLayers: d.layers.content,
    styleLayers: d.layers.style,
    weights: d.weights,
  };
  // Warm-up at full size: the first backward pass makes and keeps the flipped kernels, and the
  // first pass at a size grows the WASM heap (a smaller warm-up left the next pass 2x slower).
  const warm = await untiledEvaluation(net, image, options, layers);
  console.log(JSON.stringify({ net: net.id, height: h, width: w, warmUpMs: warm.ms }));
  // The least of `repeats` timings: on a shared machine the noise only ever adds time.
  const repeats = Number(a.repeat);
  const untiledMin = async () => {
    const runs = [];
    for (let i = 0; i < repeats; i++) {
      runs.push(await untiledEvaluation(net, image, options, layers));
    }
    return { ...runs[0], ms: Math.min(...runs.map((r) => r.ms)) };
  };
  const before = await untiledMin();
  const t0 = performance.now();
  const features = net.forward(image, layers);
  await Promise.all(Object.values(features).map((f) => f.data()));
  const forwardMs = performance.now() - t0;
  tf.dispose(Object.values(features));
  console.log(JSON.stringify({ untiledMs: before.ms, forwardMs }));
  const exact = before.loss;
  const reference = before.grad;
  const exactHalo = haloFor(receptiveFields(net.manifest, layers));
  const rows: Omit<HaloSweep["rows"][number], "overhead">[] = [];
  for (const tile of tiles) {
    for (const label of halos) {
      const px = Number(label);
      const halo = label === "exact" ? exactHalo : {
        ...exactHalo,
        before: [px, px] as [number, number],
        after: [px, px] as [number, number],
      };
      const grid = tileGrid(h, w, { tile, halo });
      let ms = Infinity;
      let r: Awaited<ReturnType<typeof tiledValueAndGrad>> | undefined;
      let g: Float32Array | Int32Array | Uint8Array = new Float32Array();
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        r = await tiledValueAndGrad(net, image, { ...options, grid });
        g = await r.grad.data();
        ms = Math.min(ms, performance.now() - t0);
        r.grad.dispose();
      }
      let num = 0;
      let den = 0;
      for (let i = 0; i < g.length; i++) {
        num += (g[i] - reference[i]) ** 2;
        den += reference[i] ** 2;
      }
      const crops = grid.tiles.map((t) => [
        t.crop[0].end - t.crop[0].start,
        t.crop[1].end - t.crop[1].start,
      ]);
      const row = {
        tile: grid.tile[0],
        tiles: grid.tiles.length,
        halo: label === "exact" ? `exact (${exactHalo.before[0]}/${exactHalo.after[0]})` : label,
        largestCrop: Math.max(...crops.flat()),
        cropRatio: crops.reduce((s, [a, b]) => s + a * b, 0) / (h * w),
        lossRelError: Math.abs(r!.total - exact) / exact,
        gradRelL2Error: Math.sqrt(num / den),
        ms: Math.round(ms),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const after = await untiledMin();
  console.log(JSON.stringify({ untiledMs: after.ms }));
  tf.dispose([content, style, image, Object.values(sf)]);
  tf.dispose([Object.values(options.contentTargets), Object.values(options.styleGrams)]);
  const untiled = (before.ms + after.ms) / 2;
  return {
    net: net.id,
    height: h,
    width: w,
    exactHalo: {
      before: exactHalo.before[0],
      after: exactHalo.after[0],
      align: exactHalo.align[0],
    },
    untiledMs: [Math.round(before.ms), Math.round(after.ms)],
    forwardMs: Math.round(forwardMs),
    rows: rows.map((r) => ({ ...r, overhead: r.ms / untiled })),
  };
}

/** Writes bench/large_halo.json and .md for the sizes measured so far. */
async function writeHaloSweeps(sweeps: HaloSweep[]) {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const e = sweeps[0].exactHalo;
  const md = [
    `# Approximate halo: ${sweeps[0].net} (${a.backend}, ${new Date().toISOString().slice(0, 10)})`,
    "",
    `\`deno task bench:large ${Deno.args.join(" ")}\``,
    "",
    `Exact halo of the default layers: ${e.before} px before, ${e.after} px after, crops aligned`,
    `to ${e.align} px. Content image + N(0, 0.1) noise. One evaluation (loss + image gradient)`,
    "per row against the untiled tf.valueAndGrad, which is timed before the tiled rows and after",
    `them (after a full-size warm-up); each time is the least of ${a.repeat} run(s), on a shared`,
    "2-core machine; overhead = time / the mean of the two untiled times. Crop ratio = Σ crop",
    "pixels / image pixels (each pass reads that much). Forward = one forward pass over the",
    "default layers without gradient (pass 1 of a tiled evaluation is that, over the crops).",
    "",
  ];
  for (const sw of sweeps) {
    md.push(
      `## ${sw.width}x${sw.height} px`,
      "",
      `Untiled: ${s(sw.untiledMs[0])} s before, ${s(sw.untiledMs[1])} s after; forward only: ${
        s(sw.forwardMs)
      } s.`,
      "",
      "| tile | tiles | halo (px) | largest crop | crop ratio | loss rel. error | gradient rel. L2 error | time (s) | overhead |",
      "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...sw.rows.map((r) =>
        `| ${r.tile} | ${r.tiles} | ${r.halo} | ${r.largestCrop} | ${r.cropRatio.toFixed(2)} | ${
          r.lossRelError.toExponential(2)
        } | ${r.gradRelL2Error.toExponential(2)} | ${s(r.ms)} | ${r.overhead.toFixed(2)}x |`
      ),
      "",
    );
  }
  await Deno.mkdir(a.out!, { recursive: true });
  const json = JSON.stringify(sweeps, null, 2) + "\n";
  await Deno.writeTextFile(join(a.out!, "large_halo.json"), json);
  await Deno.writeTextFile(join(a.out!, "large_halo.md"), md.join("\n"));
  console.log(md.join("\n"));
}

/** Peak bytes of tf.grad(Σ features²) at two square sizes, fitted as fixed + perPixel·pixels. */
async function pixelCosts(ids: string[], sizes: number[]) {
  const out = [];
  for (const id of ids) {
    const net = await loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")));
    const d = ARCH_DEFAULTS[net.manifest.architecture];
    const layers = [...new Set([...d.layers.content, ...d.layers.style].map((l) => l.layer))];
    const start = tf.memory().numBytes;
    const peaks: number[] = [];
    for (const s of sizes) {
      const info = await tf.profile(async () => {
        const x = tf.randomUniform([1, s, s, 3], 0, 1, "float32", 1) as tf.Tensor4D;
        const g = tf.tidy(() =>
          tf.grad((v) => {
            const f = net.forward(v as tf.Tensor4D, layers);
            return tf.addN(Object.values(f).map((t) => tf.sum(tf.square(t))));
          })(x)
        );
        await g.data();
        tf.dispose([x, g]);
        return [];
      });
      peaks.push(info.peakBytes - start);
      console.log(JSON.stringify({ net: id, size: s, peakBytes: info.peakBytes - start }));
    }
    const [s0, s1] = sizes.map((s) => s * s);
    const bytesPerPixel = Math.round((peaks[1] - peaks[0]) / (s1 - s0));
    const fixedBytes = peaks[0] - bytesPerPixel * s0;
    out.push({ net: id, backend: a.backend, sizes, peaks, bytesPerPixel, fixedBytes });
    net.dispose();
  }
  const MB = (n: number) => (n / 1e6).toFixed(2);
  const md = [
    `# Per-pixel costs for the memory planner (${a.backend}, ${
      new Date().toISOString().slice(0, 10)
    })`,
    "",
    "tf.profile peak bytes above the loaded net of one tf.grad(Σ features²) over the default",
    "layers (input included, fresh net: the flipped kernels count as fixed), at two square",
    "sizes; fixed + perPixel·pixels through both (MB = 10^6 B). The planner's MEASURED_COSTS",
    "(src/shared/tiling/plan.ts) start from these and say where they add a margin.",
    "",
    "| net | sizes (px) | peaks (MB) | B/px | fixed (MB) |",
    "| --- | --- | --- | ---: | ---: |",
    ...out.map((r) =>
      `| ${r.net} | ${r.sizes.join(", ")} | ${r.peaks.map(MB).join(", ")} | ${r.bytesPerPixel} | ${
        MB(r.fixedBytes)
      } |`
    ),
    "",
  ].join("\n");
  await Deno.mkdir(a.out!, { recursive: true });
  const path = join(a.out!, "large_costs.json");
  await Deno.writeTextFile(path, JSON.stringify(out, null, 2) + "\n");
  await Deno.writeTextFile(join(a.out!, "large_costs.md"), md);
  console.log(md);
}

if (a.costs) {
  await pixelCosts(a.nets!.split(","), a["cost-sizes"]!.split(",").map(Number));
  Deno.exit(0);
}

if (a.halos) {
  const id = a["halo-net"]!;
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")));
  const sweeps: HaloSweep[] = [];
  // Written after each size, so that a size whose untiled pass aborts keeps the ones before.
  for (const size of a["halo-size"]!.split(",").map(Number)) {
    const tiles = a["halo-tile"]!.split(",").map(Number);
    sweeps.push(await haloSweep(net, size, tiles, a.halos.split(",")));
    await writeHaloSweeps(sweeps);
  }
  net.dispose();
  Deno.exit(0);
}

for (const id of a.render ? [] : a.nets!.split(",")) {
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")));
  // Warm-up: the first backward pass makes and keeps the flipped kernels (a fixed cost).
  await evaluate(net, 64, "untiled");
  const sizes = (id === "resnet50" ? a["resnet-sizes"]! : a.sizes!).split(",").filter(Boolean);
  const tiles = a.tile!.split(",").map(Number);
  for (const tile of tiles) {
    for (const size of sizes.map(Number)) rows.push(await evaluate(net, size, tile));
  }
  const compare = Number(id === "resnet50" ? a["resnet-compare"] : a.compare);
  const compareTile = id === "resnet50" ? tiles[0] : Number(a["compare-tile"]);
  if (compare > 0) {
    rows.push({ ...await evaluate(net, compare, "untiled"), comparedWithTile: compareTile });
    const done = rows.find((r) =>
      r.net === id && r.mode === "tiled" && r.size === compare && r.tile === compareTile
    );
    if (!done) rows.push(await evaluate(net, compare, compareTile));
  }
  net.dispose();
}

// Re-running some nets keeps the other nets' rows from the last run.
const jsonPath = join(a.out!, "large.json");
let ran = new Set(a.nets!.split(","));
try {
  const old = JSON.parse(await Deno.readTextFile(jsonPath)) as Row[];
  // --render: the rows with a size (this code's) count as ran, the others as kept.
  if (a.render) ran = new Set(old.filter((r) => r.height !== undefined).map((r) => r.net));
  rows.unshift(...old.filter((r) => !ran.has(r.net) || a.render));
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}
const MB = (n: number) => (n / 2 ** 20).toFixed(1);
const lines = [
  `# Tiled evaluation at large sizes (${a.backend}, ${new Date().toISOString().slice(0, 10)})`,
  "",
  "One evaluation (loss + image gradient) of the Gatys objective with the default layers, exact",
  "halo. Peak = tf.profile peak tfjs bytes above the loaded net, the image and the style Grams,",
  "content targets included (untiled: full-size tensors; tiled: held per tile outside tfjs, so",
  "only one tile's are in tfjs). 'Beyond image' is the peak beyond the image and gradient",
  "buffers: the image is in the baseline, and a tiled evaluation adds its gradient up in a",
  "Float32Array outside tfjs until the last tile (so tiled rows: the peak itself; untiled rows:",
  "minus the 12 B/px gradient tensor). Not in any peak: what a tiled evaluation keeps outside",
  "tfjs and what grows with the image, the gradient's Float32Array (12 B/px) and the per-tile",
  "content targets (Darknet-tiny: conv8, 16 B/px). Time on a shared, loaded 2-core machine.",
  "",
  "| net | size | mode | tile | tiles | largest crop | time (s) | peak (MB) | beyond image (MB) | loss |",
  "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((r) =>
    `| ${r.net} | ${r.size} | ${r.mode} | ${r.tile} | ${r.tiles} | ${r.largestCrop} | ${
      (r.ms / 1000).toFixed(1)
    } | ${MB(r.peakTfBytes)} | ${MB(r.peakBeyondImageBytes)} | ${r.loss.toPrecision(6)} |`
  ),
];
const pairs = rows.filter((r) => r.mode === "untiled").map((u) => {
  const t = rows.find((r) =>
    r.mode === "tiled" && r.net === u.net && r.size === u.size && r.tile === u.comparedWithTile
  );
  return t
    ? `- ${u.net} at ${u.size} px: tiled (${t.tile} px tiles) / untiled time = ${
      (t.ms / u.ms).toFixed(2)
    }x, ` +
      `peak ${MB(t.peakTfBytes)} / ${MB(u.peakTfBytes)} MB, loss ${t.loss} vs ${u.loss}`
    : "";
});
const kept = [...new Set(rows.map((r) => r.net).filter((id) => !ran.has(id)))];
if (kept.length) {
  lines.push(
    "",
    `Rows of ${
      kept.join(", ")
    } are kept from an earlier run (with that run's code and peak baseline; its "beyond" column subtracted 2 x 12 B/px).`,
  );
}
// The curve: each tiled size's peak beyond the image against the same net and tile at the
// smallest size.
const curve = rows.filter((r) => r.mode === "tiled" && ran.has(r.net)).map((r) => {
  const base = rows.filter((b) => b.mode === "tiled" && b.net === r.net && b.tile === r.tile)
    .sort((x, y) => x.size - y.size)[0];
  return base === r
    ? ""
    : `- ${r.net}, ${r.tile} px tiles: ${r.size} px / ${base.size} px = ${
      (r.peakBeyondImageBytes / base.peakBeyondImageBytes).toFixed(2)
    }x (largest crops ${r.largestCrop} / ${base.largestCrop} px)`;
});
lines.push("", "Curve:", "", ...curve.filter(Boolean));
lines.push("", "Overhead:", "", ...pairs.filter(Boolean), "");
await Deno.mkdir(a.out!, { recursive: true });
if (!a.render) await Deno.writeTextFile(jsonPath, JSON.stringify(rows, null, 2) + "\n");
await Deno.writeTextFile(join(a.out!, "large.md"), lines.join("\n"));
console.log(lines.join("\n"));
