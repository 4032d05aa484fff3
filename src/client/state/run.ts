/**
 * One run from the page's side: turns settings and input images into a recipe and RGBA
 * buffers, runs it in the worker and packages the result (PNG + recipe with provenance).
 * Studio and Compare both run through here.
 */
import type { ModelSummary, RecipeInput } from "../../shared/types.ts";
import type { RawImage } from "../protocol.ts";
import type { Engine } from "./engine.ts";
import { type InputImage, MAX_SIDE, rawToPng, toRaw } from "./images.ts";
import { buildRecipe, type Settings } from "./settings.ts";

export interface StyleInput {
  image: InputImage;
  weight: number;
}

/** A finished run. */
export interface RunOutput {
  raw: RawImage;
  png: Blob;
  recipe: RecipeInput;
  aborted: boolean;
  /**
   * PNGs of the exact pixels the engine was given (content, then styles): what a share
   * uploads so that a remix re-runs bit for bit. Saved with the last result in IndexedDB;
   * absent only on a result saved before they were.
   */
  inputs?: { content: Blob; styles: Blob[] };
}

/** Options of runRecipe(). */
export interface RunOptions {
  backend: string;
  previewEvery?: number;
}

/** Runs `settings` on `model`; undefined when the worker refused the size (it says why). */
export async function runRecipe(
  engine: Engine,
  job: { settings: Settings; model: ModelSummary; content: InputImage; styles: StyleInput[] },
  opts: RunOptions,
): Promise<RunOutput | undefined> {
  const { settings, model, content, styles } = job;
  const recipe = buildRecipe({ ...settings, modelId: model.id }, model.architecture, {
    content: { name: content.name, width: content.width, height: content.height },
    styles: styles.map((s) => ({ name: s.image.name, weight: s.weight })),
  });
  recipe.net = { ...recipe.net, sha256: model.manifestSha256 };
  // Inputs go at their decoded size (at most MAX_SIDE): the worker resizes them with the
  // engine's inputImage(), the function the command line uses, so one recipe sees the same
  // pixels on both faces (a browser-side reduction would differ from it).
  const raws = await Promise.all(
    [content, ...styles.map((s) => s.image)].map((i) => toRaw(i, MAX_SIDE)),
  );
  // rawToPng copies the pixels before it returns: engine.run transfers (detaches) the buffers.
  const pngs = Promise.all(raws.map(rawToPng));
  const result = await engine.run(recipe, raws[0], raws.slice(1), opts.previewEvery ?? 5);
  if (!result) return undefined;
  const [contentPng, ...stylePngs] = await pngs;
  recipe.run = {
    backend: opts.backend,
    tfjs: "4.22.0",
    elapsedMs: Math.round(result.elapsedMs),
    finalLoss: Number.isFinite(result.loss) ? result.loss : undefined,
    iterations: result.iterations,
    evaluations: result.evaluations,
    ...(result.aborted ? { aborted: true } : {}),
    ...(recipe.pyramid ? { scales: result.scales } : {}),
  };
  return {
    raw: result.image,
    png: await rawToPng(result.image),
    recipe,
    aborted: result.aborted,
    inputs: { content: contentPng, styles: stylePngs },
  };
}

/** Saves a file through a temporary link. */
export function download(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
