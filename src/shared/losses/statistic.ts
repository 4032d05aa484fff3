/**
 * Style statistics behind one interface, so that the run loop can swap the Gram matrix of
 * Gatys et al. for other summaries of a layer's feature distribution: a statistic turns the
 * style images' features into a target once, and scores the output's features against it at
 * every evaluation.
 *
 * Normalisation, so that per-layer weights mean the same thing for every kind and layer: each
 * loss is an average, never a sum over pixels, so it does not grow with the image size. "gram"
 * keeps today's numbers (`Σ(G − A)²/c²`, see style.ts). "meancov" and "sliced" are squared
 * distances in activation units averaged over channels (meancov: W₂²/c) or over projections
 * and pixels (sliced): for features of typical magnitude a both are about a², whatever c is.
 */
import * as tf from "@tensorflow/tfjs-core";
import { pick, weightedOverLayers } from "./_util.ts";
import { meancovStatistic } from "./meancov.ts";
import { slicedStatistic } from "./sliced.ts";
import {
  type FeatureMap,
  gram,
  gramLoss,
  type LayerWeightLike,
  normaliseWeights,
} from "./style.ts";

/** A statistic's precomputed target for one layer; `tf.dispose(target)` frees it. */
export type StyleTarget = tf.NamedTensorMap;
/** Targets by layer name. */
export type StyleTargetMap = Record<string, StyleTarget>;

/** Names of the style statistics (a Recipe's `style.loss`). */
export type StyleStatisticKind = "gram" | "meancov" | "sliced";

/** One way to summarise a layer's style and compare an output with it. */
export interface StyleStatistic {
  readonly kind: StyleStatisticKind;
  /**
   * The target of one layer from each style image's features there (`[1, h, w, c]` each; the
   * sizes may differ), blended with `blend` (one weight per image, normalised to sum 1).
   * Caller disposes.
   */
  targets(featuresPerStyle: readonly tf.Tensor4D[], blend?: readonly number[]): StyleTarget;
  /** Loss of one layer's output features against its target. Differentiable. Caller disposes. */
  loss(features: tf.Tensor4D, target: StyleTarget): tf.Scalar;
}

/**
 * The Gram statistic: target `A = Σ_k ŵ_k G_k`, loss `Σ(G − A)²/c²` (gramLoss()), optionally
 * relative to its target (`relative`, {@link relativeGramStatistic}) and of the features plus
 * `shift` (shiftFeatures()). The target also carries `meanSquare` = Σ A²/c², made once here
 * rather than at every evaluation of gramLoss()'s kernel form. Shifted features share a large
 * offset, which that form's difference of sums cancels in float32 (Darknet-tiny's conv14 at
 * 256x171, chelsea against The Starry Night: the value 0.3% off at shift -3, 3% at -10), so
 * they always take the Gram form.
 */
function gramStatisticOf(relative: boolean, shift: number): StyleStatistic {
  return {
    kind: "gram",
    targets(featuresPerStyle, blend) {
      const w = normaliseWeights(featuresPerStyle.length, blend);
      return tf.tidy(() => {
        const parts = featuresPerStyle.map((f, k) => tf.mul(gram(shiftFeatures(f, shift)), w[k]));
        const a = parts.length === 1 ? parts[0] : tf.addN(parts);
        const meanSquare = tf.mean(tf.square(a));
        const target: StyleTarget = { gram: a, meanSquare };
        if (relative) {
          target.norm = tf.where(tf.greater(meanSquare, 0), meanSquare, tf.onesLike(meanSquare));
        }
        return target;
      });
    },
    loss(features, target) {
      return tf.tidy(() => {
        const loss = gramLoss(
          shiftFeatures(features, shift),
          target.gram as tf.Tensor2D,
          target.meanSquare as tf.Scalar | undefined,
          { form: shift ? "gram" : "auto" },
        );
        return relative ? tf.div(loss, target.norm) : loss;
      });
    },
  };
}

/**
 * Gatys et al.'s Gram statistic exactly as style.ts computes it. The default: the numbers match
 * layeredStyleLoss().
 */
export const gramStatistic: StyleStatistic = gramStatisticOf(false, 0);

/**
 * The Gram statistic relative to its target: per layer `Σ(G − A)²/ΣA²` (computed as
 * `mean((G − A)²)/mean(A²)`, the same ratio). Gram entries of a ReLU net shrink by orders of
 * magnitude with depth under the `/c²` scaling (Darknet-tiny on starry_night: 2.4e-2 at conv2
 * down to 1e-7), so equal layer weights in effect use only the first layer; relative to the
 * target every layer starts at 1 for a blank output, and the loss no longer depends on the
 * painting's overall activation size. A target that is all zeros (a layer dead on the
 * painting) keeps the absolute loss: there is nothing to be relative to.
 */
export const relativeGramStatistic: StyleStatistic = gramStatisticOf(true, 0);

