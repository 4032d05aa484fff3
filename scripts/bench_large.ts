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
 * With --halos 0,32,64,96 it measures instead how far a narrower, approximate halo takes the
 * objective from the exact one (ResNet-50 by default, --halo-size px in --halo-tile px tiles,
 * a noisy content image): relative loss error and relative L2 gradient error, written to
 * bench/large_halo.json and bench/large_halo.md.
 *
 * Usage: deno task bench:large [--nets darknet-tiny,resnet50] [--sizes 512,1024,2048]
 *        [--resnet-sizes 512] [--resnet-compare 512] [--tile 384] [--compare 1024] [--compare-tile 512] [--backend wasm]
 */
import { parseArgs } from "node:util";
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
const { values: a } = parseArgs({
  args: Deno.args,
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
    "halo-size": { type: "string", default: "256" },
    "halo-tile": { type: "string", default: "128" },
  },
});

interface Row {
  net: string;
  size: number;
  mode: "tiled" | "untiled";
  tile: number;
  tiles: number;
  largestCrop: number;
  ms: number;
  peakTfBytes: number;
  /** Peak minus the whole-image RGB float32 buffers (image + gradient: 2·12 B/px). */
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
    peakTfBytes: peak,
    peakBeyondImageBytes: peak - 2 * 12 * h * w,
    loss,
  };
  console.log(JSON.stringify(row));
  return row;
}

/** Loss and gradient error of narrower halos against the untiled objective. */
async function haloSweep(id: string, size: number, tile: number, halos: number[]) {
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")));
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
  const objective = buildStyleObjective(options);
  const { value, grad } = tf.tidy(() =>
    tf.valueAndGrad((x) =>
      objective(net.forward(x as tf.Tensor4D, layers), x as tf.Tensor4D).total
    )(image)
  );
  const exact = (await value.data())[0];
  const reference = await grad.data();
  tf.dispose([value, grad]);
  const exactHalo = haloFor(receptiveFields(net.manifest, layers));
  const out = [];
  for (const halo of halos) {
    const grid = tileGrid(h, w, {
      tile,
      halo: { ...exactHalo, before: [halo, halo], after: [halo, halo] },
    });
    const t0 = performance.now();
    const r = await tiledValueAndGrad(net, image, { ...options, grid });
    const ms = performance.now() - t0;
    const g = await r.grad.data();
    r.grad.dispose();
    let num = 0;
    let den = 0;
    for (let i = 0; i < g.length; i++) {
      num += (g[i] - reference[i]) ** 2;
      den += reference[i] ** 2;
    }
    const row = {
      net: id,
      size,
      tile,
      halo,
      lossRelError: Math.abs(r.total - exact) / exact,
      gradRelL2Error: Math.sqrt(num / den),
      ms: Math.round(ms),
    };
    console.log(JSON.stringify(row));
    out.push(row);
  }
  tf.dispose([content, style, image, Object.values(sf)]);
  tf.dispose([Object.values(options.contentTargets), Object.values(options.styleGrams)]);
  net.dispose();
  const md = [
    `# Approximate halo: ${id} at ${size} px in ${tile} px tiles (${a.backend})`,
    "",
    `Exact halo: ${exactHalo.before[0]} px before, ${exactHalo.after[0]} px after. Default`,
    "layers, content image + N(0, 0.1) noise; crop starts are still aligned to the deepest jump.",
    "",
    "| halo (px) | loss rel. error | gradient rel. L2 error | time (s) |",
    "| ---: | ---: | ---: | ---: |",
    ...out.map((r) =>
      `| ${r.halo} | ${r.lossRelError.toExponential(2)} | ${r.gradRelL2Error.toExponential(2)} | ${
        (r.ms / 1000).toFixed(1)
      } |`
    ),
    "",
  ].join("\n");
  await Deno.mkdir(a.out!, { recursive: true });
  await Deno.writeTextFile(join(a.out!, "large_halo.json"), JSON.stringify(out, null, 2) + "\n");
  await Deno.writeTextFile(join(a.out!, "large_halo.md"), md);
  console.log(md);
}

if (a.halos) {
  const halos = a.halos.split(",").map(Number);
  await haloSweep(a["halo-net"]!, Number(a["halo-size"]), Number(a["halo-tile"]), halos);
  Deno.exit(0);
}

for (const id of a.nets!.split(",")) {
  const net = await loadNet(pathToFileURL(join(ROOT, "static/models", id, "manifest.json")));
  // Warm-up: the first backward pass makes and keeps the flipped kernels (a fixed cost).
  await evaluate(net, 64, "untiled");
  const sizes = (id === "resnet50" ? a["resnet-sizes"]! : a.sizes!).split(",").filter(Boolean);
  for (const size of sizes.map(Number)) rows.push(await evaluate(net, size, Number(a.tile)));
  const compare = Number(id === "resnet50" ? a["resnet-compare"] : a.compare);
  const compareTile = id === "resnet50" ? Number(a.tile) : Number(a["compare-tile"]);
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
const ran = new Set(a.nets!.split(","));
try {
  const old = JSON.parse(await Deno.readTextFile(jsonPath)) as Row[];
  rows.unshift(...old.filter((r) => !ran.has(r.net)));
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
  "only one tile's are in tfjs); 'beyond image' subtracts the image and gradient buffers",
  "(2 x 12 B/px). Time on a shared, loaded 2-core machine.",
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
    } are kept from an earlier run (with that run's code and peak baseline).`,
  );
}
lines.push("", "Overhead:", "", ...pairs.filter(Boolean), "");
await Deno.mkdir(a.out!, { recursive: true });
await Deno.writeTextFile(jsonPath, JSON.stringify(rows, null, 2) + "\n");
await Deno.writeTextFile(join(a.out!, "large.md"), lines.join("\n"));
console.log(lines.join("\n"));
