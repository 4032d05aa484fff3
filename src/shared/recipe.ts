/**
 * The one way to get a validated Recipe: the network architecture's defaults, then an optional
 * base (a preset's recipe, a recipe file, a remix), then the caller's overrides, parsed by
 * RecipeSchema. Defaults are looked up by the manifest's architecture, never by model id, so
 * that an imported model (robust-resnet50-l2-3) gets its architecture's layers and pooling.
 * validateRun() checks a recipe against the loaded network and images before any work starts.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { checkImage } from "./image.ts";
import type { Net } from "./nets/net.ts";
import { ARCH_DEFAULTS, type ArchDefaults } from "./presets.ts";
import {
  describeIssues,
  MAX_SIZE,
  MIN_SIZE,
  OptimizerSchema,
  ParamSchema,
  type Recipe,
  type RecipeInput,
  RecipeSchema,
  TransformsSchema,
} from "./types.ts";

export { MAX_SIZE, MIN_SIZE };

/** What a recipe takes when neither the architecture, the base nor the caller says. */
export const RECIPE_DEFAULTS = {
  size: 256,
  iterations: 100,
  init: "content",
  optimizer: OptimizerSchema.parse({ kind: "lbfgs" }),
  /** Adam's step size when a caller switches to Adam without giving one. */
  adam: OptimizerSchema.parse({ kind: "adam" }) as { kind: "adam"; learningRate: number },
  seed: 1,
  param: ParamSchema.parse({}),
  /** No transformation robustness: the plain Gatys setting. */
  transforms: TransformsSchema.parse({}),
} as const;

/** The images of a run: NHWC [1, h, w, 3] RGB in [0, 1]; the output has the content's size. */
export interface RunImages {
  content: tf.Tensor4D;
  styles: tf.Tensor4D[];
  /** Initial image for init "image" (content size). */
  init?: tf.Tensor4D;
}

