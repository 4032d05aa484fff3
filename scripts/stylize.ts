/**
 * `deno task stylize`: the headless main job. Reads PNG/JPEG/WebP images, runs stylize() from
 * src/shared on the chosen backend with a progress bar, and writes the PNG plus a recipe JSON
 * beside it (every parameter needed to reproduce the run, the model id and manifest hash, the
 * backend and versions). On any error it prints one line, exits non-zero and writes nothing.
 * Ctrl-C (SIGINT) stops the run within one objective evaluation and writes the best image so
 * far with its recipe (marked aborted), then exits with status 130.
 */
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { encodePng, readImage, writeAtomic } from "./lib/image_io.ts";
import { loadNet, parseManifest } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { makeRecipe, RECIPE_DEFAULTS, type RecipeLayer } from "../src/shared/recipe.ts";
import { stylize } from "../src/shared/render.ts";
import { runToEnd } from "../src/shared/run.ts";
import { PRESETS } from "../src/shared/presets.ts";
import type { Recipe } from "../src/shared/types.ts";
import { progressBar } from "./lib/progress.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ATELIER_VERSION = "0.1.0";

const USAGE = `deno task stylize --content C --style S [--style S2 ...] [options] --out out.png
  --net ID            installed model id (default resnet50); --models-dir DIR (static/models)
  --preset ID         start from a named preset (${PRESETS.map((p) => p.id).join(", ")})
  --recipe FILE       start from a recipe JSON (e.g. one written beside an earlier output)
  --size N            long side of the output in px (default ${RECIPE_DEFAULTS.size})
  --iters N           iterations (default ${RECIPE_DEFAULTS.iterations})
  --init content|noise          --optimizer lbfgs|adam   --lr X (adam)   --history M (lbfgs)
  --seed N            (default ${RECIPE_DEFAULTS.seed})          --backend webgpu|wasm|cpu (default wasm)
  --style-weight W    one per --style (blend weights)
  --content-layers a,b   --style-layers a,b   (layer names of the network)
  --content-weight X  --style-scale X  --tv X   (loss weights)
  --param pixel|fourier  --decorrelate  --swag  --pooling max|avg
  --jitter N --pad N --scales 0.9,1,1.1 --angles -5,0,5   (transformation robustness)
  --quiet             no progress bar`;

function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(1);
}

const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    content: { type: "string" },
    style: { type: "string", multiple: true },
    "style-weight": { type: "string", multiple: true },
    net: { type: "string" },
    "models-dir": { type: "string", default: join(ROOT, "static", "models") },
    preset: { type: "string" },
    recipe: { type: "string" },
    size: { type: "string" },
    iters: { type: "string" },
    init: { type: "string" },
    optimizer: { type: "string" },
    lr: { type: "string" },
    history: { type: "string" },
    seed: { type: "string" },
    backend: { type: "string", default: "wasm" },
    "content-layers": { type: "string" },
    "style-layers": { type: "string" },
    "content-weight": { type: "string" },
    "style-scale": { type: "string" },
    tv: { type: "string" },
    param: { type: "string" },
    decorrelate: { type: "boolean" },
    swag: { type: "boolean" },
    pooling: { type: "string" },
    jitter: { type: "string" },
    pad: { type: "string" },
    scales: { type: "string" },
    angles: { type: "string" },
    out: { type: "string" },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${v}"`);
  return n;
}
const list = (v: string | undefined) => v?.split(",").map((s) => s.trim()).filter(Boolean);
const nums = (name: string, v: string | undefined) => list(v)?.map((s) => num(name, s)!);

