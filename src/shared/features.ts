/**
 * Feature extraction for a run: what the network sees of an image (after the iteration's random
 * transform and optional SWAG smoothing), and the style-transfer objective of a recipe with its
 * targets (content features, blended style Grams) computed once from the input images.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  buildStyleObjective,
  type FeatureMap,
  gram,
  type GramMap,
  type Objective,
  type ObjectiveValue,
} from "./losses/mod.ts";
import type { Net } from "./nets/net.ts";
import { atLeastMinSize } from "./image.ts";
import { createRng } from "./random.ts";
import type { RunImages } from "./recipe.ts";
import { swag } from "./smoothing/swag.ts";
import { standardTransforms, type Transform } from "./transforms/mod.ts";
import type { Recipe, TransformsSpec } from "./types.ts";

/**
 * Feature maps, after optional SWAG smoothing (Wang et al. 2021). SWAG's softmax over a whole
 * layer sums to 1, so its entries are about 1/(h·w·c); multiplying by h·w·c brings them back
 * to mean 1, so that the same loss weights work with and without SWAG.
 */
export function features(
  net: Net,
  image: tf.Tensor4D,
  layers: string[],
  smooth = false,
): FeatureMap {
  const raw = net.forward(image, layers);
  if (!smooth) return raw;
  const out: FeatureMap = {};
  for (const [k, v] of Object.entries(raw)) out[k] = tf.mul(swag(v), v.size);
  return out;
}

/** A seeded view of images: the transform drawn from `seed`, kept at the network minimum. */
export type View = (image: tf.Tensor4D, seed: number) => tf.Tensor4D;

/** The view of a transforms spec (the identity without one). */
export function createView(spec: TransformsSpec | undefined): View {
  if (!spec) return (image) => image;
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

/**
 * The objective of `recipe` over `images` (validated by validateRun() first: nothing is
 * allocated for an invalid run). The caller disposes it.
 */
export function createRunObjective(net: Net, images: RunImages, recipe: Recipe): RunObjective {
  const contentLayers = recipe.layers.content.map((l) => l.layer);
  const styleLayers = recipe.layers.style.map((l) => l.layer);
  const allLayers = [...new Set([...contentLayers, ...styleLayers])];
  const view = createView(recipe.transforms);
  const contentTargetsFor = (seed: number): FeatureMap =>
    contentLayers.length
      ? tf.tidy(() => features(net, view(images.content, seed), contentLayers, recipe.swag))
      : {};
  // Gram matrices are size-free: a thin style image is simply enlarged to the network minimum.
  const styleGrams: GramMap = tf.tidy(() => {
    const weights = recipe.styles.map((s) => s.weight);
    const sum = weights.reduce((a, b) => a + b, 0);
    const out: GramMap = {};
    for (const layer of styleLayers) {
      const parts = images.styles.map((s, i) =>
        tf.mul(
          gram(features(net, atLeastMinSize(s), [layer], recipe.swag)[layer]),
          weights[i] / sum,
        )
      );
      out[layer] = (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor2D;
    }
    return out;
  });
  let seed = 0;
  let contentTargets: FeatureMap | undefined;
  let objective: Objective | undefined;
  const begin = (s: number) => {
    seed = s;
    // Without transforms the content target never changes: compute it once.
    if (contentTargets && !recipe.transforms) return;
    if (contentTargets) tf.dispose(Object.values(contentTargets));
    contentTargets = contentTargetsFor(s);
    objective = buildStyleObjective({
      contentTargets,
      styleGrams,
      contentLayers: recipe.layers.content,
      styleLayers: recipe.layers.style,
      weights: recipe.weights,
    });
  };
  return {
    begin,
    evaluate(image) {
      if (!objective) throw new Error("RunObjective.evaluate() before begin()");
      return objective(features(net, view(image, seed), allLayers, recipe.swag), image);
    },
    dispose: () => tf.dispose([Object.values(contentTargets ?? {}), Object.values(styleGrams)]),
  };
}
