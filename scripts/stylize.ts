/**
 * `deno task stylize`: the headless main job. Reads PNG/JPEG/WebP images, runs stylize() from
 * src/shared on the chosen backend with a progress bar, and writes the PNG plus a recipe JSON
 * beside it (every parameter needed to reproduce the run, the model id and manifest hash, the
 * backend and versions). On any error it prints one line, exits non-zero and writes nothing.
 * Ctrl-C (SIGINT) stops the run within one objective evaluation and writes the best image so
 * far with its recipe (marked aborted), then exits with status 130.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tf, useBackend } from "./lib/tf_node.ts";
import { backendThreads, wasmThreadsCount } from "./lib/wasm_threads.ts";
import { encodePng, readImage, writeAtomic } from "./lib/image_io.ts";
import { loadNet, parseManifest } from "../src/shared/nets/loader.ts";
import type { Net } from "../src/shared/nets/net.ts";
import { makeRecipe, type RecipeLayer } from "../src/shared/recipe.ts";
import { runSides } from "../src/shared/recipe_defaults.ts";
import { stylize } from "../src/shared/render.ts";
import { mayTile } from "../src/shared/tiled_run.ts";
import { runToEnd } from "../src/shared/run.ts";
import { DEFAULT_NET, PRESETS } from "../src/shared/presets.ts";
import type { Recipe } from "../src/shared/types.ts";
import { progressBar } from "./lib/progress.ts";
import {
  checkAssembled,
  parseStylizeArgs,
  type StylizeArgs,
  untiledNotice,
  USAGE,
} from "./lib/stylize_flags.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ATELIER_VERSION = "0.1.0";

function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(1);
}

let parsed: StylizeArgs;
try {
  parsed = parseStylizeArgs(Deno.args);
} catch (e) {
  fail((e as Error).message);
}
const { values: a, flags, memory } = parsed;

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
  for (const n of parsed.notices) console.error(`notice: ${n}`);

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
  const modelsDir = a["models-dir"] ?? join(ROOT, "static", "models");
  const netId = a.net ?? preset.net?.id ?? file.net?.id ?? DEFAULT_NET;
  const manifestPath = join(resolve(modelsDir), netId, "manifest.json");
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch {
    const installed: string[] = [];
    try {
      for await (const e of Deno.readDir(resolve(modelsDir))) {
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

  // The command line's choices, on top of the preset, on top of a recipe file, on top of the
  // architecture's defaults (src/shared/recipe.ts); the images are always the command line's.
  let recipe = makeRecipe(manifest, {
    base: [{ ...file, run: undefined }, preset],
    overrides: { ...flags, net: { ...flags.net, id: manifest.id } },
  });
  checkAssembled(flags, recipe);
  // The sides the run works at: the output's times the recipe's supersampling; the paintings
  // at styleScale x that (stylize() resizes them per scale).
  const sides = runSides(recipe);
  const untiled = untiledNotice(manifest.id, sides.content, mayTile({ manifest }, memory));
  if (untiled) console.error(`notice: ${untiled}`);

  const images: tf.Tensor4D[] = [];
  let net: Net | undefined;
  try {
    const content = await readImage(a.content, recipe.size, recipe.supersample);
    images.push(content);
    const styles: tf.Tensor4D[] = [];
    for (const s of a.style) {
      const t = await readImage(s, sides.style);
      images.push(t);
      styles.push(t);
    }
    let init: tf.Tensor4D | undefined;
    if (recipe.init === "image") {
      // jcjohnson's -init_image: any size, resized to the content's (e.g. a 256 px result
      // enlarged for a 512 px run).
      const t = await readImage(a["init-image"]!, sides.content);
      init = tf.tidy(() =>
        tf.clipByValue(
          tf.image.resizeBilinear(t, [content.shape[1], content.shape[2]], false, true),
          0,
          1,
        )
      );
      t.dispose();
      images.push(init);
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
    // The last iteration's figures, redrawn with the tile a tiled evaluation is at.
    let last: {
      iteration: number;
      loss: number;
      elapsedMs: number;
      evaluations: number;
      etaSeconds?: number;
      etaApproximate?: boolean;
    } = { iteration: 0, loss: NaN, elapsedMs: 0, evaluations: 0 };
    let scaleNote = "";
    try {
      ({ result } = await runToEnd(
        stylize(net, { content, styles, init }, recipe, {
          previewEvery: 0,
          signal: ac.signal,
          memory: { ...memory, backend },
          threads: backendThreads(backend),
          onTile: (t) =>
            bar.update(last.iteration, {
              ...last,
              note: `${scaleNote}tile ${t.index + 1}/${t.count} pass ${t.pass}/2`.trim(),
            }),
        }),
        {
          onEvent: (e) => {
            last = {
              iteration: e.iteration,
              loss: e.losses.total,
              elapsedMs: e.elapsedMs,
              evaluations: e.evaluations,
              // stylize()'s ETA, also on the redraws of a tiled evaluation's tiles.
              etaSeconds: e.eta.seconds,
              etaApproximate: e.eta.approximate,
            };
            scaleNote = e.scale
              ? `scale ${e.scale.index + 1}/${e.scale.count} ${e.scale.size}px `
              : "";
            bar.update(e.iteration, {
              ...last,
              note: (scaleNote + (e.tiles ? `${e.tiles} tiles` : "")).trim() || undefined,
            });
          },
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
        ...(recipe.pyramid || result.scales.some((s) => s.tiles) ? { scales: result.scales } : {}),
      },
    };
    const recipePath = out.replace(/\.png$/i, ".recipe.json");
    await writeAtomic(out, png);
    await writeAtomic(recipePath, new TextEncoder().encode(JSON.stringify(final, null, 2) + "\n"));
    const how = `${result.iterations} iterations (${result.evaluations} evaluations) in ${
      (result.elapsedMs / 1000).toFixed(1)
    } s on ${backend === "wasm" ? `wasm (${wasmThreadsCount()} threads)` : backend}, loss ${
      result.loss.toPrecision(4)
    }`;
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
