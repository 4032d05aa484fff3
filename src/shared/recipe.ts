/**
 * The one way to get a validated Recipe: the network architecture's defaults, then an optional
 * base (a preset's recipe, a recipe file, a remix), then the caller's overrides, parsed by
 * RecipeSchema. Defaults are looked up by the manifest's architecture, never by model id, so
 * that an imported model (robust-resnet50-l2-3) gets its architecture's layers and pooling.
 * validateRun() checks a recipe against the loaded network and images before any work starts.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { Net } from "./nets/net.ts";
import {
  archDefaults,
  assembleRecipe,
  type RecipeNet,
  type RecipeOptions,
} from "./recipe_defaults.ts";
import {
  describeIssues,
  MAX_SIZE,
  MIN_SIZE,
  type Recipe,
  type RecipeInput,
  RecipeSchema,
} from "./types.ts";

export * from "./recipe_defaults.ts";
export { MAX_SIZE, MIN_SIZE };

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
  const { size, supersample = 1 } = parsed.data;
  if (size * supersample > MAX_SIZE) {
    throw new RangeError(
      `Invalid recipe: size ${size} x supersample ${supersample} is over ${MAX_SIZE} px: ` +
        `pick a smaller size or supersample 1`,
    );
  }
  return parsed.data;
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
  overrides: RecipeOptions["overrides"] = {},
): Recipe {
  return makeRecipe(net.manifest, { overrides });
}

/**
 * Throws unless `image` is [1, h, w, 3] with both sides at least MIN_SIZE. (Here, not in
 * image.ts, so that the studio page can import recipe.ts without tfjs.)
 */
export function checkImage(what: string, image: { rank: number; shape: number[] }): void {
  const [n, h, w, c] = image.shape;
  if (image.rank !== 4 || n !== 1 || c !== 3) {
    throw new RangeError(`${what} has shape [${image.shape}]: expected [1, h, w, 3]`);
  }
  if (h < MIN_SIZE || w < MIN_SIZE) {
    throw new RangeError(`${what} is ${w}x${h}: the minimum is ${MIN_SIZE} px per side`);
  }
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
