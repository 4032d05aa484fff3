/**
 * SWAG, "Stylization With Activation smoothinG" (Wang, Li & Vasconcelos, "Rethinking and
 * Improving the Robustness of Image Style Transfer", CVPR 2021). Residual networks produce
 * feature maps with a few large peaks (low entropy), which makes Gram matrices a poor summary
 * of style; a softmax over each layer's activations smooths the peaks and raises the entropy,
 * and the style (Gram) and content losses are then computed on the smoothed maps.
 *
 * Two variants, both with a temperature T:
 *
 * - `over: "map"` (the paper's eq., and Atelier's default so far): one softmax over the whole
 *   layer, every position and channel together,
 *   `sigma(F)_ik = exp(F_ik / T) / sum_m sum_n exp(F_mn / T)`;
 * - `over: "channels"` (the official code's first release, T = 1): a softmax over the channels
 *   at each position, `sigma(F)_ik = exp(F_ik / T) / sum_m exp(F_mk / T)`.
 *
 * Each image of a batch is its own distribution. The map variant sums to 1 per layer (entries
 * about 1/(h w c)), the channel variant to 1 per position (about 1/c): {@link swagScaled}
 * multiplies by that count so that entries average 1 and loss weights tuned for raw
 * activations stay in range.
 *
 * Why the map variant from noise stays noise: with T = 1 the softmax over h·w·c entries is a
 * competition between all positions. Deep ResNet activations span tens of units, so exp()
 * gives the few largest entries almost all the mass: the map is near one-hot. The softmax
 * Jacobian `s_i (delta_ij − s_j)` is then ≈ 0 for every entry but those few peaks, so the
 * style loss's gradient reaches the image only through the receptive fields of a handful of
 * positions; the rest of the noise image gets no signal. The per-channel softmax competes only
 * among c values at one position, so every position keeps a gradient; a larger T (e.g. the
 * layer's activation spread) also de-saturates the map variant.
 */
import * as tf from "@tensorflow/tfjs-core";

import type { SwagOptions } from "./swag_setting.ts";

export * from "./swag_setting.ts";

/** SWAG softmax of each image's feature map (see the module note). Caller disposes. */
export function swag(features: tf.Tensor4D, options: SwagOptions = {}): tf.Tensor4D {
  const temperature = options.temperature ?? 1;
  const over = options.over ?? "map";
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(`SWAG temperature is ${temperature}: expected a positive number`);
  }
  if (over !== "map" && over !== "channels") {
    throw new RangeError(`SWAG over "${over}": expected "map" or "channels"`);
  }
  return tf.tidy(() => {
    const [n] = features.shape;
    // tf.softmax runs over the last axis and subtracts its maximum first (no overflow).
    const rows = over === "map" ? tf.reshape(features, [n, -1]) : features;
    const scaled = temperature === 1 ? rows : tf.div(rows, temperature);
    const out = tf.softmax(scaled);
    return (over === "map" ? tf.reshape(out, features.shape) : out) as tf.Tensor4D;
  });
}

/**
 * {@link swag} times the size of its softmax domain (h·w·c for "map", c for "channels"), so
 * that entries average 1: what the run loop feeds the losses. Caller disposes.
 */
export function swagScaled(features: tf.Tensor4D, options: SwagOptions = {}): tf.Tensor4D {
  const [, h, w, c] = features.shape;
  const count = (options.over ?? "map") === "map" ? h * w * c : c;
  return tf.tidy(() => tf.mul(swag(features, options), count));
}
