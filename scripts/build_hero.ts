/**
 * The first visit's hero strip: a few example photo x painting pairs painted by Atelier itself
 * with the default recipe (makeRecipe() with only the network chosen: whatever presets.ts and
 * recipe_defaults.ts say when this runs) on darknet-tiny, the cheapest backbone, at the default
 * size. `deno task hero` paints the pairs through the command-line face (scripts/stylize.ts, the
 * same run driver) into .cache/hero/ (git-ignored), one WebP and its recipe per pair, named by
 * a hash of the recipe, the network's manifest and the input files. `deno task build` never
 * paints: heroFromCache() copies the cached pictures whose hash still matches into the build and
 * skips the others, so a changed default or painting drops a picture until `deno task hero`
 * runs again. The pictures derive from ../shared/images and are never committed; without
 * ../shared or the cache the strip is simply absent.
 *
 *   deno run -A scripts/build_hero.ts [--force]
 */
import sharp from "sharp";
import type { HeroImage, Source } from "./build_examples.ts";
import { SOURCES } from "./build_examples.ts";
import { makeRecipe } from "../src/shared/recipe.ts";

const ROOT = new URL("../", import.meta.url);
const CACHE = new URL(".cache/hero/", ROOT);
const NET = "darknet-tiny";

/** The painted pairs: ids of build_examples.ts SOURCES, a photo then a painting. */
export const HERO_PAIRS: [content: string, style: string][] = [
  ["chelsea", "starry-night"],
  ["coffee", "the-scream"],
  ["astronaut", "woman-with-hat"],
];

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One pair, resolved against the files at hand. */
export interface HeroJob {
  content: Source;
  style: Source;
  contentPath: string;
  stylePath: string;
  /** Hash of the recipe, the manifest and both input files: the cache name. */
  key: string;
  iterations: number;
}

/**
 * The pairs whose inputs and network exist here, with their cache keys; the others are left
 * out with a note on stderr.
 */
export async function heroJobs(
  opts: { imagesDir?: URL; modelsDir?: URL } = {},
): Promise<HeroJob[]> {
  const images = opts.imagesDir ?? new URL("../shared/images/", ROOT);
  const models = opts.modelsDir ?? new URL("static/models/", ROOT);
  let manifestText: string;
  try {
    manifestText = await Deno.readTextFile(new URL(`${NET}/manifest.json`, models));
  } catch {
    console.error(`hero: ${NET} is not installed (deno task fetch-models): no hero strip`);
    return [];
  }
  const manifest = JSON.parse(manifestText) as { id: string; architecture: string };
  // The same layering as `deno task stylize --net darknet-tiny` with no other flag.
  const recipe = makeRecipe(manifest, { overrides: { net: { id: manifest.id } } });
  const jobs: HeroJob[] = [];
  for (const [c, s] of HERO_PAIRS) {
    const content = SOURCES.find((x) => x.id === c)!;
    const style = SOURCES.find((x) => x.id === s)!;
    const contentPath = new URL(content.file, images).pathname;
    const stylePath = new URL(style.file, images).pathname;
    let inputs: string;
    try {
      inputs = [
        await sha256Hex(await Deno.readFile(contentPath)),
        await sha256Hex(await Deno.readFile(stylePath)),
      ].join(":");
    } catch {
      console.error(`hero: ${content.file} or ${style.file} not found: pair ${c} x ${s} skipped`);
      continue;
    }
    const key = (await sha256Hex(
      new TextEncoder().encode(JSON.stringify({ recipe, manifestText, inputs })),
    )).slice(0, 16);
    jobs.push({ content, style, contentPath, stylePath, key, iterations: recipe.iterations });
  }
  return jobs;
}

function caption(j: HeroJob): Pick<HeroImage, "caption" | "credit"> {
  return {
    caption: `${j.content.title} painted as ${j.style.title}`,
    credit: `painted by Atelier (${NET}, default recipe, ${j.iterations} iterations); ` +
      `photo: ${j.content.credit} (${j.content.licence}); ` +
      `painting: ${j.style.credit} (${j.style.licence})`,
  };
}

/**
 * Copies the cached hero pictures that match today's recipe and inputs into `outDir` (a flat
 * served folder) and returns them for examples.json. Paints nothing.
 */
export async function heroFromCache(
  outDir: URL,
  opts: { cacheDir?: URL; imagesDir?: URL; modelsDir?: URL } = {},
): Promise<HeroImage[]> {
  const cache = opts.cacheDir ?? CACHE;
  const jobs = await heroJobs(opts);
  const hero: HeroImage[] = [];
  let stale = 0;
  for (const j of jobs) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(new URL(`${j.key}.webp`, cache));
    } catch {
      stale++;
      continue;
    }
    const name = `hero-${j.content.id}-${j.style.id}-${j.key}.webp`;
    await Deno.writeFile(new URL(name, outDir), bytes);
    hero.push({ image: `/${name}`, ...caption(j) });
  }
  if (stale) {
    console.error(`hero: ${stale} of ${jobs.length} pictures not painted yet (deno task hero)`);
  }
  return hero;
}

/** Names in the hero cache, for the client build's input hash (a new picture rebuilds). */
export async function heroCacheNames(cacheDir: URL = CACHE): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(cacheDir)) names.push(e.name);
  } catch { /* no cache yet */ }
  return names.sort();
}

/** Paints the pairs missing from the cache (all with `force`) through `deno task stylize`. */
export async function paintHero(opts: { force?: boolean } = {}): Promise<number> {
  await Deno.mkdir(CACHE, { recursive: true });
  let painted = 0;
  for (const j of await heroJobs()) {
    const webp = new URL(`${j.key}.webp`, CACHE);
    if (!opts.force && await Deno.stat(webp).then(() => true, () => false)) continue;
    const png = new URL(`${j.key}.png`, CACHE).pathname;
    const started = performance.now();
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("scripts/stylize.ts", ROOT).pathname,
        "--net",
        NET,
        "--content",
        j.contentPath,
        "--style",
        j.stylePath,
        "--out",
        png,
        "--quiet",
      ],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!run.success) throw new Error(`hero: painting ${j.content.id} x ${j.style.id} failed`);
    await Deno.writeFile(webp, new Uint8Array(await sharp(png).webp({ quality: 82 }).toBuffer()));
    await Deno.remove(png);
    painted++;
    console.log(
      `hero: ${j.content.id} x ${j.style.id} in ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s`,
    );
  }
  return painted;
}

if (import.meta.main) {
  const n = await paintHero({ force: Deno.args.includes("--force") });
  console.log(`hero: ${n} picture(s) painted into ${CACHE.pathname}`);
}
