/**
 * The command line of `deno task stylize`, as a pure function from argv to the recipe layer the
 * flags ask for (plus the files and notices), so that the renames are testable without a run.
 * Flags follow jcjohnson/neural-style where they overlap (issue 12): --style-weight is the style
 * LOSS weight, --style-blend-weights the blend, --style-scale the painting's size relative to
 * the output. The old spellings still work for a while, each with a one-line notice:
 *
 * - --style-weight given several values (repeated, or a comma list): the old blend weights;
 *   a single value is the new loss weight (with a notice saying so, as it used to be a blend
 *   weight, which with one painting changed nothing);
 * - --style-scale outside 0.1..4 (e.g. 1e4): the old style loss weight; inside, the new
 *   painting size;
 * - --tv: --tv-weight; --iters and --size are kept beside --num-iterations and --image-size.
 */
import { parseArgs } from "node:util";
import { ARCH_DEFAULTS, DEFAULT_NET, PRESETS } from "../../src/shared/presets.ts";
import { MEASURED_COSTS } from "../../src/shared/tiling/plan.ts";
import {
  MAX_TV_ORDER,
  MIN_SIZE,
  RECIPE_DEFAULTS,
  type RecipeLayer,
} from "../../src/shared/recipe.ts";
import type { Recipe } from "../../src/shared/types.ts";
import { transformsActive } from "../../src/shared/transforms/compose.ts";

/**
 * The CLI's default memory budget, MB: half of WASM's 4 GB address space, which also holds
 * the weights, the images and the optimiser's history (issue 14: a one-pass 2048 px run
 * crashed it).
 */
export const DEFAULT_MEMORY_MB = 2048;

/** A flag the command line cannot use: printed as one `error:` line. */
export class FlagError extends Error {}

export const USAGE =
  `deno task stylize --content C --style S [--style S2 ...] [options] --out out.png
  --net ID            installed model id (default ${DEFAULT_NET}); --models-dir DIR (static/models)
  --preset ID         start from a named preset (${PRESETS.map((p) => p.id).join(", ")})
  --recipe FILE       start from a recipe JSON (e.g. one written beside an earlier output)
  --image-size N      long side of the output in px (default ${RECIPE_DEFAULTS.size}; also --size)
  --num-iterations N  iterations of the whole run, all scales together (default ${RECIPE_DEFAULTS.iterations}; also --iters)
  --init content|noise|image    --init-image FILE (for --init image)
  --optimizer lbfgs|adam   --lr X (adam)   --history M (lbfgs)
  --seed N            (default ${RECIPE_DEFAULTS.seed})          --backend webgpu|wasm|cpu (default wasm)
  --content-layers a,b   --style-layers a,b   (layer names of the network)
  --content-weight X  --style-weight X  --tv-weight X   (loss weights)
  --tv-order K        TV of K-th pixel differences, 1..${MAX_TV_ORDER} (default 1): a higher order
                      costs the period-2 checkerboard as much and brush strokes less
  --style-blend-weights a,b     one per --style (normalised to sum 1)
  --style-scale X     the painting's long side relative to the output's, 0.1..4 (default 1)
  --pyramid MIN[,STEP]          coarse to fine from MIN px in steps of STEP (default ${RECIPE_DEFAULTS.pyramid.minSize},${
    RECIPE_DEFAULTS.pyramid.step.toFixed(3)
  })
  --no-pyramid        one scale, also when a preset has a pyramid
  --supersample 1|2|4 run at this many times the size and reduce the result (averaging k x k
                      blocks); ResNet-50's default: 4x or 2x within a ${ARCH_DEFAULTS.resnet50.supersample?.side} px run
  --style-loss gram|meancov|sliced    the statistic as named, in place of the network's default
                      (so --style-loss gram is the plain Gram, without the default's shift)
  --style-shift X     Gram of the features plus X (Novak & Nikulin's activation shift; the shipped
                      networks' default is -3, 0 is none)
  --colour none|luminance|match[:cholesky|pca|mk]|original|palette[:cholesky|pca|mk]    --original-colors (= --colour original)
  --param pixel|fourier  --decorrelate  --pooling max|avg  --antialias
  --swag [map|channels[:T]]     SWAG softmax over the whole map or over channels, temperature T
  --jitter N --pad N --scales 0.9,1,1.1 --angles -5,0,5   (transformation robustness)
  --pad-mode constant|reflect   what the padding shows: grey (default) or the mirrored image
  --views N           fixed views: the objective averages N transform draws made once (L-BFGS
                      needs one objective); without it, a new draw per iteration
  --no-transforms     none, also where the network's default has them (MobileNet-v1's and
                      Darknet-tiny's four fixed views up to 512 px)
  --memory-mb N       memory one evaluation may use (default ${DEFAULT_MEMORY_MB}, under WASM's 4 GB heap):
                      sizes whose one pass does not fit run tiled, in bounded memory
  --tile N            force tiles of N px wherever the image is larger (tests, benchmarks)
  --exact-halo        tiled crops carry the exact halo also for ResNet-50 (slower; its default
                      96 px halo is a measured approximation, bench/large_halo.md)
  --quiet             no progress bar
Old spellings (a notice each): --tv X; --style-weight a --style-weight b (blend weights);
--style-scale X outside 0.1..4 (the style loss weight).`;

