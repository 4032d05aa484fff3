/**
 * stylize(): the optimisation loop of Gatys et al. 2016 as an async generator shared by the
 * browser worker, the CLI and the tests. It yields a progress event per iteration (each loss
 * term, elapsed time, a preview every N iterations), stops promptly on an AbortSignal and then
 * returns the best image so far, and is deterministic for a given seed, backend and inputs:
 * every random draw (noise init, transforms) comes from the recipe's seed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { buildStyleObjective, type FeatureMap, gram, type GramMap } from "./losses/mod.ts";
import type { Net } from "./nets/net.ts";
import { createOptimizer, type Optimizer } from "./optim/mod.ts";
import { createParameterization, type Parameterization } from "./param/mod.ts";
import { ARCH_DEFAULTS } from "./presets.ts";
import { createRng } from "./random.ts";
import { swag } from "./smoothing/swag.ts";
import { standardTransforms } from "./transforms/mod.ts";
import { describeIssues, type Recipe, type RecipeInput, RecipeSchema } from "./types.ts";

/** The images of a run: NHWC [1, h, w, 3] RGB in [0, 1]; the output has the content's size. */
export interface StylizeImages {
  content: tf.Tensor4D;
  styles: tf.Tensor4D[];
  /** Initial image for init "image" (content size). */
  init?: tf.Tensor4D;
}

/** Options of stylize(). */
export interface StylizeOptions {
  signal?: AbortSignal;
  /** Attach a preview image every N iterations (default 10; 0 for none). */
  previewEvery?: number;
}

/** Loss values of one iteration, each already weighted. */
export interface LossValues {
  total: number;
  content: number;
  style: number;
  tv: number;
}

/** RGBA pixels for display. */
export interface PreviewImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** One progress event per iteration. */
export interface StylizeEvent {
  iteration: number;
  iterations: number;
  losses: LossValues;
  elapsedMs: number;
  /** Objective evaluations so far (L-BFGS line searches may take several per iteration). */
  evaluations: number;
  preview?: PreviewImage;
}

/** What stylize() returns: the best image so far (caller disposes it). */
export interface StylizeResult {
  image: tf.Tensor4D;
  iterations: number;
  loss: number;
  aborted: boolean;
  elapsedMs: number;
}

/** Thrown inside the objective to unwind an iteration when the run is aborted. */
class Aborted extends Error {}

