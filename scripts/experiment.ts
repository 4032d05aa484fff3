/**
 * `deno task experiment`: runs the backbone x fix x init grid over content/style pairs with a
 * small per-cell search over the style weight (the winner by the judge metric is reported, not
 * hand-picked), scores every output with judge networks other than the optimised one, and
 * writes results.json, the images and a static HTML report.
 *
 * Usage: deno task experiment [--quick] [--contents a.png,b.jpg] [--styles s.jpg,...]
 *   [--nets resnet50,darknet-tiny,...] [--fixes plain,fourier,swag,avgpool] [--inits content]
 *   [--size 128] [--iters 60] [--style-weights 1e3,1e4] [--judges mobilenet-v1,darknet-tiny]
 *   [--out experiments/NAME] [--backend wasm]
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { encodePng, readImage } from "./lib/image_io.ts";
import { progressBar } from "./lib/progress.ts";
import { loadNet, parseManifest } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { makeRecipe } from "../src/shared/recipe.ts";
import { runSides } from "../src/shared/recipe_defaults.ts";
import { stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";
import { FIXES, summarize } from "../src/shared/experiment.ts";
import { type OutputScore, scoreOutput } from "../src/shared/metrics/score.ts";
import { renderReport } from "./lib/experiment_report.ts";
import type { Init } from "../src/shared/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SHARED = resolve(ROOT, "..", "shared", "images");
const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      contents: { type: "string" },
      styles: { type: "string" },
      nets: { type: "string" },
      fixes: { type: "string" },
      inits: { type: "string" },
      size: { type: "string" },
      iters: { type: "string" },
      "style-weights": { type: "string" },
      judges: { type: "string", default: "mobilenet-v1,darknet-tiny" },
      "judge-size": { type: "string", default: "256" },
      out: { type: "string" },
      backend: { type: "string", default: "wasm" },
      "models-dir": { type: "string", default: join(ROOT, "static", "models") },
    },
  }));

const quick = a.quick!;
const split = (s: string | undefined, d: string) =>
  (s ?? d).split(",").map((x) => x.trim()).filter(Boolean);
const contents = split(
  a.contents,
  quick
    ? `${SHARED}/content/chelsea.png`
    : `${SHARED}/content/chelsea.png,${SHARED}/content/astronaut.png`,
);
const styles = split(
  a.styles,
  quick
    ? `${SHARED}/style/starry_night.jpg`
    : `${SHARED}/style/starry_night.jpg,${SHARED}/style/the_scream.jpg`,
);
const modelsDir = resolve(a["models-dir"]!);
const installed = [...Deno.readDirSync(modelsDir)].filter((e) =>
  e.isDirectory && !e.name.startsWith(".")
)
  .map((e) => e.name).filter((n) => !n.endsWith("-f32")).sort();
const nets = split(a.nets, quick ? "darknet-tiny" : installed.join(","));
const fixIds = split(a.fixes, quick ? "plain,swag" : FIXES.map((f) => f.id).join(","));
const inits = split(a.inits, "content") as Init[];
const size = Number(a.size ?? (quick ? 64 : 128));
const iters = Number(a.iters ?? (quick ? 5 : 60));
const styleWeights = split(a["style-weights"], quick ? "1e4" : "1e3,1e4,1e5").map(Number);
const judgeSize = Number(a["judge-size"]);
const out = resolve(a.out ?? join(ROOT, "experiments", quick ? "quick" : "full"));

for (const f of fixIds) {
  if (!FIXES.some((x) => x.id === f)) throw new RangeError(`unknown fix "${f}"`);
}
await useBackend(a.backend!);
await Deno.mkdir(join(out, "images"), { recursive: true });

const load = (id: string) => loadNet(pathToFileURL(join(modelsDir, id, "manifest.json")));
const judges: Net[] = [];
for (const id of split(a.judges, "")) judges.push(await load(id));

interface Cell {
  pair: string;
  net: string;
  fix: string;
  init: Init;
  styleWeight: number;
  image: string;
  loss: number;
  seconds: number;
  score: OutputScore;
  /** Headline judge distance used to pick the style weight. */
  headline: number;
  candidates: { styleWeight: number; headline: number }[];
}

const cells: Cell[] = [];
const total = contents.length * styles.length * nets.length * fixIds.length * inits.length *
  styleWeights.length;
const bar = progressBar(total, { label: "grid " });
let done = 0;
const started = performance.now();

/** The headline: mean judge style distance over judges that are not the optimised net. */
const headline = (s: OutputScore) => {
  const v = Object.values(s.style).map((d) => d.mean);
  return v.reduce((x, y) => x + y, 0) / v.length;
};

const judgeImage = async (path: string) => {
  // Scored at the judge size: short side to judgeSize, centre crop (as the article's figures).
  const t = await readImage(path, undefined);
  const [, h, w] = t.shape;
  const s = judgeSize / Math.min(h, w);
  const r = tf.tidy(() => {
    const big = tf.image.resizeBilinear(t, [Math.round(h * s), Math.round(w * s)], false, true);
    const [bh, bw] = [big.shape[1], big.shape[2]];
    const y = Math.floor((bh - judgeSize) / 2);
    const x = Math.floor((bw - judgeSize) / 2);
    return tf.clipByValue(
      tf.slice(big, [0, y, x, 0], [1, judgeSize, judgeSize, 3]),
      0,
      1,
    ) as tf.Tensor4D;
  });
  t.dispose();
  return r;
};