/** What selects a statistic (a Recipe's `style` field). */
export interface StyleStatisticSpec {
  loss: StyleStatisticKind;
  /**
   * "channels" (default): the statistic's own scale; "target": each layer's loss divided by
   * its target's size ({@link relativeGramStatistic}; Gram only so far).
   */
  normalize?: "channels" | "target";
  /** Sliced: number of random projections K (default 64). */
  projections?: number;
  /** Meancov: Newton–Schulz iterations of the matrix square root (default 15). */
  iterations?: number;
  /**
   * Gram: activation shift (Novak & Nikulin 2016), added to every feature first. The other
   * statistics are shift-invariant and ignore it.
   */
  shift?: number;
}

/** Options of {@link createStyleStatistic}. */
export interface CreateStyleStatisticOptions {
  /** Seed of the sliced statistic's random directions (a Recipe's seed). Default 0. */
  seed?: number;
}

/** The statistic a spec names; no spec means "gram". */
export function createStyleStatistic(
  spec: StyleStatisticSpec | undefined,
  options: CreateStyleStatisticOptions = {},
): StyleStatistic {
  const relative = spec?.normalize === "target";
  if (relative && spec?.loss !== "gram") {
    throw new RangeError(
      `Style normalize "target" is implemented for the gram loss only, not "${spec?.loss}": use normalize "channels"`,
    );
  }
  // Mean + covariance and sliced Wasserstein compare both sides' features shifted alike, which
  // moves neither distance: the shift is the Gram statistic's alone.
  const shift = spec?.shift ?? 0;
  switch (spec?.loss ?? "gram") {
    case "gram":
      if (shift) return gramStatisticOf(relative, shift);
      return relative ? relativeGramStatistic : gramStatistic;
    case "meancov":
      return meancovStatistic({ iterations: spec?.iterations });
    case "sliced":
      return slicedStatistic({ projections: spec?.projections, seed: options.seed });
    default:
      throw new RangeError(
        `Unknown style loss "${spec?.loss}": expected "gram", "meancov" or "sliced"`,
      );
  }
}

/**
 * A style layer's features as the Gram statistic sees them: plus `shift` (a Recipe's
 * `style.shift`, Novak & Nikulin 2016), or `features` itself when there is none. The one
 * definition of the shift, for the whole-image statistic and the tiled Gram sums alike. A new
 * tensor only when shifted; the caller disposes it then (or runs this in a tidy).
 */
export function shiftFeatures(features: tf.Tensor4D, shift: number | undefined): tf.Tensor4D {
  return shift ? tf.add(features, shift) : features;
}

/** Options of {@link statisticTargets}. */
export interface StatisticTargetsOptions {
  /** Blend weight of each style image (normalised to sum 1). Default: equal. */
  weights?: readonly number[];
  /** Layers to compute targets for. Default: every layer of the first style's features. */
  layers?: readonly string[];
}

/**
 * Targets of `statistic` at each layer for one or more style images (each a FeatureMap).
 * The generalisation of styleTargets(). Caller disposes (`tf.dispose(Object.values(map))`).
 */
export function statisticTargets(
  statistic: StyleStatistic,
  styles: readonly FeatureMap[],
  options: StatisticTargetsOptions = {},
): StyleTargetMap {
  if (styles.length === 0) {
    throw new RangeError("statisticTargets() got no style images: expected at least one");
  }
  const layers = options.layers ?? Object.keys(styles[0]);
  const out: StyleTargetMap = {};
  for (const layer of layers) {
    out[layer] = statistic.targets(
      styles.map((s) => pick(s, layer, "feature map")),
      options.weights,
    );
  }
  return out;
}

/** `Σ_l w_l statistic.loss(F_l, T_l)`, weights as given. Caller disposes. */
export function layeredStatisticLoss(
  statistic: StyleStatistic,
  features: FeatureMap,
  options: { targets: StyleTargetMap; layers: readonly LayerWeightLike[] },
): tf.Scalar {
  return weightedOverLayers(
    options.layers,
    { features, targets: options.targets, what: `${statistic.kind} style target` },
    (f, target) => statistic.loss(f, target),
  );
}

/**
 * Layer weights falling by 4 per layer from the shallowest, normalised to sum 1: for five
 * layers 256/64/16/4/1 over 341, crowsonkb/style-transfer-pytorch's default `style_weights`
 * (its layers are VGG-19's relu1_1..relu5_1). Shallow layers carry colour and fine texture;
 * weighting them up is what paints strokes rather than a texture laid over the photo.
 * `ratio` changes the factor 4.
 */
export function shallowHeavyLayerWeights(
  layers: readonly string[],
  ratio = 4,
): LayerWeightLike[] {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new RangeError(`Layer weight ratio is ${ratio}: expected a positive number`);
  }
  const raw = layers.map((_, i) => ratio ** (layers.length - 1 - i));
  const sum = raw.reduce((a, b) => a + b, 0);
  return layers.map((layer, i) => ({ layer, weight: raw[i] / sum }));
}