/** Validates a recipe input, throwing a RangeError that lists every problem. */
export function parseRecipe(input: RecipeInput): Recipe {
  const parsed = RecipeSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(`Invalid recipe: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The defaults of an architecture (ModelManifest.architecture), or undefined. */
export function archDefaults(architecture: string): ArchDefaults | undefined {
  return Object.hasOwn(ARCH_DEFAULTS, architecture) ? ARCH_DEFAULTS[architecture] : undefined;
}

/** The network a recipe is for: its id and architecture (a manifest has both). */
export interface RecipeNet {
  id: string;
  architecture: string;
}

/** One layer of a recipe: any field, and any field of a nested object, may be left out. */
export type RecipeLayer = {
  [K in keyof RecipeInput]?: NonNullable<RecipeInput[K]> extends infer V
    ? V extends readonly unknown[] ? V : V extends object ? { [P in keyof V]?: V[P] } : V
    : never;
};

/** Options of assembleRecipe() and makeRecipe(). */
export interface RecipeOptions {
  /**
   * A preset's recipe, a recipe file or a remix, on top of the architecture defaults; a list
   * applies in order (each on top of the one before).
   */
  base?: RecipeLayer | RecipeLayer[];
  /** The caller's choices: on top of the base. Nested objects merge one level deep. */
  overrides?: RecipeLayer;
}

/**
 * Merges recipe layers: nested objects one level deep (undefined fields keep the value below),
 * an optimizer only of the same kind; `undefined` at the top level keeps the value below.
 */
function merge(into: RecipeLayer, from: RecipeLayer = {}): RecipeLayer {
  const out: Record<string, unknown> = { ...into };
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    const old = out[k];
    const nested = ["net", "layers", "weights", "param", "transforms"].includes(k) ||
      (k === "optimizer" && (old as { kind?: string })?.kind === (v as { kind: string }).kind);
    const defined = (o: object) => Object.entries(o).filter(([, x]) => x !== undefined);
    out[k] = nested && old && typeof old === "object"
      ? Object.fromEntries([...defined(old), ...defined(v as object)])
      : v;
  }
  return out as RecipeLayer;
}

/**
 * The recipe input for `net`: architecture defaults < base < overrides, unvalidated (the studio
 * builds one while the user edits; makeRecipe() validates). The network id is always `net.id`.
 */
export function assembleRecipe(net: RecipeNet, opts: RecipeOptions = {}): RecipeInput {
  const d = archDefaults(net.architecture);
  const defaults: RecipeLayer = {
    version: 1,
    net: { id: net.id, pooling: d?.pooling ?? "max" },
    size: RECIPE_DEFAULTS.size,
    content: { name: "content" },
    styles: [{ name: "style", weight: 1 }],
    ...(d ? { layers: d.layers, weights: d.weights } : {}),
    init: RECIPE_DEFAULTS.init,
    iterations: RECIPE_DEFAULTS.iterations,
    optimizer: RECIPE_DEFAULTS.optimizer,
    seed: RECIPE_DEFAULTS.seed,
  };
  const bases = Array.isArray(opts.base) ? opts.base : [opts.base];
  const r = merge(
    [...bases].reduce((acc: RecipeLayer, b) => merge(acc, b), defaults),
    opts.overrides,
  );
  // Switching to Adam without a step size takes Adam's default, not L-BFGS's fields.
  if (r.optimizer?.kind === "adam" && !("learningRate" in r.optimizer)) {
    r.optimizer = RECIPE_DEFAULTS.adam;
  }
  return { ...r, net: { ...r.net!, id: net.id } } as RecipeInput;
}

/** A validated recipe for `net`: architecture defaults < base < overrides. */
export function makeRecipe(net: RecipeNet, opts: RecipeOptions = {}): Recipe {
  const d = archDefaults(net.architecture);
  const r = assembleRecipe(net, opts);
  if (!d && !r.layers) {
    throw new RangeError(
      `No defaults for architecture "${net.architecture}": give the layers and weights`,
    );
  }
  return parseRecipe(r);
}

/** A recipe with the network's architecture defaults and `overrides`. */
export function defaultRecipe(
  net: { manifest: RecipeNet },
  overrides: RecipeLayer = {},
): Recipe {
  return makeRecipe(net.manifest, { overrides });
}

/** Checks the recipe against the network and images before any work (or allocation) starts. */
export function validateRun(net: Net, images: RunImages, recipe: Recipe): void {
  if (recipe.net.id !== net.id) {
    throw new RangeError(`Recipe asks for network "${recipe.net.id}" but "${net.id}" is loaded`);
  }
  for (const { layer } of [...recipe.layers.content, ...recipe.layers.style]) {
    if (net.layer(layer).kind !== "feature") {
      throw new RangeError(`Layer "${layer}" is the classifier output: pick feature layers`);
    }
  }
  checkImage("Content image", images.content);
  if (images.styles.length !== recipe.styles.length) {
    throw new RangeError(
      `${images.styles.length} style images given, the recipe lists ${recipe.styles.length}`,
    );
  }
  images.styles.forEach((s, i) => {
    if (s.rank !== 4 || s.shape[0] !== 1 || s.shape[3] !== 3) {
      throw new RangeError(`Style image ${i + 1} has shape [${s.shape}]: expected [1, h, w, 3]`);
    }
  });
  if (!(recipe.styles.reduce((a, s) => a + s.weight, 0) > 0)) {
    throw new RangeError(
      "Style image weights sum to 0: give at least one style image a positive weight",
    );
  }
  const { content, style, tv } = recipe.weights;
  if (!(content + style + tv > 0)) {
    throw new RangeError("Loss weights are all 0: give content, style or tv a positive weight");
  }
  if (recipe.init === "image") {
    if (!images.init) throw new RangeError('init "image" needs an initial image');
    checkImage("Initial image", images.init);
    if (
      images.init.shape[1] !== images.content.shape[1] ||
      images.init.shape[2] !== images.content.shape[2]
    ) {
      throw new RangeError(
        `Initial image is ${images.init.shape[2]}x${
          images.init.shape[1]
        }: expected the content size ${images.content.shape[2]}x${images.content.shape[1]}`,
      );
    }
  }
}
