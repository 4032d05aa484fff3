/**
 * SWAG, "Stylization With Activation smoothinG" (Wang, Li & Vasconcelos, "Rethinking and
 * Improving the Robustness of Image Style Transfer", CVPR 2021). Residual networks produce
 * feature maps with a few large peaks (low entropy), which makes Gram matrices a poor summary
 * of style; a softmax over each layer's activations smooths the peaks and raises the entropy,
 * and the style (Gram) and content losses are then computed on the smoothed maps.
 *
 * The softmax runs over the whole layer, every spatial position and channel together, not per
 * channel or per position:
 *
 *   sigma(F)_ik = exp(F_ik / T) / sum_m sum_n exp(F_mn / T)
 *
 * with F the layer's activations (i a channel, k a position) and T = 1 in the paper; the
 * temperature is an Atelier option. Each image of a batch is its own distribution. Note that
 * the output sums to 1 per layer, so its entries are about 1 / (h w c): loss weights tuned
 * for raw activations do not carry over.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Options of swag(). */
export interface SwagOptions {
  /** Softmax temperature T (default 1, the paper's): larger is smoother. */
  temperature?: number;
}

/** Softmax over all positions and channels of each image's feature map. Caller disposes. */
export function swag(features: tf.Tensor4D, options: SwagOptions = {}): tf.Tensor4D {
  const temperature = options.temperature ?? 1;
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(`SWAG temperature is ${temperature}: expected a positive number`);
  }
  return tf.tidy(() => {
    const [n] = features.shape;
    const flat = tf.reshape(features, [n, -1]);
    // tf.softmax subtracts the row maximum first, so large activations do not overflow.
    const scaled = temperature === 1 ? flat : tf.div(flat, temperature);
    return tf.reshape(tf.softmax(scaled), features.shape);
  });
}
