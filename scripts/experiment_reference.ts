/**
 * `deno task experiment:reference`: issue 12's reference experiment. For each backbone, our
 * default recipe on the article's photo and four paintings (Nakano 2019, Distill, CC-BY 4.0);
 * every output, and the article's robust and standard ResNet-50 outputs, scored by judge
 * networks other than the optimised one. Writes results.json, report.md (distances relative
 * to the article's robust output, geometric mean over pairs) and a picture strip per backbone:
 * photo | article robust | article standard | ours. Tuning pairs (other shared photos and
 * paintings, no article output) are scored in absolute terms in results.json, for
 * `deno task experiment:grid` to compare recipes on, with a strip photo | painting | ours.
 * Each run's progress events go to events/<net>__<pair>.json with its plan (planRun()'s ETA
 * costs), in the format of tests/fixtures/eta/, to recalibrate the ETA on.
 *
 * Usage: deno task experiment:reference [--nets darknet-tiny,mobilenet-v1,resnet50]
 *   [--pairs reference|tuning|all|picasso,scream,...,coffee-shipwreck] [--size 256] [--iters 100]
 *   [--recipe '{"weights":{"style":1e5},"init":"noise"}'] [--judges mobilenet-v1,darknet-tiny]
 *   [--judge-size 256] [--out experiments/reference] [--images ../shared/images] [--backend wasm]
 *   [--reuse]   (re-judge the images of an earlier run in --out instead of running again)
 *   [--memory-mb N]   (a memory budget per evaluation, as the CLI's: scales over it run tiled;
 *                      absent: every scale untiled)
 * The --recipe overrides layer on the defaults as the CLI's flags do (makeRecipe(): nested
 * objects merge one level deep, null removes a default such as the pyramid).
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { backendThreads } from "./lib/wasm_threads.ts";
import { encodePng, readImage } from "./lib/image_io.ts";
import { resizeToLongSide } from "../src/shared/image.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { defaultRecipe, parseRecipe, type RecipeLayer } from "../src/shared/recipe.ts";
import { runSides } from "../src/shared/recipe_defaults.ts";
import { planRun, stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";
import { scoreOutput } from "../src/shared/metrics/score.ts";
import { artifactEnergy } from "../src/shared/metrics/artifacts.ts";
import {
  centreSquare,
  NONROBUST,
  pictureStrip,
  reducedRow,
  REFERENCE_PAIRS,
  type ReferencePair,
  relativeMarkdown,
  relativeTable,
  ROBUST,
  type ScoredOutput,
  toShortSide,
  TUNING_PAIRS,
} from "../src/shared/reference.ts";
import type { RecipeInput } from "../src/shared/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: a } = cliArgs(import.meta.url, (args) =>
  parseArgs({
    args,
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
      "memory-mb": { type: "string" },
    },
    strict: true,
  }));

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const count = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`--${name} ${v}: expected an integer >= 1`);
  }
  return n;
};
const nets = list(a.nets!);
const ALL_PAIRS = [...REFERENCE_PAIRS, ...TUNING_PAIRS];
const GROUPS: Record<string, readonly ReferencePair[]> = {
  reference: REFERENCE_PAIRS,
  tuning: TUNING_PAIRS,
  all: ALL_PAIRS,
};
const pairs = list(a.pairs!).flatMap((id) => {
  if (Object.hasOwn(GROUPS, id)) return GROUPS[id];
  const p = ALL_PAIRS.find((x) => x.id === id);
  if (!p) {
    throw new RangeError(
      `unknown pair "${id}": expected reference, tuning, all or one of ${
        ALL_PAIRS.map((x) => x.id).join(", ")
      }`,
    );
  }
  return [p];
});
const size = count("size", a.size!);
const iters = count("iters", a.iters!);
const judgeSize = count("judge-size", a["judge-size"]!);
const stripHeight = count("strip-height", a["strip-height"]!);
const overrides = JSON.parse(a.recipe!) as RecipeLayer;
const images = resolve(a.images!);
const out = resolve(a.out!);
const modelsDir = resolve(a["models-dir"]!);
await useBackend(a.backend!);
/** stylize()'s `threads` (the ETA's fixed cost), recorded with each run's events. */
const threads = backendThreads(a.backend!);
await Deno.mkdir(join(out, "images"), { recursive: true });
await Deno.mkdir(join(out, "events"), { recursive: true });

