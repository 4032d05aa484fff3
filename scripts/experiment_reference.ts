/**
 * `deno task experiment:reference`: issue 12's reference experiment. For each backbone, our
 * default recipe on the article's photo and four paintings (Nakano 2019, Distill, CC-BY 4.0);
 * every output, and the article's robust and standard ResNet-50 outputs, scored by judge
 * networks other than the optimised one. Writes results.json, report.md (distances relative
 * to the article's robust output, geometric mean over pairs) and a picture strip per backbone:
 * photo | article robust | article standard | ours.
 *
 * Usage: deno task experiment:reference [--nets darknet-tiny,mobilenet-v1,resnet50]
 *   [--pairs picasso,scream,starry,woman] [--size 256] [--iters 100]
 *   [--recipe '{"weights":{"style":1e5},"init":"noise"}'] [--judges mobilenet-v1,darknet-tiny]
 *   [--judge-size 256] [--out experiments/reference] [--images ../shared/images] [--backend wasm]
 *   [--reuse]   (re-judge the images of an earlier run in --out instead of running again)
 */
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { encodePng, readImage } from "./lib/image_io.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { defaultRecipe } from "../src/shared/recipe.ts";
import { stylize } from "../src/shared/render.ts";
import { scoreOutput } from "../src/shared/metrics/score.ts";
import { artifactEnergy } from "../src/shared/metrics/artifacts.ts";
import {
  centreSquare,
  NONROBUST,
  pictureStrip,
  REFERENCE_CONTENT,
  REFERENCE_PAIRS,
  relativeMarkdown,
  relativeTable,
  ROBUST,
  type ScoredOutput,
  toShortSide,
  withOverrides,
} from "../src/shared/reference.ts";
import type { RecipeInput } from "../src/shared/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    nets: { type: "string", default: "darknet-tiny,mobilenet-v1,resnet50" },
    pairs: { type: "string", default: REFERENCE_PAIRS.map((p) => p.id).join(",") },
    size: { type: "string", default: "256" },
    iters: { type: "string", default: "100" },
    recipe: { type: "string", default: "{}" },
    judges: { type: "string", default: "mobilenet-v1,darknet-tiny" },
    "judge-size": { type: "string", default: "256" },
    out: { type: "string", default: join(ROOT, "experiments", "reference") },
    images: { type: "string", default: resolve(ROOT, "..", "shared", "images") },
    backend: { type: "string", default: "wasm" },
    "models-dir": { type: "string", default: join(ROOT, "static", "models") },
    "strip-height": { type: "string", default: "128" },
    reuse: { type: "boolean", default: false },
  },
  strict: true,
});

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const count = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`--${name} ${v}: expected an integer >= 1`);
  }
  return n;
};
const nets = list(a.nets!);
const pairs = list(a.pairs!).map((id) => {
  const p = REFERENCE_PAIRS.find((x) => x.id === id);
  if (!p) {
    throw new RangeError(
      `unknown pair "${id}": expected one of ${REFERENCE_PAIRS.map((x) => x.id).join(", ")}`,
    );
  }
  return p;
});
const size = count("size", a.size!);
const iters = count("iters", a.iters!);
const judgeSize = count("judge-size", a["judge-size"]!);
const stripHeight = count("strip-height", a["strip-height"]!);
const overrides = JSON.parse(a.recipe!) as Record<string, unknown>;
const images = resolve(a.images!);
const out = resolve(a.out!);
const modelsDir = resolve(a["models-dir"]!);
await useBackend(a.backend!);
await Deno.mkdir(join(out, "images"), { recursive: true });

const load = (id: string, pooling?: "max" | "avg") =>
  loadNet(pathToFileURL(join(modelsDir, id, "manifest.json")), pooling ? { pooling } : {});
const judges: Net[] = [];
for (const id of list(a.judges!)) judges.push(await load(id));
const judgeIds = judges.map((j) => j.id);

// Judged as `deno task experiment` judges: output and photo at short side judgeSize, the
// painting as its centre square at judgeSize.
const photoFull = await readImage(join(images, "reference", REFERENCE_CONTENT));
const photoJ = toShortSide(photoFull, judgeSize);
const paintingJ = new Map<string, tf.Tensor4D>();
for (const p of pairs) {
  const full = await readImage(join(images, "style", p.style));
  paintingJ.set(p.id, centreSquare(full, judgeSize));
  full.dispose();
}
const score = async (output: tf.Tensor4D, pairId: string, exclude?: string) => {
  const o = tf.tidy(() =>
    tf.clipByValue(
      tf.image.resizeBilinear(output, [photoJ.shape[1], photoJ.shape[2]], false, true),
      0,
      1,
    ) as tf.Tensor4D
  );
  try {
    return await scoreOutput(
      judges,
      { output: o, style: paintingJ.get(pairId)!, content: photoJ },
      {
        exclude,
      },
    );
  } finally {
    o.dispose();
  }
};

// Artifacts at each image's own resolution, against the photo at that resolution: resampling
// to the judge size would low-pass our 256 px outputs and alias the article's 768 px ones.
const photoIn = await readImage(join(images, "reference", REFERENCE_CONTENT), size);
const nativeArtifacts = async (output: tf.Tensor4D) => {
  const [, h, w] = output.shape;
  const photo = h === photoFull.shape[1] && w === photoFull.shape[2]
    ? photoFull
    : h === photoIn.shape[1] && w === photoIn.shape[2]
    ? photoIn
    : undefined;
  if (!photo) throw new RangeError(`No photo of ${w}x${h} to compare artifacts with`);
  return artifactEnergy(await output.data(), await photo.data(), h, w);
};

