/**
 * `deno task stylize`: the headless main job. Reads PNG/JPEG/WebP images, runs stylize() from
 * src/shared on the chosen backend with a progress bar, and writes the PNG plus a recipe JSON
 * beside it (every parameter needed to reproduce the run, the model id and manifest hash, the
 * backend and versions). On any error it prints one line, exits non-zero and writes nothing.
 */
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { encodePng, readImage, writeAtomic } from "./lib/image_io.ts";
import { loadNet } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { defaultRecipe, parseRecipe, stylize, type StylizeResult } from "../src/shared/render.ts";
import { ARCH_DEFAULTS, PRESETS } from "../src/shared/presets.ts";
import type { Recipe, RecipeInput } from "../src/shared/types.ts";
import { progressBar } from "./lib/progress.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ATELIER_VERSION = "0.1.0";

const USAGE = `deno task stylize --content C --style S [--style S2 ...] [options] --out out.png
  --net ID            installed model id (default resnet50); --models-dir DIR (static/models)
  --preset ID         start from a named preset (${PRESETS.map((p) => p.id).join(", ")})
  --recipe FILE       start from a recipe JSON (e.g. one written beside an earlier output)
  --size N            long side of the output in px (default 256)
  --iters N           iterations (default 300)
  --init content|noise          --optimizer lbfgs|adam   --lr X (adam)   --history M (lbfgs)
  --seed N            (default 1)          --backend webgpu|wasm|cpu (default wasm)
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

async function main() {
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.content) fail("--content is required\n" + USAGE);
  if (!a.style?.length) fail("--style is required\n" + USAGE);
  if (!a.out) fail("--out is required\n" + USAGE);
  const out = resolve(a.out);
  if (!/\.png$/i.test(out)) fail(`--out must end in .png, got ${a.out}`);

  let base: Partial<RecipeInput> = {};
  if (a.recipe) {
    try {
      base = JSON.parse(await Deno.readTextFile(a.recipe));
    } catch (e) {
      fail(`${a.recipe}: cannot read a recipe (${(e as Error).message})`);
    }
  }
  if (a.preset) {
    const p = PRESETS.find((p) => p.id === a.preset);
    if (!p) {
      fail(`unknown preset "${a.preset}": expected one of ${PRESETS.map((p) => p.id).join(", ")}`);
    }
    base = { ...base, ...p.recipe } as Partial<RecipeInput>;
  }
  const netId = a.net ?? base.net?.id ?? "resnet50";
  const manifestPath = join(resolve(a["models-dir"]!), netId, "manifest.json");
  try {
    await Deno.stat(manifestPath);
  } catch {
    const installed: string[] = [];
    try {
      for await (const e of Deno.readDir(resolve(a["models-dir"]!))) {
        if (e.isDirectory && !e.name.startsWith(".")) installed.push(e.name);
      }
    } catch { /* no models dir */ }
    fail(
      `unknown network "${netId}": installed are ${
        installed.sort().join(", ") || "none"
      } (deno task fetch-models)`,
    );
  }
  const backend = await useBackend(a.backend!).catch((e) => fail((e as Error).message));

  const images: tf.Tensor4D[] = [];
  let net: Net | undefined;
  try {
    const size = num("size", a.size) ?? base.size ?? 256;
    const content = await readImage(a.content, size);
    images.push(content);
    const styles: tf.Tensor4D[] = [];
    for (const s of a.style) {
      const t = await readImage(s, size);
      images.push(t);
      styles.push(t);
    }
    const sw = nums("style-weight", a["style-weight"]?.join(","));
    if (sw && sw.length !== a.style.length) {
      fail(`${sw.length} --style-weight values for ${a.style.length} --style images`);
    }
    net = await loadNet(pathToFileURL(manifestPath), {
      pooling: (a.pooling ?? base.net?.pooling ?? ARCH_DEFAULTS[netId]?.pooling) as
        | "max"
        | "avg"
        | undefined,
    });
    const arch = ARCH_DEFAULTS[net.manifest.architecture];
    const layerList = (v: string | undefined) => list(v)?.map((layer) => ({ layer, weight: 1 }));
    const tf_ = {
      ...(a.pad ? { pad: num("pad", a.pad) } : {}),
      ...(a.jitter ? { jitter: num("jitter", a.jitter) } : {}),
      ...(a.scales ? { scales: nums("scales", a.scales) } : {}),
      ...(a.angles ? { angles: nums("angles", a.angles) } : {}),
    };
    const optimizerKind = a.optimizer ?? base.optimizer?.kind ?? "lbfgs";
    if (optimizerKind !== "lbfgs" && optimizerKind !== "adam") {
      fail(`--optimizer must be lbfgs or adam, got "${optimizerKind}"`);
    }
    const recipeInput: RecipeInput = {
      ...defaultRecipe(net),
      ...base,
      version: 1,
      net: { id: net.id, sha256: net.manifestSha256, pooling: net.pooling },
      size,
      content: {
        name: a.content.split("/").pop()!,
        width: content.shape[2],
        height: content.shape[1],
      },
      styles: a.style.map((s, i) => ({ name: s.split("/").pop()!, weight: sw?.[i] ?? 1 })),
      layers: {
        content: layerList(a["content-layers"]) ?? base.layers?.content ?? arch?.layers.content ??
          [],
        style: layerList(a["style-layers"]) ?? base.layers?.style ?? arch?.layers.style ?? [],
      },
      weights: {
        ...(base.weights ?? arch?.weights ?? { content: 1, style: 1e4, tv: 0 }),
        ...(a["content-weight"] ? { content: num("content-weight", a["content-weight"]) } : {}),
        ...(a["style-scale"] ? { style: num("style-scale", a["style-scale"]) } : {}),
        ...(a.tv ? { tv: num("tv", a.tv) } : {}),
      } as Recipe["weights"],
      init: (a.init ?? base.init ?? "content") as Recipe["init"],
      iterations: num("iters", a.iters) ?? base.iterations ?? 300,
      optimizer: optimizerKind === "adam"
        ? {
          kind: "adam",
          learningRate: num("lr", a.lr) ??
            (base.optimizer?.kind === "adam" ? base.optimizer.learningRate : 0.02),
        }
        : { kind: "lbfgs", history: num("history", a.history) ?? 10 },
      seed: num("seed", a.seed) ?? base.seed ?? 1,
      param: {
        kind: (a.param ?? base.param?.kind ?? "pixel") as "pixel" | "fourier",
        decorrelate: a.decorrelate ?? base.param?.decorrelate ?? false,
      },
      ...(Object.keys(tf_).length || base.transforms
        ? { transforms: { ...(base.transforms ?? {}), ...tf_ } as Recipe["transforms"] }
        : {}),
      swag: a.swag ?? base.swag ?? false,
      run: undefined,
    };
    const recipe = parseRecipe(recipeInput);
    const bar = progressBar(recipe.iterations, { quiet: a.quiet! });
    const run = stylize(net, { content, styles }, recipe, { previewEvery: 0 });
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    Deno.addSignalListener("SIGINT", onSigint);
    let result: StylizeResult;
    try {
      for (;;) {
        const r = await run.next();
        if (r.done) {
          result = r.value;
          break;
        }
        bar.update(r.value.iteration, r.value.losses.total);
      }
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
      },
    };
    const recipePath = out.replace(/\.png$/i, ".recipe.json");
    await writeAtomic(out, png);
    await writeAtomic(recipePath, new TextEncoder().encode(JSON.stringify(final, null, 2) + "\n"));
    console.log(
      `wrote ${out} and ${recipePath}: ${result.iterations} iterations in ${
        (result.elapsedMs / 1000).toFixed(1)
      } s on ${backend}, loss ${result.loss.toPrecision(4)}`,
    );
  } finally {
    net?.dispose();
    tf.dispose(images);
  }
}

try {
  await main();
} catch (e) {
  fail((e as Error).message.split("\n")[0]);
}