const OPTIONS = {
  content: { type: "string" },
  style: { type: "string", multiple: true },
  "style-weight": { type: "string", multiple: true },
  "style-blend-weights": { type: "string" },
  net: { type: "string" },
  "models-dir": { type: "string" },
  preset: { type: "string" },
  recipe: { type: "string" },
  size: { type: "string" },
  "image-size": { type: "string" },
  iters: { type: "string" },
  "num-iterations": { type: "string" },
  init: { type: "string" },
  "init-image": { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  history: { type: "string" },
  seed: { type: "string" },
  backend: { type: "string", default: "wasm" },
  "memory-mb": { type: "string" },
  tile: { type: "string" },
  "exact-halo": { type: "boolean" },
  "content-layers": { type: "string" },
  "style-layers": { type: "string" },
  "content-weight": { type: "string" },
  "style-scale": { type: "string" },
  "tv-weight": { type: "string" },
  "tv-order": { type: "string" },
  tv: { type: "string" },
  pyramid: { type: "string" },
  "no-pyramid": { type: "boolean" },
  supersample: { type: "string" },
  "no-transforms": { type: "boolean" },
  "style-loss": { type: "string" },
  "style-shift": { type: "string" },
  colour: { type: "string" },
  "original-colors": { type: "boolean" },
  param: { type: "string" },
  decorrelate: { type: "boolean" },
  swag: { type: "string" },
  antialias: { type: "boolean" },
  pooling: { type: "string" },
  jitter: { type: "string" },
  pad: { type: "string" },
  "pad-mode": { type: "string" },
  scales: { type: "string" },
  angles: { type: "string" },
  views: { type: "string" },
  out: { type: "string" },
  quiet: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** What the command line asks for. */
export interface StylizeArgs {
  values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
  /** The recipe layer of the flags (the network id is the caller's to set). */
  flags: RecipeLayer;
  /** One line each, for stderr: old spellings and how they were read. */
  notices: string[];
  /** The run's memory budget (not part of the recipe): bytes, a forced tile side, exact halo. */
  memory: { bytes: number; tile?: number; exactHalo?: boolean };
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) {
    throw new FlagError(`--${name} must be a number, got "${v}"`);
  }
  return n;
}
const list = (v: string | undefined) => v?.split(",").map((s) => s.trim()).filter(Boolean);
const nums = (name: string, v: string | undefined) => list(v)?.map((s) => num(name, s)!);

/** Two spellings of one flag: at most one value, or the same value twice. */
function either(a: string | undefined, b: string | undefined, names: string): string | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new FlagError(`${names} are one flag: got "${a}" and "${b}"`);
  }
  return a ?? b;
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[]) {
  if (v !== undefined && !allowed.includes(v as T)) {
    throw new FlagError(`--${name} must be ${allowed.join(", ")}, got "${v}"`);
  }
  return v as T | undefined;
}