const load = (id: string) => loadNet(pathToFileURL(join(modelsDir, id, "manifest.json")));
const judges: Net[] = [];
for (const id of list(a.judges!)) judges.push(await load(id));
const judgeIds = judges.map((j) => j.id);

/** A photo at full size, at the judge's short side, and at the output size. */
interface Photo {
  full: tf.Tensor4D;
  judge: tf.Tensor4D;
  input: tf.Tensor4D;
}
const photos = new Map<string, Photo>();
const photoOf = async (p: ReferencePair) => {
  let photo = photos.get(p.content);
  if (!photo) {
    const full = await readImage(join(images, p.content));
    photo = {
      full,
      judge: toShortSide(full, judgeSize),
      input: await readImage(join(images, p.content), size),
    };
    photos.set(p.content, photo);
  }
  return photo;
};
/** Photos at a supersampled run's sides (inputImage() with the factor), read once each. */
const runPhotos = new Map<string, tf.Tensor4D>();
const runInputOf = async (p: ReferencePair, factor: number) => {
  if (factor === 1) return (await photoOf(p)).input;
  const key = `${p.content}@${factor}`;
  let input = runPhotos.get(key);
  if (!input) {
    input = await readImage(join(images, p.content), size, factor);
    runPhotos.set(key, input);
  }
  return input;
};

// Judged as `deno task experiment` judges: output and photo at short side judgeSize, the
// painting as its centre square at judgeSize; the colour also against the whole painting at
// that scale (colour-whole).
const paintingJ = new Map<string, tf.Tensor4D>();
const paintingWhole = new Map<string, tf.Tensor4D>();
for (const p of pairs) {
  await photoOf(p);
  const full = await readImage(join(images, "style", p.style));
  paintingJ.set(p.id, centreSquare(full, judgeSize));
  paintingWhole.set(p.id, toShortSide(full, judgeSize));
  full.dispose();
}
const score = async (output: tf.Tensor4D, p: ReferencePair, exclude?: string) => {
  const photoJ = (await photoOf(p)).judge;
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
      {
        output: o,
        style: paintingJ.get(p.id)!,
        content: photoJ,
        painting: paintingWhole.get(p.id)!,
      },
      { exclude },
    );
  } finally {
    o.dispose();
  }
};

// Artifacts at each image's own resolution, against the photo at that resolution: resampling
// to the judge size would low-pass our 256 px outputs and alias the article's 768 px ones.
const nativeArtifacts = async (output: tf.Tensor4D, p: ReferencePair) => {
  const [, h, w] = output.shape;
  const { full, input } = await photoOf(p);
  const photo = [full, input].find((x) => x.shape[1] === h && x.shape[2] === w);
  if (!photo) throw new RangeError(`No photo of ${w}x${h} to compare artifacts with`);
  return artifactEnergy(await output.data(), await photo.data(), h, w);
};

