/**
 * Objectives as named, weighted, summable loss terms (after lucid's `objectives.py`): a term
 * maps a net's feature map and the image being optimised to a scalar, and an objective sums
 * weighted terms while keeping each weighted term visible for progress reports. Nothing here
 * knows about networks: the caller runs the net and passes its features.
 */
import * as tf from "@tensorflow/tfjs-core";
import { layeredContentLoss } from "./content.ts";
import { type FeatureMap, type GramMap, layeredStyleLoss, type LayerWeightLike } from "./style.ts";
import { checkTvOrder, tvLoss } from "./tv.ts";
import { layeredStatisticLoss, type StyleStatistic, type StyleTargetMap } from "./statistic.ts";

/** One named loss term; `fn` returns the unweighted value (caller of `fn` disposes it). */
export interface LossTerm {
  name: string;
  weight: number;
  fn: (features: FeatureMap, image: tf.Tensor4D) => tf.Scalar;
}

/** Value of an objective: the total and every term, each already multiplied by its weight. */
export interface ObjectiveValue {
  total: tf.Scalar;
  terms: Record<string, tf.Scalar>;
}

/**
 * An objective: call it inside `tf.tidy`/`tf.grad`, or dispose `total` and every term.
 * Terms of weight 0 are not computed: they read as a constant 0.
 */
export type Objective = (features: FeatureMap, image: tf.Tensor4D) => ObjectiveValue;

/** Sums weighted terms into an objective; term names must be unique. */
export function sumTerms(terms: readonly LossTerm[]): Objective {
  const seen = new Set<string>();
  for (const term of terms) {
    if (seen.has(term.name)) {
      throw new RangeError(`Loss term "${term.name}" appears twice: names must be unique`);
    }
    if (!Number.isFinite(term.weight)) {
      throw new RangeError(`Loss term "${term.name}" has weight ${term.weight}: expected finite`);
    }
    seen.add(term.name);
  }
  const list = [...terms];
  return (features, image) => {
    const out: Record<string, tf.Scalar> = {};
    for (const term of list) {
      out[term.name] = term.weight === 0
        ? tf.scalar(0)
        : tf.tidy(() => tf.mul(term.fn(features, image), term.weight));
    }
    const values = Object.values(out);
    const total = values.length === 0
      ? tf.scalar(0)
      : values.length === 1
      ? tf.clone(values[0])
      : tf.addN(values) as tf.Scalar;
    return { total, terms: out };
  };
}

/** Options of {@link buildStyleObjective}. */
export interface StyleObjectiveOptions {
  /** The content image's features at each content layer (caller keeps and disposes them). */
  contentTargets: FeatureMap;
  /**
   * Target Grams at each style layer, from `styleTargets()` (caller keeps and disposes).
   * Needed unless `style` is given.
   */
  styleGrams?: GramMap;
  /**
   * Another style statistic and its targets from `statisticTargets()` (caller keeps and
   * disposes them); replaces `styleGrams`. Default: the Gram loss on `styleGrams`.
   */
  style?: { statistic: StyleStatistic; targets: StyleTargetMap };
  /** Content layers and their weights (may be empty: texture synthesis). */
  contentLayers: readonly LayerWeightLike[];
  /** Style layers and their weights. */
  styleLayers: readonly LayerWeightLike[];
  /** Weights of the three terms (a Recipe's `weights`): Gatys's α, β and a TV weight. */
  weights: { content: number; style: number; tv: number };
  /** The TV term's difference order (a Recipe's `tvOrder`; tvLoss()); default 1. */
  tvOrder?: number;
}

/**
 * The style-transfer objective of Gatys et al. 2016, eq. 7 plus total variation:
 * `α·Σ w_l content_l + β·Σ w_l style_l + γ·TV(image)` (TV of order `tvOrder`), with terms
 * named "content", "style" and "tv". Every layer named in `contentLayers`/`styleLayers` must
 * have a target; a missing one throws now, not at the first iteration.
 */
export function buildStyleObjective(options: StyleObjectiveOptions): Objective {
  const { contentTargets, styleGrams, contentLayers, styleLayers, weights, style } = options;
  const tvOrder = options.tvOrder ?? 1;
  checkTvOrder(tvOrder);
  if (!style && !styleGrams) {
    throw new RangeError("buildStyleObjective() needs styleGrams or style: got neither");
  }
  for (const { layer } of contentLayers) {
    if (!Object.hasOwn(contentTargets, layer)) {
      throw new RangeError(
        `No content target for layer "${layer}": compute it from the content image`,
      );
    }
  }
  for (const { layer } of styleLayers) {
    if (style && !Object.hasOwn(style.targets, layer)) {
      throw new RangeError(
        `No ${style.statistic.kind} style target for layer "${layer}": compute it with statisticTargets()`,
      );
    }
    if (!style && !Object.hasOwn(styleGrams!, layer)) {
      throw new RangeError(`No style Gram for layer "${layer}": compute it with styleTargets()`);
    }
  }
  return sumTerms([
    {
      name: "content",
      weight: weights.content,
      fn: (features) =>
        layeredContentLoss(features, { targets: contentTargets, layers: contentLayers }),
    },
    {
      name: "style",
      weight: weights.style,
      fn: (features) =>
        style
          ? layeredStatisticLoss(style.statistic, features, {
            targets: style.targets,
            layers: styleLayers,
          })
          : layeredStyleLoss(features, { grams: styleGrams!, layers: styleLayers }),
    },
    { name: "tv", weight: weights.tv, fn: (_features, image) => tvLoss(image, tvOrder) },
  ]);
}