const scored: ScoredOutput[] = [];
const articleImages = new Map<string, tf.Tensor4D[]>();
for (const p of pairs) {
  const robust = await readImage(join(images, "reference", p.robust));
  const nonrobust = await readImage(join(images, "reference", p.nonrobust));
  for (const [row, image] of [[ROBUST, robust], [NONROBUST, nonrobust]] as const) {
    const s = await score(image, p.id);
    s.artifacts = await nativeArtifacts(image);
    scored.push({ row, pair: p.id, score: s });
  }
  articleImages.set(p.id, [robust, nonrobust]);
  console.log(`scored the article's outputs for ${p.id}`);
}

interface Run {
  net: string;
  pair: string;
  image: string;
  recipe: RecipeInput;
  iterations: number;
  evaluations: number;
  loss: number;
  seconds: number;
}
const runs: Run[] = [];
const reuse = a.reuse!;
const previousRuns: Run[] = reuse
  ? JSON.parse(await Deno.readTextFile(join(out, "results.json"))).runs
  : [];
const started = performance.now();
for (const netId of nets) {
  let net = await load(netId);
  const recipe0 = withOverrides(
    defaultRecipe(net, { size, iterations: iters }) as RecipeInput,
    overrides,
  );
  if (recipe0.net.pooling && recipe0.net.pooling !== net.pooling) {
    net.dispose();
    net = await load(netId, recipe0.net.pooling);
  }
  const strip: tf.Tensor4D[][] = [];
  for (const p of pairs) {
    const painting = await readImage(join(images, "style", p.style), size);
    const recipe: RecipeInput = {
      ...recipe0,
      content: { name: REFERENCE_CONTENT },
      styles: [{ name: p.style, weight: 1 }],
    };
    const name = `${netId}__${p.id}.png`;
    const previous = reuse
      ? previousRuns.find((x) => x.net === netId && x.pair === p.id)
      : undefined;
    let record: Omit<Run, "net" | "pair" | "image" | "recipe">;
    let result: { image: tf.Tensor4D };
    if (previous) {
      // --reuse: re-judge the image an earlier run wrote, keeping that run's record.
      result = { image: await readImage(join(out, previous.image)) };
      record = previous;
    } else {
      const t0 = performance.now();
      const run = stylize(net, { content: photoIn, styles: [painting] }, recipe, {
        previewEvery: 0,
      });
      let evaluations = 0;
      let r = await run.next();
      while (!r.done) {
        evaluations = r.value.evaluations;
        r = await run.next();
      }
      result = r.value;
      const seconds = (performance.now() - t0) / 1000;
      record = { iterations: r.value.iterations, evaluations, loss: r.value.loss, seconds };
      await Deno.writeFile(join(out, "images", name), await encodePng(result.image));
    }
    painting.dispose();
    const s = await score(result.image, p.id, netId);
    s.artifacts = await nativeArtifacts(result.image);
    scored.push({ row: netId, pair: p.id, score: s });
    const { iterations, evaluations, loss, seconds } = record;
    runs.push({
      net: netId,
      pair: p.id,
      image: `images/${name}`,
      recipe,
      iterations,
      evaluations,
      loss,
      seconds,
    });
    console.log(
      `${netId} ${p.id}: ${iterations} iterations, ${evaluations} evaluations, ${
        seconds.toFixed(0)
      } s${previous ? " (reused)" : ""}`,
    );
    strip.push([photoFull, ...articleImages.get(p.id)!, result.image]);
  }
  const stripImage = pictureStrip(strip, stripHeight);
  await Deno.writeFile(join(out, `strip_${netId}.png`), await encodePng(stripImage));
  stripImage.dispose();
  tf.dispose(strip.map((row) => row[3]));
  net.dispose();
}

const table = relativeTable(scored, judgeIds);
const meta = {
  date: new Date().toISOString(),
  size,
  iterations: iters,
  overrides,
  judgeSize,
  judges: judgeIds,
  backend: tf.getBackend(),
  seconds: (performance.now() - started) / 1000,
};
await Deno.writeTextFile(
  join(out, "results.json"),
  JSON.stringify({ meta, runs, scored, relative: table }, null, 2),
);
const md = [
  "# Reference experiment (issue 12)",
  "",
  `Output ${size} px long side, ${iters} iterations, recipe overrides ${
    JSON.stringify(overrides)
  }; judged at short side ${judgeSize} px; ${meta.backend}, ${meta.seconds.toFixed(0)} s.`,
  "The optimised network never judges itself. Photo and article outputs: R. Nakano, " +
  '"Adversarially Robust Neural Style Transfer", Distill 2019, CC-BY 4.0.',
  "",
  "| net | pair | iterations | evaluations | seconds |",
  "|---|---|---|---|---|",
  ...runs.map((r) =>
    `| ${r.net} | ${r.pair} | ${r.iterations} | ${r.evaluations} | ${r.seconds.toFixed(0)} |`
  ),
  "",
  relativeMarkdown(table, judgeIds),
  ...nets.map((n) => `![${n}: photo, article robust, article standard, ours](strip_${n}.png)`),
  "",
].join("\n");
await Deno.writeTextFile(join(out, "report.md"), md);
tf.dispose([
  photoFull,
  photoJ,
  photoIn,
  ...paintingJ.values(),
  ...[...articleImages.values()].flat(),
]);
judges.forEach((j) => j.dispose());
console.log(`wrote ${join(out, "results.json")}, report.md and the strips`);
