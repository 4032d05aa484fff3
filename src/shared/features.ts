/**
 * Feature extraction for a run: what the network sees of an image (after the iteration's random
 * transform, the recipe's anti-aliasing and optional SWAG smoothing), and the style-transfer
 * objective of a recipe with its targets (content features, the recipe's style statistic of
 * the blended paintings) computed once from the input images.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  buildStyleObjective,
  createStyleStatistic,
  type FeatureMap,
  type Objective,
  type ObjectiveValue,
  type StyleTargetMap,
} from "./losses/mod.ts";
import type { Net } from "./nets/net.ts";
import { atLeastMinSize } from "./image.ts";
import { iterationSeed } from "./init.ts";
import { createRng } from "./random.ts";
import type { RunImages } from "./recipe.ts";
import { swagOptionsOf, swagScaled, type SwagSetting } from "./smoothing/swag.ts";
import {
  fixedViews,
  standardTransforms,
  type Transform,
  transformsActive,
} from "./transforms/mod.ts";
import type { Recipe, TransformsSpec } from "./types.ts";

/** Options of features(). */
export interface FeaturesOptions {
  /**
   * SWAG smoothing (Wang et al. 2021), a Recipe's `swag` field: off, true (the whole-map
   * softmax at T = 1) or its options. Default off.
   */
  swag?: SwagSetting;
  /** Anti-aliased forward pass (a Recipe's `net.antialias`). Default off. */
  antialias?: boolean;
  /** Pooling of the max-pool layers (a Recipe's `net.pooling`). Default: the Net's setting. */
  pooling?: "max" | "avg";
}

/**
 * Feature maps of `image` at `layers`, after optional SWAG smoothing. swagScaled() multiplies
 * the softmax by the size of its domain so that entries average 1 and the same loss weights
 * work with and without SWAG. Caller disposes.
 */
export function features(
  net: Net,
  image: tf.Tensor4D,
  layers: string[],
  options: FeaturesOptions = {},
): FeatureMap {
  const raw = net.forward(image, layers, {
    antialias: options.antialias ?? false,
    pooling: options.pooling,
  });
  const swag = swagOptionsOf(options.swag);
  if (!swag) return raw;
  const out: FeatureMap = {};
  for (const [k, v] of Object.entries(raw)) out[k] = swagScaled(v, swag);
  tf.dispose(Object.values(raw));
  return out;
}

/**
 * The features() options of a recipe: its SWAG, anti-aliasing and pooling settings. The recipe
 * decides, whatever the net was loaded with (the studio's worker keeps one net for all runs).
 */
export function featuresOptionsOf(recipe: Recipe): FeaturesOptions {
  return {
    swag: recipe.swag,
    antialias: recipe.net.antialias ?? false,
    pooling: recipe.net.pooling,
  };
}

/** A seeded view of images: the transform drawn from `seed`, kept at the network minimum. */
export type View = (image: tf.Tensor4D, seed: number) => tf.Tensor4D;

/** The view of a transforms spec (the identity without one). */
export function createView(spec: TransformsSpec | undefined): View {
  if (!transformsActive(spec)) return (image) => image;
  const transform: Transform = standardTransforms(spec);
  return (image, seed) => atLeastMinSize(transform(image, createRng(seed)));
}

/** The objective of a style-transfer run; owns its targets. */
export interface RunObjective {
  /**
   * Starts an iteration with its transform seed. With transforms the content target is
   * recomputed: jitter and scale change the feature map's size, so it must see the same view.
   */
  begin(seed: number): void;
  /** The weighted terms at `image` under the current seed; call inside tidy/grad. */
  evaluate(image: tf.Tensor4D): ObjectiveValue;
  dispose(): void;
}

/** The layers a run's pass reads: the content layers, then the style layers not among them. */
export function runLayers(recipe: Pick<Recipe, "layers">): string[] {
  return [...new Set([...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer))];
}

/**
 * The objective of `recipe` over `images` (validated by validateRun() first: nothing is
 * allocated for an invalid run). The caller disposes it.
 */
