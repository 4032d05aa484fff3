/**
 * Content loss of Gatys et al. 2016: how far the output's features at a layer are from the
 * content image's features there.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertSameShape, meanSquaredError, weightedOverLayers } from "./_util.ts";
import type { FeatureMap, LayerWeightLike } from "./style.ts";

/**
 * Mean squared error over the whole feature map, `Σ (F - P)² / (h·w·c)`. Gatys et al. 2016,
 * eq. 1 uses `½ Σ (F - P)²`; the mean instead of the half-sum makes the loss independent of
 * the image size, like the normalised style loss. `b` is the target: no gradient flows to it.
 * Caller disposes the result.
 */
export function contentLoss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  assertSameShape("contentLoss", a, b);
  return meanSquaredError(a, b);
}

/** Options of {@link layeredContentLoss}. */
export interface LayeredContentLossOptions {
  /** The content image's features at every layer in `layers`. */
  targets: FeatureMap;
  /** Content layers and their weights, used as given (not normalised). */
  layers: readonly LayerWeightLike[];
}

/** Weighted content loss over layers, `Σ_l w_l contentLoss(F_l, P_l)`. Caller disposes. */
export function layeredContentLoss(
  features: FeatureMap,
  options: LayeredContentLossOptions,
): tf.Scalar {
  return weightedOverLayers(
    options.layers,
    { features, targets: options.targets, what: "content target" },
    contentLoss,
  );
}