/** Validates a recipe input, throwing a RangeError that lists every problem. */
export function parseRecipe(input: RecipeInput): Recipe {
  const parsed = RecipeSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(`Invalid recipe: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** A recipe with the network's architecture defaults, for the given images. */
export function defaultRecipe(
  net: { manifest: { id: string; architecture: string } },
  overrides: Partial<RecipeInput> = {},
): Recipe {
  const d = ARCH_DEFAULTS[net.manifest.architecture];
  if (!d) throw new RangeError(`No defaults for architecture "${net.manifest.architecture}"`);
  return parseRecipe({
    version: 1,
    net: { id: net.manifest.id, pooling: d.pooling },
    size: 256,
    content: { name: "content" },
    styles: [{ name: "style", weight: 1 }],
    layers: d.layers,
    weights: d.weights,
    init: "content",
    iterations: 100,
    optimizer: { kind: "lbfgs", history: 10 },
    seed: 1,
    ...overrides,
  });
}

/** Resizes so that the long side is `size` px (bilinear, aligned corners off). Caller disposes. */
export function resizeToLongSide(image: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, h, w] = image.shape;
  const scale = size / Math.max(h, w);
  const nh = Math.max(1, Math.round(h * scale));
  const nw = Math.max(1, Math.round(w * scale));
  if (nh === h && nw === w) return tf.clone(image);
  return tf.tidy(() => tf.clipByValue(tf.image.resizeBilinear(image, [nh, nw], false, true), 0, 1));
}

/** Converts a [1, h, w, 3] image in [0, 1] to RGBA bytes. */
export async function toRgba(image: tf.Tensor4D): Promise<PreviewImage> {
  const [, height, width] = image.shape;
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(image, 0, 1), 255)), "int32"));
  const rgb = await bytes.data();
  bytes.dispose();
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  return { width, height, rgba };
}

function checkImage(what: string, image: tf.Tensor): void {
  const [n, h, w, c] = image.shape;
  if (image.rank !== 4 || n !== 1 || c !== 3) {
    throw new RangeError(`${what} has shape [${image.shape}]: expected [1, h, w, 3]`);
  }
  if (h < 32 || w < 32) throw new RangeError(`${what} is ${w}x${h}: the minimum is 32 px per side`);
}

/** Checks the recipe against the network and images before any work starts. */
export function validateRun(net: Net, images: StylizeImages, recipe: Recipe): void {
  if (recipe.net.id !== net.id) {
    throw new RangeError(`Recipe asks for network "${recipe.net.id}" but "${net.id}" is loaded`);
  }
  for (const { layer } of [...recipe.layers.content, ...recipe.layers.style]) net.layer(layer);
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

/**
 * Feature maps, after optional SWAG smoothing (Wang et al. 2021). SWAG's softmax over a whole
 * layer sums to 1, so its entries are about 1/(h·w·c); multiplying by h·w·c brings them back
 * to mean 1, so that the same loss weights work with and without SWAG.
 */
function features(net: Net, image: tf.Tensor4D, layers: string[], smooth: boolean): FeatureMap {
  const raw = net.forward(image, layers);
  if (!smooth) return raw;
  const out: FeatureMap = {};
  for (const [k, v] of Object.entries(raw)) out[k] = tf.mul(swag(v), v.size);
  return out;
}

/**
 * Enlarges a transformed image whose short side fell below the network minimum (e.g. lucid's
 * 0.95 scale on a 32 px side). halfPixelCenters stays off: the WASM gradient ignores it.
 */
export function atLeastMinSize(x: tf.Tensor4D, min = 32): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h >= min && w >= min) return x;
  const k = min / Math.min(h, w);
  return tf.image.resizeBilinear(x, [Math.ceil(h * k), Math.ceil(w * k)]);
}

/** Initial flat parameter vector. Caller disposes. */
function initialFlat(param: Parameterization, images: StylizeImages, recipe: Recipe): tf.Tensor1D {
  if (recipe.init === "content" || recipe.init === "image") {
    const src = recipe.init === "content" ? images.content : images.init!;
    // Keep sigmoid-squashed parameterisations invertible: stay inside (0, 1).
    return tf.tidy(() => param.fromImage(tf.clipByValue(src, 0.01, 0.99)));
  }
  // Gaussian noise, seeded: N(0.5, 0.15^2) in pixel space (Gatys et al.'s white-noise start),
  // or small N(0, 0.01^2) spectrum/colour coefficients (lucid's param.image).
  const rng = createRng(recipe.seed ^ 0x5eed);
  if (recipe.param.kind === "pixel" && !recipe.param.decorrelate) {
    const v = new Float32Array(param.size);
    for (let i = 0; i < v.length; i++) v[i] = Math.min(1, Math.max(0, 0.5 + 0.15 * rng.normal()));
    return tf.tensor1d(v);
  }
  const v = new Float32Array(param.size);
  for (let i = 0; i < v.length; i++) v[i] = 0.01 * rng.normal();
  return tf.tensor1d(v);
}

/**
 * Runs style transfer. Yields a StylizeEvent per iteration; returns the best image so far
 * (lowest total loss), also when aborted. Throws RangeError on invalid input before any work.
 */
export async function* stylize(
  net: Net,
  images: StylizeImages,
  recipeInput: RecipeInput,
  opts: StylizeOptions = {},
): AsyncGenerator<StylizeEvent, StylizeResult, void> {
  const recipe = parseRecipe(recipeInput);
  validateRun(net, images, recipe);
  const started = performance.now();
  const previewEvery = opts.previewEvery ?? 10;
  const contentLayers = recipe.layers.content.map((l) => l.layer);
  const styleLayers = recipe.layers.style.map((l) => l.layer);
  const allLayers = [...new Set([...contentLayers, ...styleLayers])];
  const [, h, w] = images.content.shape;

  const transform = recipe.transforms ? standardTransforms(recipe.transforms) : undefined;
  const seedOf = (iteration: number) => (recipe.seed * 1_000_003 + iteration) >>> 0;
  // The content target must see the same transform as the image (jitter and scale change the
  // feature map's size), so with transforms it is recomputed once per iteration.
  const contentTargetsFor = (seed: number): FeatureMap =>
    contentLayers.length
      ? tf.tidy(() => {
        const seen = transform
          ? atLeastMinSize(transform(images.content, createRng(seed)))
          : images.content;
        return features(net, seen, contentLayers, recipe.swag);
      })
      : {};
  let contentTargets = contentTargetsFor(seedOf(0));
  // Gram matrices are size-free, so a thin style image is simply enlarged to the network minimum.
  const styleInputs = images.styles.map((s) => {
    const [, sh, sw] = s.shape;
    const k = Math.max(1, 32 / Math.min(sh, sw));
    return k === 1
      ? s
      : tf.tidy(() =>
        tf.image.resizeBilinear(s, [Math.ceil(sh * k), Math.ceil(sw * k)], false, true)
      );
  });
  const styleGrams: GramMap = tf.tidy(() => {
    const weights = recipe.styles.map((s) => s.weight);
    const sum = weights.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) throw new RangeError("Style weights sum to 0: expected a positive sum");
    const out: GramMap = {};
    for (const layer of styleLayers) {
      const parts = styleInputs.map((s, i) =>
        tf.mul(gram(features(net, s, [layer], recipe.swag)[layer]), weights[i] / sum)
      );
      out[layer] = (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor2D;
    }
    return out;
  });
  tf.dispose(styleInputs.filter((s, i) => s !== images.styles[i]));
  const objectiveFor = (targets: FeatureMap) =>
    buildStyleObjective({
      contentTargets: targets,
      styleGrams,
      contentLayers: recipe.layers.content,
      styleLayers: recipe.layers.style,
      weights: recipe.weights,
    });
  let objective = objectiveFor(contentTargets);
  const param = createParameterization(recipe.param, h, w);
  let x = initialFlat(param, images, recipe);
  let best = tf.clone(x);
  let bestLoss = Infinity;
  let lastTerms: LossValues = { total: NaN, content: NaN, style: NaN, tv: NaN };
  // One transform draw per iteration, replayed for every evaluation within it, so that the
  // L-BFGS line search sees one consistent function.
  let iterationSeed = seedOf(0);
  const signal = opts.signal;

  // Term values are kept out of the gradient's scope and read back asynchronously: WebGPU has
  // no synchronous readback.
  let kept: [string, tf.Scalar][] = [];
  const valueAndGrad = tf.valueAndGrad((flat: tf.Tensor1D) => {
    const image = param.toImage(flat);
    const seen = transform ? atLeastMinSize(transform(image, createRng(iterationSeed))) : image;
    const value = objective(features(net, seen, allLayers, recipe.swag), image);
    kept = Object.entries(value.terms).map(([k, v]) => [k, tf.keep(v)]);
    return value.total;
  });

  const closure = async (flat: tf.Tensor1D) => {
    // A macrotask turn per evaluation lets an abort (a timer, a worker message) arrive.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (signal?.aborted) throw new Aborted();
    const { value, grad } = tf.tidy(() => valueAndGrad(flat));
    const terms = kept;
    kept = [];
    try {
      const values = await Promise.all([value, ...terms.map(([, t]) => t)].map((t) => t.data()));
      const loss = values[0][0];
      lastTerms = { total: loss, content: 0, style: 0, tv: 0 };
      terms.forEach(([k, _], i) => {
        (lastTerms as unknown as Record<string, number>)[k] = values[i + 1][0];
      });
      return { loss, grad: grad as tf.Tensor1D };
    } finally {
      tf.dispose([value, terms.map(([, t]) => t)]);
    }
  };

  let optimizer: Optimizer | undefined;
  let iteration = 0;
  let evaluations = 0;
  let aborted = false;
  try {
    optimizer = createOptimizer(recipe.optimizer, closure);
    for (iteration = 0; iteration < recipe.iterations;) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      iterationSeed = seedOf(iteration);
      if (transform && iteration > 0) {
        tf.dispose(Object.values(contentTargets));
        contentTargets = contentTargetsFor(iterationSeed);
        objective = objectiveFor(contentTargets);
      }
      let step;
      try {
        step = await optimizer.step(x);
      } catch (e) {
        if (e instanceof Aborted) {
          aborted = true;
          break;
        }
        throw e;
      }
      if (step.x !== x) {
        x.dispose();
        x = step.x;
      }
      iteration++;
      evaluations += step.info.evaluations;
      if (Number.isFinite(step.loss) && step.loss < bestLoss) {
        bestLoss = step.loss;
        best.dispose();
        best = tf.clone(x);
      }
      const event: StylizeEvent = {
        iteration,
        iterations: recipe.iterations,
        losses: { ...lastTerms, total: step.loss },
        elapsedMs: performance.now() - started,
        evaluations,
      };
      if (previewEvery > 0 && (iteration % previewEvery === 0 || iteration === recipe.iterations)) {
        const img = tf.tidy(() => param.toImage(x));
        event.preview = await toRgba(img);
        img.dispose();
      }
      yield event;
      if (step.done) break;
    }
    const image = tf.tidy(() =>
      tf.clipByValue(param.toImage(bestLoss < Infinity ? best : x), 0, 1)
    );
    return {
      image,
      iterations: iteration,
      loss: bestLoss,
      aborted,
      elapsedMs: performance.now() - started,
    };
  } finally {
    optimizer?.dispose();
    x.dispose();
    best.dispose();
    param.dispose();
    tf.dispose([Object.values(contentTargets), Object.values(styleGrams)]);
  }
}