/** `--colour MODE[:MATCH]` (and --original-colors) as a recipe's colour field. */
function colourFlag(v: string | undefined, original: boolean | undefined): Recipe["colour"] {
  if (original && v !== undefined && v !== "original") {
    throw new FlagError(`--original-colors and --colour ${v} contradict each other: give one`);
  }
  if (original) return { mode: "original", match: "pca" };
  if (v === undefined) return undefined;
  const [mode, match, extra] = v.split(":");
  oneOf("colour", mode, ["none", "luminance", "match", "original", "palette"] as const);
  if (extra !== undefined || (match !== undefined && mode !== "match" && mode !== "palette")) {
    throw new FlagError(
      `--colour "${v}": only match and palette take a method (match:cholesky|pca|mk)`,
    );
  }
  const m = oneOf("colour match", match, ["cholesky", "pca", "mk"] as const);
  return { mode: mode as NonNullable<Recipe["colour"]>["mode"], match: m ?? "pca" };
}

/** `--swag [map|channels[:T]]`: plain map with T = 1 is `true` (the boolean form). */
function swagFlag(v: string | undefined): RecipeLayer["swag"] {
  if (v === undefined) return undefined;
  const [over, t, extra] = v.split(":");
  oneOf("swag", over, ["map", "channels"] as const);
  if (extra !== undefined) throw new FlagError(`--swag "${v}": expected map|channels[:T]`);
  const temperature = num("swag temperature", t);
  if (temperature !== undefined && !(temperature > 0)) {
    throw new FlagError(`--swag temperature must be positive, got ${t}`);
  }
  if (over === "map" && (temperature ?? 1) === 1) return true;
  // The options form of SwagFieldSchema (src/shared/types.ts).
  return { over, temperature: temperature ?? 1 } as unknown as RecipeLayer["swag"];
}

/** Output sizes above which a network that cannot tile gets untiledNotice(). */
export const UNTILED_NOTICE_SIZE = 1024;

/**
 * A notice for a large run of `netId` when the planner cannot tile it (`tiles`: mayTile(), false
 * for an imported network, which has no measured per-pixel cost), or undefined: such a run holds
 * the whole image's pass in memory (README "Large outputs").
 */
export function untiledNotice(netId: string, size: number, tiles: boolean): string | undefined {
  if (size <= UNTILED_NOTICE_SIZE || tiles) return undefined;
  const tiling = Object.keys(MEASURED_COSTS);
  return `${netId} does not run tiled: a ${size} px run holds the whole image in memory and is ` +
    `slow (MobileNet-v1 untiled at 2048 px: over 4 GB, 2 iterations unfinished after 30 min); ` +
    `${tiling.slice(0, -1).join(", ")} and ${tiling.at(-1)} tile (--net ${DEFAULT_NET})`;
}

/** The flags that set a transform (each one makes the command line's `transforms`). */
const TRANSFORM_FLAGS = ["pad", "pad-mode", "jitter", "scales", "angles", "views"] as const;

/** `--no-transforms`, refused beside a flag that sets a transform. */
function transformsOff(a: Record<string, unknown>): boolean {
  if (!a["no-transforms"]) return false;
  const set = TRANSFORM_FLAGS.find((k) => a[k] !== undefined);
  if (set) throw new FlagError(`--no-transforms and --${set} contradict each other`);
  return true;
}