async function main(): Promise<number> {
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  if (!a.content) fail("--content is required\n" + USAGE);
  if (!a.style?.length) fail("--style is required\n" + USAGE);
  if (!a.out) fail("--out is required\n" + USAGE);
  const out = resolve(a.out);
  if (!/\.png$/i.test(out)) fail(`--out must end in .png, got ${a.out}`);

  let file: RecipeLayer = {};
  if (a.recipe) {
    try {
      file = JSON.parse(await Deno.readTextFile(a.recipe));
    } catch (e) {
      fail(`${a.recipe}: cannot read a recipe (${(e as Error).message})`);
    }
  }
  let preset: RecipeLayer = {};
  if (a.preset) {
    const p = PRESETS.find((p) => p.id === a.preset);
    if (!p) {
      fail(`unknown preset "${a.preset}": expected one of ${PRESETS.map((p) => p.id).join(", ")}`);
    }
    preset = p.recipe as RecipeLayer;
  }
  const netId = a.net ?? preset.net?.id ?? file.net?.id ?? "resnet50";
  const manifestPath = join(resolve(a["models-dir"]!), netId, "manifest.json");
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch {
    const installed: string[] = [];
    try {
      for await (const e of Deno.readDir(resolve(a["models-dir"]!))) {
        if ((e.isDirectory || e.isSymlink) && !e.name.startsWith(".")) installed.push(e.name);
      }
    } catch { /* no models dir */ }
    fail(
      `unknown network "${netId}": installed are ${
        installed.sort().join(", ") || "none"
      } (deno task fetch-models)`,
    );
  }
  const manifest = parseManifest(manifestJson, manifestPath);
  const backend = await useBackend(a.backend!).catch((e) => fail((e as Error).message));

  const sw = nums("style-weight", a["style-weight"]?.join(","));
  if (sw && sw.length !== a.style.length) {
    fail(`${sw.length} --style-weight values for ${a.style.length} --style images`);
  }
  const layerList = (v: string | undefined) => list(v)?.map((layer) => ({ layer, weight: 1 }));
  const optimizerKind = a.optimizer ?? (a.lr ? "adam" : a.history ? "lbfgs" : undefined);
  if (optimizerKind && optimizerKind !== "lbfgs" && optimizerKind !== "adam") {
    fail(`--optimizer must be lbfgs or adam, got "${optimizerKind}"`);
  }
  // The command line's choices, on top of the preset, on top of a recipe file, on top of the
  // architecture's defaults (src/shared/recipe.ts); the images are always the command line's.
  const flags: RecipeLayer = {
    net: { id: manifest.id, pooling: a.pooling as "max" | "avg" | undefined },
    size: num("size", a.size),
    styles: a.style.map((s, i) => ({ name: s.split("/").pop()!, weight: sw?.[i] ?? 1 })),
    layers: { content: layerList(a["content-layers"]), style: layerList(a["style-layers"]) },
    weights: {
      content: num("content-weight", a["content-weight"]),
      style: num("style-scale", a["style-scale"]),
      tv: num("tv", a.tv),
    },
    init: a.init as Recipe["init"] | undefined,
    iterations: num("iters", a.iters),
    optimizer: optimizerKind === "adam"
      ? { kind: "adam", learningRate: num("lr", a.lr) }
      : optimizerKind === "lbfgs"
      ? { kind: "lbfgs", history: num("history", a.history) }
      : undefined,
    seed: num("seed", a.seed),
    param: { kind: a.param as "pixel" | "fourier" | undefined, decorrelate: a.decorrelate },
    transforms: a.pad || a.jitter || a.scales || a.angles
      ? {
        pad: num("pad", a.pad),
        jitter: num("jitter", a.jitter),
        scales: nums("scales", a.scales),
        angles: nums("angles", a.angles),
      }
      : undefined,
    swag: a.swag,
  };
  let recipe = makeRecipe(manifest, {
    base: [{ ...file, run: undefined }, preset],
    overrides: flags,
  });

  const images: tf.Tensor4D[] = [];
  let net: Net | undefined;
  try {
    const content = await readImage(a.content, recipe.size);
    images.push(content);
    const styles: tf.Tensor4D[] = [];
    for (const s of a.style) {
      const t = await readImage(s, recipe.size);
      images.push(t);
      styles.push(t);
    }
    net = await loadNet(pathToFileURL(manifestPath), { pooling: recipe.net.pooling });
    recipe = {
      ...recipe,
      net: { ...recipe.net, sha256: net.manifestSha256 },
      content: {
        name: a.content.split("/").pop()!,
        width: content.shape[2],
        height: content.shape[1],
      },
    };
    const bar = progressBar(recipe.iterations, { quiet: a.quiet! });
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    Deno.addSignalListener("SIGINT", onSigint);
    let result;
    try {
      ({ result } = await runToEnd(
        stylize(net, { content, styles }, recipe, { previewEvery: 0, signal: ac.signal }),
        {
          onEvent: (e) =>
            bar.update(e.iteration, {
              loss: e.losses.total,
              elapsedMs: e.elapsedMs,
              evaluations: e.evaluations,
            }),
        },
      ));
    } finally {
      Deno.removeSignalListener("SIGINT", onSigint);
      bar.done();
    }
    const png = await encodePng(result.image);
    result.image.dispose();
    const final: Recipe = {
      ...recipe,
      run: {
        backend,
        tfjs: tf.version.tfjs,
        atelier: ATELIER_VERSION,
        elapsedMs: Math.round(result.elapsedMs),
        finalLoss: result.loss,
        iterations: result.iterations,
        evaluations: result.evaluations,
        ...(result.aborted ? { aborted: true } : {}),
      },
    };
    const recipePath = out.replace(/\.png$/i, ".recipe.json");
    await writeAtomic(out, png);
    await writeAtomic(recipePath, new TextEncoder().encode(JSON.stringify(final, null, 2) + "\n"));
    const how = `${result.iterations} iterations (${result.evaluations} evaluations) in ${
      (result.elapsedMs / 1000).toFixed(1)
    } s on ${backend}, loss ${result.loss.toPrecision(4)}`;
    if (result.aborted) {
      console.log(
        `stopped by Ctrl-C after ${result.iterations} of ${recipe.iterations} iterations: wrote the best image so far to ${out} and ${recipePath}: ${how}`,
      );
      return 130;
    }
    console.log(`wrote ${out} and ${recipePath}: ${how}`);
    return 0;
  } finally {
    net?.dispose();
    tf.dispose(images);
  }
}

try {
  const code = await main();
  if (code) Deno.exit(code);
} catch (e) {
  fail((e as Error).message.split("\n")[0]);
}