for (const netId of nets) {
  for (const fixId of fixIds) {
    const fix = FIXES.find((f) => f.id === fixId)!;
    const manifestPath = join(modelsDir, netId, "manifest.json");
    const manifest = parseManifest(JSON.parse(await Deno.readTextFile(manifestPath)), manifestPath);
    if (!fix.applies(manifest)) {
      done += contents.length * styles.length * inits.length * styleWeights.length;
      continue;
    }
    const recipe0 = fix.apply(makeRecipe(manifest, { overrides: { iterations: iters, size } }));
    const net = await loadNet(pathToFileURL(join(modelsDir, netId, "manifest.json")), {
      pooling: recipe0.net.pooling ?? "max",
    });
    for (const contentPath of contents) {
      for (const stylePath of styles) {
        const pair = `${basename(contentPath).replace(/\.\w+$/, "")}+${
          basename(stylePath).replace(/\.\w+$/, "")
        }`;
        // At the run's sides (a supersampled recipe reads larger), as the CLI does.
        const content = await readImage(contentPath, size, recipe0.supersample);
        const style = await readImage(stylePath, runSides(recipe0).style);
        const styleJ = await judgeImage(stylePath);
        for (const init of inits) {
          const tried: { styleWeight: number; headline: number; cell: Cell }[] = [];
          for (const sw of styleWeights) {
            const t0 = performance.now();
            const recipe = {
              ...recipe0,
              init,
              content: { name: basename(contentPath) },
              styles: [{ name: basename(stylePath), weight: 1 }],
              weights: { ...recipe0.weights, style: sw },
            };
            const { result } = await runToEnd(
              stylize(net, { content, styles: [style] }, recipe, { previewEvery: 0 }),
            );
            const name = `${pair}__${netId}__${fixId}__${init}__sw${sw}.png`;
            await Deno.writeFile(join(out, "images", name), await encodePng(result.image));
            // Judge at judgeSize: output and content resized together, style centre-cropped.
            const [, oh, ow] = result.image.shape;
            const js = judgeSize / Math.min(oh, ow);
            const [jh, jw] = [Math.round(oh * js), Math.round(ow * js)];
            const outputJ = tf.tidy(() =>
              tf.image.resizeBilinear(result.image, [jh, jw], false, true)
            );
            const contentJ = tf.tidy(() => tf.image.resizeBilinear(content, [jh, jw], false, true));
            const score = await scoreOutput(judges, {
              output: outputJ,
              style: styleJ,
              content: contentJ,
            }, {
              exclude: netId,
            });
            tf.dispose([outputJ, contentJ, result.image]);
            const cell: Cell = {
              pair,
              net: netId,
              fix: fixId,
              init,
              styleWeight: sw,
              image: `images/${name}`,
              loss: result.loss,
              seconds: (performance.now() - t0) / 1000,
              score,
              headline: headline(score),
              candidates: [],
            };
            tried.push({ styleWeight: sw, headline: cell.headline, cell });
            bar.update(++done);
          }
          const best = tried.reduce((x, y) => (y.headline < x.headline ? y : x));
          best.cell.candidates = tried.map(({ styleWeight, headline }) => ({
            styleWeight,
            headline,
          }));
          cells.push(best.cell);
        }
        tf.dispose([content, style, styleJ]);
      }
    }
    net.dispose();
  }
}
bar.done();

const column = (c: Cell) => `${c.net} / ${c.fix} / ${c.init}`;
const rowOf = (c: Cell) => c.pair;
const table = (f: (c: Cell) => number) => {
  const t: Record<string, Record<string, number>> = {};
  for (const c of cells) (t[rowOf(c)] ??= {})[column(c)] = f(c);
  return t;
};
const baselineFor = (net: string) => `${net} / plain / ${inits[0]}`;
const summaries = {
  judgeStyle: Object.fromEntries(
    nets.map((n) => [n, summarize(table((c) => c.headline), baselineFor(n))]),
  ),
  colourW2: Object.fromEntries(
    nets.map((n) => [n, summarize(table((c) => c.score.colourW2), baselineFor(n))]),
  ),
};
const results = {
  meta: {
    date: new Date().toISOString(),
    quick,
    size,
    iterations: iters,
    styleWeights,
    judgeSize,
    judges: judges.map((j) => j.id),
    backend: tf.getBackend(),
    seconds: (performance.now() - started) / 1000,
  },
  cells,
  summaries,
};
await Deno.writeTextFile(join(out, "results.json"), JSON.stringify(results, null, 2));
await Deno.writeTextFile(join(out, "report.html"), renderReport(results));
judges.forEach((j) => j.dispose());
console.log(
  `wrote ${join(out, "results.json")} and report.html (${cells.length} cells, ${
    results.meta.seconds.toFixed(0)
  } s)`,
);