/** `--pyramid MIN[,STEP]` / `--no-pyramid`. */
function pyramidFlag(v: string | undefined, off: boolean | undefined): RecipeLayer["pyramid"] {
  if (off && v !== undefined) {
    throw new FlagError("--pyramid and --no-pyramid contradict each other");
  }
  if (off) return null;
  if (v === undefined) return undefined;
  const parts = nums("pyramid", v)!;
  if (parts.length < 1 || parts.length > 2) {
    throw new FlagError(`--pyramid must be MIN or MIN,STEP, got "${v}"`);
  }
  return { minSize: parts[0], ...(parts.length === 2 ? { step: parts[1] } : {}) };
}

/** A flag's value that starts with a minus: a negative number or a list led by one. */
const NEGATIVE = /^-[\d.]/;

/**
 * Reads argv. Throws FlagError on a flag it cannot use. A bare `--swag` (the old boolean flag)
 * means `--swag map`. A negative value follows its flag as any other (`--angles -5,0,5`,
 * `--style-shift -1`), which node's parseArgs would take for a flag.
 */
export function parseStylizeArgs(argv: string[]): StylizeArgs {
  const takesValue = (t: string) =>
    t.startsWith("--") && OPTIONS[t.slice(2) as keyof typeof OPTIONS]?.type === "string";
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [t, next] = [argv[i], argv[i + 1]];
    if (t === "--swag" && (next === undefined || next.startsWith("--"))) args.push("--swag=map");
    else if (takesValue(t) && next !== undefined && NEGATIVE.test(next)) {
      args.push(`${t}=${next}`);
      i++;
    } else args.push(t);
  }
  let values: StylizeArgs["values"];
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true }));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const a = values;
  const notices: string[] = [];
  const styles = a.style ?? [];

  let styleWeight: number | undefined;
  let blend = nums("style-blend-weights", a["style-blend-weights"]);
  const sw = a["style-weight"] && nums("style-weight", a["style-weight"].join(","));
  if (sw && sw.length > 1) {
    if (blend) {
      throw new FlagError(
        "--style-weight with several values is the old spelling of --style-blend-weights: give only --style-blend-weights",
      );
    }
    notices.push(
      "--style-weight with several values is read as --style-blend-weights (the old spelling); --style-weight is now the style loss weight",
    );
    blend = sw;
  } else if (sw) {
    styleWeight = sw[0];
    notices.push(
      `--style-weight ${
        sw[0]
      } is the style loss weight (it used to be the blend weights: those are --style-blend-weights now)`,
    );
  }
  if (blend && blend.length !== styles.length) {
    throw new FlagError(`${blend.length} blend weights for ${styles.length} --style images`);
  }

  let styleScale = num("style-scale", a["style-scale"]);
  const { min, max } = RECIPE_DEFAULTS.styleScale;
  if (styleScale !== undefined && !(styleScale >= min && styleScale <= max)) {
    if (styleWeight !== undefined) {
      throw new FlagError(
        `--style-scale ${styleScale} is outside ${min}..${max}, the old style loss weight, but --style-weight gives one too: drop one`,
      );
    }
    notices.push(
      `--style-scale ${styleScale} is outside ${min}..${max}: read as the style loss weight (the old meaning; now --style-weight); --style-scale is the painting's size relative to the output`,
    );
    styleWeight = styleScale;
    styleScale = undefined;
  }
  if (a.tv !== undefined) {
    if (a["tv-weight"] !== undefined) {
      throw new FlagError("--tv is the old spelling of --tv-weight: give one");
    }
    notices.push("--tv is now --tv-weight (the old spelling still works for a while)");
  }

  const optimizerKind = a.optimizer ?? (a.lr ? "adam" : a.history ? "lbfgs" : undefined);
  oneOf("optimizer", optimizerKind, ["lbfgs", "adam"] as const);
  const init = oneOf("init", a.init, ["content", "noise", "image"] as const);
  if (init === "image" && !a["init-image"]) {
    throw new FlagError("--init image needs --init-image FILE");
  }
  if (a["init-image"] && init !== "image") {
    throw new FlagError("--init-image is the start of --init image: add --init image");
  }
  const supersample = oneOf("supersample", a.supersample, ["1", "2", "4"] as const);
  const styleLoss = oneOf("style-loss", a["style-loss"], ["gram", "meancov", "sliced"] as const);
  const styleShift = num("style-shift", a["style-shift"]);
  const layerList = (v: string | undefined) => list(v)?.map((layer) => ({ layer, weight: 1 }));

  const flags: RecipeLayer = {
    net: {
      pooling: oneOf("pooling", a.pooling, ["max", "avg"] as const),
      antialias: a.antialias,
    },
    size: num("image-size", either(a["image-size"], a.size, "--image-size and --size")),
    styles: styles.map((s, i) => ({ name: s.split("/").pop()!, weight: blend?.[i] ?? 1 })),
    layers: { content: layerList(a["content-layers"]), style: layerList(a["style-layers"]) },
    weights: {
      content: num("content-weight", a["content-weight"]),
      style: styleWeight,
      tv: num("tv-weight", a["tv-weight"] ?? a.tv),
    },
    tvOrder: num("tv-order", a["tv-order"]),
    init,
    iterations: num(
      "num-iterations",
      either(a["num-iterations"], a.iters, "--num-iterations and --iters"),
    ),
    optimizer: optimizerKind === "adam"
      ? { kind: "adam", learningRate: num("lr", a.lr) }
      : optimizerKind === "lbfgs"
      ? { kind: "lbfgs", history: num("history", a.history) }
      : undefined,
    seed: num("seed", a.seed),
    param: {
      kind: oneOf("param", a.param, ["pixel", "fourier"] as const),
      decorrelate: a.decorrelate,
    },
    transforms: transformsOff(a) ? null : TRANSFORM_FLAGS.some((k) => a[k])
      ? {
        pad: num("pad", a.pad),
        padMode: oneOf("pad-mode", a["pad-mode"], ["constant", "reflect"] as const),
        jitter: num("jitter", a.jitter),
        scales: nums("scales", a.scales),
        angles: nums("angles", a.angles),
        views: num("views", a.views),
      }
      : undefined,
    swag: swagFlag(a.swag),
    style: styleLoss || styleShift !== undefined
      ? {
        ...(styleLoss && { loss: styleLoss }),
        ...(styleShift !== undefined && { shift: styleShift }),
      }
      : undefined,
    colour: colourFlag(a.colour, a["original-colors"]),
    pyramid: pyramidFlag(a.pyramid, a["no-pyramid"]),
    styleScale,
    supersample: supersample && (Number(supersample) as 1 | 2 | 4),
  };
  const memoryMb = num("memory-mb", a["memory-mb"]) ?? DEFAULT_MEMORY_MB;
  if (!(memoryMb > 0)) throw new FlagError(`--memory-mb must be > 0, got ${memoryMb}`);
  const tile = num("tile", a.tile);
  if (tile !== undefined && !(Number.isInteger(tile) && tile >= MIN_SIZE)) {
    throw new FlagError(`--tile must be a whole number of px >= ${MIN_SIZE}, got ${tile}`);
  }
  const memory = {
    bytes: memoryMb * 2 ** 20,
    ...(tile !== undefined ? { tile } : {}),
    ...(a["exact-halo"] ? { exactHalo: true } : {}),
  };
  return { values, flags, notices, memory };
}

/**
 * Refuses what the flags ask for but the assembled recipe (flags on the preset, recipe file and
 * defaults) cannot do. `--views N` draws its views from the transforms: with none that moves a
 * pixel every view is the image itself, and a run would silently be one view.
 */
export function checkAssembled(flags: RecipeLayer, recipe: Recipe): void {
  const views = flags.transforms?.views;
  if (views !== undefined && !transformsActive(recipe.transforms)) {
    throw new FlagError(
      `--views ${views} needs a transform to draw from, and none is on: add --jitter, --pad, ` +
        `--scales or --angles`,
    );
  }
}