const scored: ScoredOutput[] = [];
const articleImages = new Map<string, tf.Tensor4D[]>();
for (const p of pairs) {
  if (!p.robust || !p.nonrobust) continue;
  const robust = await readImage(join(images, "reference", p.robust));
  const nonrobust = await readImage(join(images, "reference", p.nonrobust));
  for (const [row, image] of [[ROBUST, robust], [NONROBUST, nonrobust]] as const) {
    const s = await score(image, p);
    s.artifacts = await nativeArtifacts(image, p);
    scored.push({ row, pair: p.id, score: s });
    // Like for like: the article's output reduced to our output size, judged as ours is.
    if (size < Math.max(image.shape[1], image.shape[2])) {
      const small = resizeToLongSide(image, size);
      const r = await score(small, p);
      r.artifacts = await nativeArtifacts(small, p);
      scored.push({ row: reducedRow(row, size), pair: p.id, score: r });
      small.dispose();
    }
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
  /** The ETA shown at a share `at` of the run, and the seconds the run then took. */
  eta?: { at: number; predicted: number; actual: number }[];
}
/** Shares of a run at which the experiment checks the ETA a user saw. */
const ETA_CHECKS = [0.1, 0.25, 0.5];
const runs: Run[] = [];
const reuse = a.reuse!;
const memory = a["memory-mb"] === undefined
  ? undefined
  : { bytes: count("memory-mb", a["memory-mb"]) * 2 ** 20, backend: a.backend! };
const previousRuns: Run[] = reuse
  ? JSON.parse(await Deno.readTextFile(join(out, "results.json"))).runs
  : [];
const started = performance.now();
/**
 * results.json with what is done so far: written after every pair, so that a long run (ResNet-50
 * on a loaded machine) leaves usable results, and `--reuse` can pick up its images, if stopped.
 */
const likeForLike = reducedRow(ROBUST, size);
const writeResults = async () => {
  const table = relativeTable(scored, judgeIds);
  const reduced = scored.some((s) => s.row === likeForLike);
  const atSize = reduced ? relativeTable(scored, judgeIds, likeForLike) : undefined;
  const meta = {
    date: new Date().toISOString(),
    size,
    iterations: iters,
    overrides,
    judgeSize,
    judges: judgeIds,
    backend: tf.getBackend(),
    seconds: (performance.now() - started) / 1000,
    ...(memory ? { memoryMb: Number(a["memory-mb"]) } : {}),
  };
  await Deno.writeTextFile(
    join(out, "results.json"),
    JSON.stringify({ meta, runs, scored, relative: table, relativeAtSize: atSize }, null, 2),
  );
  return { table, atSize, meta };
};
for (const netId of nets) {
  const net = await load(netId);
  const recipe0: RecipeInput = defaultRecipe(net, { size, iterations: iters, ...overrides });
  const parsed0 = parseRecipe(recipe0);
  // The run passes the recipe's pooling and anti-aliasing to every forward call (features.ts).
  // The article's pairs: photo | article robust | article standard | ours. Tuning pairs:
  // photo | painting | ours (each cell at the first photo's aspect ratio).
  const strip: tf.Tensor4D[][] = [];
  const tuningStrip: tf.Tensor4D[][] = [];
  for (const p of pairs) {
    // The photo and the painting at the run's sides, as the CLI reads them (runSides():
    // supersampled runs read larger); stylize() resizes the painting per scale.
    const painting = await readImage(join(images, "style", p.style), runSides(parsed0).style);
    const photo = await photoOf(p);
    const input = await runInputOf(p, parsed0.supersample ?? 1);
    const recipe: RecipeInput = {
      ...recipe0,
      content: { name: p.content.split("/").pop()! },
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
      let evaluations = 0;
      // The ETA a user saw (stylize()'s, as the CLI and the studio show it) at 10%, 25% and 50%
      // of the run, checked against the time the run then really took.
      const [, h, w] = input.shape;
      const { eta: plan } = planRun(net, parseRecipe(recipe), h, w, memory);
      const checks = ETA_CHECKS.map((at) => ({ at, elapsed: NaN, eta: NaN }));
      // The progress events, as tests/fixtures/eta/ keeps them ([iteration, elapsed ms, scale,
      // iteration in the scale]), so that the ETA can be recalibrated on this run.
      const events: [number, number, number, number][] = [];
      const { result: r, summary } = await runToEnd(
        stylize(net, { content: input, styles: [painting] }, recipe, {
          previewEvery: 0,
          ...(memory ? { memory } : {}),
          threads,
        }),
        {
          onEvent: (e) => {
            evaluations = e.evaluations;
            events.push([
              e.iteration,
              Math.round(e.elapsedMs),
              e.scale?.index ?? 0,
              e.scale?.iteration ?? e.iteration,
            ]);
            const left = e.eta.seconds;
            for (const c of checks) {
              if (Number.isNaN(c.eta) && e.iteration >= c.at * e.iterations) {
                c.elapsed = e.elapsedMs;
                c.eta = left;
              }
            }
          },
        },
      );
      result = r;
      record = {
        iterations: r.iterations,
        evaluations,
        loss: r.loss,
        seconds: summary.elapsedMs / 1000,
        eta: checks.map(({ at, elapsed, eta }) => ({
          at,
          predicted: eta,
          actual: (r.elapsedMs - elapsed) / 1000,
        })),
      };
      await Deno.writeFile(join(out, "images", name), await encodePng(result.image));
      await Deno.writeTextFile(
        join(out, "events", name.replace(/\.png$/, ".json")),
        JSON.stringify({
          net: netId,
          size,
          recipe: overrides,
          memoryMb: a["memory-mb"],
          plan: plan.scales,
          pass: plan.pass,
          threads,
          events,
        }),
      );
    }
    const s = await score(result.image, p, netId);
    s.artifacts = await nativeArtifacts(result.image, p);
    scored.push({ row: netId, pair: p.id, score: s });
    const { iterations, evaluations, loss, seconds, eta } = record;
    runs.push({
      net: netId,
      pair: p.id,
      image: `images/${name}`,
      recipe,
      iterations,
      evaluations,
      loss,
      seconds,
      ...(eta ? { eta } : {}),
    });
    console.log(
      `${netId} ${p.id}: ${iterations} iterations, ${evaluations} evaluations, ${
        seconds.toFixed(0)
      } s${previous ? " (reused)" : ""}`,
    );
    await writeResults();
    const article = articleImages.get(p.id);
    if (article) {
      strip.push([photo.full, ...article, result.image]);
      painting.dispose();
    } else tuningStrip.push([photo.full, painting, result.image]);
  }
  for (
    const [rows, file] of [[strip, `strip_${netId}.png`], [
      tuningStrip,
      `strip_${netId}_tuning.png`,
    ]] as const
  ) {
    if (!rows.length) continue;
    const stripImage = pictureStrip(rows, stripHeight);
    await Deno.writeFile(join(out, file), await encodePng(stripImage));
    stripImage.dispose();
  }
  tf.dispose([...strip.map((row) => row[3]), ...tuningStrip.flatMap((row) => row.slice(1))]);
  net.dispose();
}

const { table, atSize, meta } = await writeResults();
const stripFiles = nets.flatMap((n) => [
  ...(pairs.some((p) => p.robust)
    ? [[n, `strip_${n}.png`, "photo, article robust, article standard, ours"]]
    : []),
  ...(pairs.some((p) => !p.robust) ? [[n, `strip_${n}_tuning.png`, "photo, painting, ours"]] : []),
]);
const md = [
  "# Reference experiment (issue 12)",
  "",
  `Output ${size} px long side, ${iters} iterations, recipe overrides ${
    JSON.stringify(overrides)
  }; judged at short side ${judgeSize} px; ${meta.backend}, ${meta.seconds.toFixed(0)} s${
    memory ? `; memory budget ${a["memory-mb"]} MB per evaluation (scales over it tiled)` : ""
  }.`,
  "The optimised network never judges itself. Photo and article outputs: R. Nakano, " +
  '"Adversarially Robust Neural Style Transfer", Distill 2019, CC-BY 4.0.',
  "",
  "ETA: the time left that the CLI and the studio showed at 10% / 25% / 50% of the run, over the " +
  "time the run then took (1.00 = exact).",
  "",
  "| net | pair | iterations | evaluations | seconds | ETA / actual at 10%, 25%, 50% |",
  "|---|---|---|---|---|---|",
  ...runs.map((r) =>
    `| ${r.net} | ${r.pair} | ${r.iterations} | ${r.evaluations} | ${r.seconds.toFixed(0)} | ${
      r.eta?.map((c) => (c.predicted / c.actual).toFixed(2)).join(", ") ?? ""
    } |`
  ),
  "",
  relativeMarkdown(table, judgeIds),
  ...(atSize
    ? [
      `## Like for like: relative to the article's robust output reduced to ${size} px`,
      "",
      `The rows "${likeForLike}" and "${
        reducedRow(NONROBUST, size)
      }" above are the article's outputs ` +
      `reduced to our output size and judged as ours are: what the judge's protocol does to ` +
      `any ${size} px image. Here every row is divided by the reduced robust output instead.`,
      "",
      relativeMarkdown(atSize, judgeIds, likeForLike),
    ]
    : []),
  ...stripFiles.map(([n, file, what]) => `![${n}: ${what}](${file})`),
  "",
].join("\n");
await Deno.writeTextFile(join(out, "report.md"), md);
tf.dispose([
  ...[...photos.values()].flatMap((p) => [p.full, p.judge, p.input]),
  ...runPhotos.values(),
  ...paintingJ.values(),
  ...[...articleImages.values()].flat(),
]);
judges.forEach((j) => j.dispose());
console.log(`wrote ${join(out, "results.json")}, report.md and the strips`);