export function createRunObjective(net: Net, images: RunImages, recipe: Recipe): RunObjective {
  const contentLayers = recipe.layers.content.map((l) => l.layer);
  const styleLayers = recipe.layers.style.map((l) => l.layer);
  const allLayers = runLayers(recipe);
  const view = createView(recipe.transforms);
  const opts = featuresOptionsOf(recipe);
  const octaves = recipe.style?.octaves ?? 1;
  const contentTargetsFor = (seed: number): FeatureMap =>
    contentLayers.length
      ? tf.tidy(() => features(net, view(images.content, seed), contentLayers, opts))
      : {};
  // The sliced statistic's random directions follow the recipe's seed.
  const statistic = createStyleStatistic(recipe.style, { seed: recipe.seed });
  const blend = recipe.styles.map((s) => s.weight);
  // Style statistics are size-free: a thin style image is simply enlarged to the network
  // minimum. One layer at a time, so that only one layer's features of every painting live.
  // One set of targets per octave, from the paintings reduced like the image.
  const styleTargets: StyleTargetMap[] = [];
  try {
    for (let k = 0; k < octaves; k++) {
      const targets: StyleTargetMap = {};
      styleTargets.push(targets);
      for (const layer of styleLayers) {
        targets[layer] = tf.tidy(() =>
          statistic.targets(
            images.styles.map((s) =>
              features(net, atLeastMinSize(reduceOctaves(s, k)), [layer], opts)[layer]
            ),
            blend,
          )
        );
      }
    }
  } catch (e) {
    tf.dispose(styleTargets.flatMap((t) => Object.values(t)));
    throw e;
  }
  // Each octave's share of the style weight: the style term is their mean.
  const octaveWeights = { content: 0, style: recipe.weights.style / octaves, tv: 0 };
  const coarse = styleTargets.slice(1).map((targets) =>
    buildStyleObjective({
      contentTargets: {},
      style: { statistic, targets },
      contentLayers: [],
      styleLayers: recipe.layers.style,
      weights: octaveWeights,
    })
  );
  // One objective per view: the iteration's draw, or the recipe's fixed views (drawn once).
  interface ViewObjective {
    seed: number;
    contentTargets: FeatureMap;
    objective: Objective;
  }
  const views = fixedViews(recipe.transforms);
  const fixedSeeds = views
    ? Array.from({ length: views }, (_, k) => viewSeed(recipe.seed, k))
    : undefined;
  const viewObjective = (seed: number): ViewObjective => {
    const contentTargets = contentTargetsFor(seed);
    return {
      seed,
      contentTargets,
      objective: buildStyleObjective({
        contentTargets,
        style: { statistic, targets: styleTargets[0] },
        contentLayers: recipe.layers.content,
        styleLayers: recipe.layers.style,
        weights: { ...recipe.weights, style: octaveWeights.style },
        tvOrder: recipe.tvOrder,
      }),
    };
  };
  let current: ViewObjective[] = [];
  const release = () => tf.dispose(current.map((v) => Object.values(v.contentTargets)));
  const begin = (s: number) => {
    // Without a transform that moves a pixel, or with fixed views, the content targets never
    // change.
    if (current.length && (!transformsActive(recipe.transforms) || fixedSeeds)) return;
    release();
    current = [];
    for (const seed of fixedSeeds ?? [s]) current.push(viewObjective(seed));
  };
  const evaluateView = (image: tf.Tensor4D, v: ViewObjective): ObjectiveValue => {
    const seen = view(image, v.seed);
    const fine = v.objective(features(net, seen, allLayers, opts), image);
    if (!coarse.length) return fine;
    const style = [fine.terms.style];
    const total = [fine.total];
    // Each octave halves the one before (not the full image again).
    let reduced = seen;
    coarse.forEach((o) => {
      reduced = reduceOctaves(reduced, 1);
      const r = o(features(net, atLeastMinSize(reduced), styleLayers, opts), image);
      style.push(r.terms.style);
      total.push(r.total);
    });
    return {
      total: tf.addN(total) as tf.Scalar,
      terms: { ...fine.terms, style: tf.addN(style) as tf.Scalar },
    };
  };
  return {
    begin,
    evaluate(image) {
      if (!current.length) throw new Error("RunObjective.evaluate() before begin()");
      if (current.length === 1) return evaluateView(image, current[0]);
      // The mean over the views, term by term.
      const values = current.map((v) => evaluateView(image, v));
      const mean = (xs: tf.Scalar[]) => tf.div(tf.addN(xs), values.length) as tf.Scalar;
      const terms: Record<string, tf.Scalar> = {};
      for (const k of Object.keys(values[0].terms)) terms[k] = mean(values.map((v) => v.terms[k]));
      return { total: mean(values.map((v) => v.total)), terms };
    },
    dispose: () => {
      release();
      tf.dispose(styleTargets.flatMap((t) => Object.values(t)));
    },
  };
}

/** The seed of fixed view `k` (apart from the iterations' seeds). */
export function viewSeed(seed: number, k: number): number {
  return iterationSeed(seed ^ 0x71e5, k);
}

/**
 * `image` reduced `k` octaves: 2x2 average pooling `k` times (each halving the size, odd edges
 * dropped); `k` = 0 is `image` itself. Caller disposes a reduced image.
 */
export function reduceOctaves(image: tf.Tensor4D, k: number): tf.Tensor4D {
  let out = image;
  for (let i = 0; i < k; i++) {
    const next = tf.avgPool(out, 2, 2, "valid") as tf.Tensor4D;
    if (out !== image) out.dispose();
    out = next;
  }
  return out;
}
