/**
 * Style statistics and the style loss of Gatys et al. 2016 ("Image Style Transfer Using
 * Convolutional Neural Networks", CVPR): a layer's style is the Gram matrix of its feature
 * channels, and the style loss compares Gram matrices. Both are normalised here so that
 * neither the image size nor the channel count of a layer changes the scale of its loss.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertSameShape, meanSquaredError, pick, weightedOverLayers } from "./_util.ts";

/** Feature maps by layer name, NHWC `[1, h, w, c]` each (what a net's forward pass returns). */
export type FeatureMap = Record<string, tf.Tensor4D>;
/** Gram matrices by layer name, `[c, c]` each. */
export type GramMap = Record<string, tf.Tensor2D>;

/** Options of {@link gram}. */
export interface GramOptions {
  /**
   * The caller promises that the gradient flowing into the Gram is symmetric (true of any loss
   * that compares the Gram with a symmetric target through symmetric terms), so the backward
   * pass uses dF = 2 F dG / (n·c) and does not transpose dG. Default false.
   */
  symmetricUpstream?: boolean;
}

/** [h, w, c] of one NHWC feature map [1, h, w, c]; a RangeError naming `fn` otherwise. */
function mapShape(fn: string, features: tf.Tensor4D): [number, number, number] {
  const [batch, h, w, c] = features.shape;
  if (features.rank !== 4 || batch !== 1) {
    throw new RangeError(
      `${fn}() got a tensor of shape [${features.shape}]: expected one NHWC feature map [1, h, w, c]`,
    );
  }
  return [h, w, c];
}

/**
 * F S (times `k`, if given) as a [1, h, w, c] map, for F [h·w, c] and a symmetric S [c, c]:
 * computed as (S Fᵀ)ᵀ when the map has fewer pixels than channels, since XNNPACK packs the second
 * operand of every product afresh on WASM and Fᵀ [c, n] is then smaller than S [c, c]
 * (ResNet-50's res5c at 256 px: 48 pixels, 2048 channels; issue 13).
 */
function timesSymmetric(
  f: tf.Tensor2D,
  sym: tf.Tensor2D,
  [h, w, c]: [number, number, number],
  k?: number | tf.Tensor,
): tf.Tensor4D {
  const fs = h * w >= c ? tf.matMul(f, sym) : tf.transpose(tf.matMul(sym, f, false, true));
  return tf.reshape(k === undefined ? fs : tf.mul(fs, k), [1, h, w, c]);
}

/**
 * Normalised Gram matrix of one feature map: `G = Fᵀ F / (h·w·c)` where `F` is the
 * `[h·w, c]` matrix of the map (one row per pixel), so `G[i][j]` is the mean over pixels of
 * `F[:, i]·F[:, j]`, divided once more by `c`.
 *
 * Gatys et al. 2016, eq. 4-5 use the raw Gram `Ĝ = Fᵀ F` and
 * `E_l = 1/(4 N² M²) Σ (Ĝ - Â)²` with N = c channels and M = h·w pixels. Dividing by M
 * makes the Gram an average that does not grow with the image size, so the Grams of style
 * images of different sizes can be compared and blended directly; dividing by N as well keeps
 * the entries of wide layers (512 channels) on the scale of narrow ones (64 channels). With
 * this `G`, Gatys's `E_l` equals `Σ (G - A)² / 4`: the constant 1/4 is dropped and the sum
 * becomes a mean in {@link styleLoss}.
 *
 * Caller disposes the result.
 */
export function gram(features: tf.Tensor4D, options: GramOptions = {}): tf.Tensor2D {
  const shape = mapShape("gram", features);
  const [h, w, c] = shape;
  const n = h * w;
  const scale = n * c;
  // One product forward and one backward: dF = F (dG + dGᵀ) / (n·c). tfjs's own matMul gradient
  // would take two [n, c] x [c, c] products (one per operand, both F). The symmetric S = dG + dGᵀ
  // also allows dF = (S Fᵀ)ᵀ (timesSymmetric()).
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const f = tf.reshape(x, [n, c]);
    save([f]);
    const g = tf.tidy(() => tf.div(tf.matMul(f, f, true, false), scale)) as tf.Tensor2D;
    return {
      value: g,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const fs = saved[0] as tf.Tensor2D;
          const sym = (options.symmetricUpstream
            ? tf.mul(dy, 2 / scale)
            : tf.div(tf.add(dy, tf.transpose(dy)), scale)) as tf.Tensor2D;
          return timesSymmetric(fs, sym, shape);
        }),
    };
  });
  return op(features) as tf.Tensor2D;
}

/**
 * Style loss of one layer: the mean squared difference of two `[c, c]` Grams,
 * `Σ (G - A)² / c²`. With the {@link gram} normalisation this is Gatys et al. 2016 eq. 5 up to
 * the constant factor 4·c² (see {@link gram}). No gradient flows to the target. Caller disposes
 * the result.
 */
export function styleLoss(gramOut: tf.Tensor2D, gramTarget: tf.Tensor2D): tf.Scalar {
  assertSameShape("styleLoss", gramOut, gramTarget);
  return meanSquaredError(gramOut, gramTarget);
}

/**
 * `styleLoss(gram(features), target)` for a symmetric target (a Gram, or a blend of Grams,
 * always is), L = Σ (G − A)² / c² with G = FᵀF / s, s = h·w·c, in one of two forms with their own
 * gradients, ∂L/∂F = 4 F (G − A) / (s·c²). Every [c, c] elementwise pass is a single-threaded
 * kernel on WASM, and every [n, c] x [c, c] product a threaded one (issue 13):
 *
 * - n = h·w ≥ c/2 (the "Gram form"): D = G − A from F with gram()'s own ops (so D is exactly 0
 *   where G equals a target gram() made from the same features), then L = mean(D²), and
 *   ∂L/∂F = 4 F D / (s·c²): two products and five [c, c] passes (autodiff made nine).
 * - n < c/2 (the "kernel form": deep layers of small images, ResNet-50's res4f and res5c at
 *   256 px have 176 and 48 pixels for 1024 and 2048 channels): no [c, c] matrix is made.
 *   With K = F Fᵀ [n, n], Σ G² = Σ K² / s² and Σ G ⊙ A = Σ (F A) ⊙ F / s, so
 *   L = (Σ K² / s² − 2 Σ (F A) ⊙ F / s + Σ A²) / c² and ∂L/∂F = 4 (K F / s − F A) / (s·c²):
 *   one [n, c] x [c, c] product and two small ones. L is a difference of float32 sums here, so
 *   at G = A it is within about 1e-6·Σ A² / c² of 0, not exactly 0.
 *
 * `targetMeanSquare`, Σ A² / c² as a scalar, spares the kernel form a pass over A at every call
 * (the Gram statistic's targets carry it); without it the kernel form computes it. `form`
 * "gram" takes the Gram form at every size: for features with a large common offset, whose
 * Σ K² and Σ A² the kernel form's difference would cancel. Caller disposes the result.
 */
export function gramLoss(
  features: tf.Tensor4D,
  gramTarget: tf.Tensor2D,
  targetMeanSquare?: tf.Scalar,
  options: { form?: "auto" | "gram" } = {},
): tf.Scalar {
  const shape = mapShape("gramLoss", features);
  const [h, w, c] = shape;
  assertSameShape("gramLoss", { shape: [c, c] }, gramTarget);
  const n = h * w;
  const scale = n * c;
  if (2 * n < c && options.form !== "gram") {
    return kernelGramLoss(features, gramTarget, shape, targetMeanSquare);
  }
  // D = FᵀF / (n·c) − A with gram()'s own ops, so that D is exactly 0 where G equals a target
  // gram() made from the same features.
  const difference = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    save([x]);
    const d = tf.tidy(() => {
      const f = tf.reshape(x, [n, c]);
      return tf.sub(tf.div(tf.matMul(f, f, true, false), scale), gramTarget);
    });
    return {
      value: d,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const f = tf.reshape(saved[0], [n, c]) as tf.Tensor2D;
          return timesSymmetric(f, dy as tf.Tensor2D, shape, 2 / scale);
        }),
    };
  });
  const meanSquare = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const d = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    save([d]);
    return {
      value: tf.tidy(() => tf.mean(tf.square(d))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => tf.mul(saved[0], tf.mul(dy, 2 / (c * c)))),
    };
  });
  return tf.tidy(() => meanSquare(difference(features)) as tf.Scalar);
}

/** gramLoss()'s kernel form (see there), for maps with fewer than c/2 pixels. */
function kernelGramLoss(
  features: tf.Tensor4D,
  gramTarget: tf.Tensor2D,
  shape: [number, number, number],
  targetMeanSquare?: tf.Scalar,
): tf.Scalar {
  const [h, w, c] = shape;
  const n = h * w;
  const s = n * c;
  // P = F A, the one large product, and K = F Fᵀ are each made once, for the value and the
  // gradient: the loss op takes them as inputs and gives F its whole gradient,
  // 4 (K F / s − P) / (s·c²), so they are made by ops that pass no gradient back (their share is
  // already in the loss op's).
  const held = (fn: (f: tf.Tensor2D) => tf.Tensor2D) =>
    tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor4D;
      return { value: fn(tf.reshape(x, [n, c])), gradFunc: () => tf.zeros(x.shape) };
    });
  // F A as it stands, not as (A Fᵀ)ᵀ: A is the same tensor at every evaluation, and tfjs-wasm
  // keeps XNNPACK's packing of a product's second operand with the tensor (8 ms against 14 for
  // res5c's 48 x 2048 at 256 px).
  const product = held((f) => tf.matMul(f, gramTarget));
  const kernel = held((f) => tf.matMul(f, f, false, true));
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, p, k] = args as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([x, p, k]);
    const value = tf.tidy(() => {
      const aa = targetMeanSquare ?? tf.mean(tf.square(gramTarget));
      const kk = tf.div(tf.sum(tf.square(k)), s * s * c * c);
      const pf = tf.div(tf.sum(tf.mul(p, tf.reshape(x, [n, c]))), (s * c * c) / 2);
      // A sum of squares, which the rounding of this difference can take below 0 near A.
      return tf.relu(tf.add(tf.sub(kk, pf), aa));
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, ps, ks] = saved;
          const kf = tf.matMul(ks as tf.Tensor2D, tf.reshape(xs, [n, c]) as tf.Tensor2D);
          const dx = tf.mul(tf.sub(tf.div(kf, s), ps), tf.mul(dy, 4 / (s * c * c)));
          return [tf.reshape(dx, [1, h, w, c]), tf.zeros(ps.shape), tf.zeros(ks.shape)];
        }),
    };
  });
  return tf.tidy(() => loss(features, product(features), kernel(features)) as tf.Scalar);
}

/**
 * The pullback of a Gram's upstream gradient: a scalar whose gradient with respect to
 * `features` is that of Σ gram(features) ⊙ `dGram` for a symmetric `dGram` [c, c], i.e.
 * 2 F dGram / (h·w·c), and whose value is 0, not that sum. For passes that need only the
 * gradient (the tiled objective's pass 2): the Gram product FᵀF and its [c, c] passes are not
 * made (ResNet-50's res4f and res5c in a 656 px tile: about 7 GFLOP per tile). Caller disposes.
 */
export function gramPullback(features: tf.Tensor4D, dGram: tf.Tensor2D): tf.Scalar {
  const shape = mapShape("gramPullback", features);
  const [h, w, c] = shape;
  assertSameShape("gramPullback", { shape: [c, c] }, dGram);
  const n = h * w;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    save([x]);
    return {
      value: tf.scalar(0),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const f = tf.reshape(saved[0], [n, c]) as tf.Tensor2D;
          return timesSymmetric(f, dGram, shape, tf.mul(dy, 2 / (n * c)));
        }),
    };
  });
  return op(features) as tf.Scalar;
}

/** One layer's weight in a weighted sum of per-layer losses (as in a Recipe's `layers`). */
export interface LayerWeightLike {
  layer: string;
  weight: number;
}

/** Options of {@link layeredStyleLoss}. */
export interface LayeredStyleLossOptions {
  /** Target Gram of every layer in `layers` (from {@link styleTargets}). */
  grams: GramMap;
  /** Style layers and their weights w_l; the weights are used as given, not normalised. */
  layers: readonly LayerWeightLike[];
}

/**
 * Weighted style loss over several layers, `Σ_l w_l styleLoss(gram(F_l), A_l)` (Gatys et al.
 * 2016, eq. 7, with their w_l = 1/5 replaced by the caller's weights). Caller disposes the
 * result.
 */
export function layeredStyleLoss(
  features: FeatureMap,
  options: LayeredStyleLossOptions,
): tf.Scalar {
  return weightedOverLayers(
    options.layers,
    { features, targets: options.grams, what: "style Gram" },
    (f, target) => gramLoss(f, target),
  );
}

/** Options of {@link styleTargets} and {@link blendGrams}. */
export interface StyleTargetsOptions {
  /**
   * Blend weight of each style image, one per image, finite and >= 0 with a positive sum.
   * They are normalised to sum 1. Default: equal weights.
   */
  weights?: readonly number[];
  /** Layers to compute Grams for. Default: every layer of the first style's features. */
  layers?: readonly string[];
}

/**
 * Target Grams for one or more style images: the Gram of each image's features at each layer,
 * blended `A_l = Σ_k ŵ_k G_l(style_k)` with the normalised weights ŵ. Because {@link gram}
 * averages over pixels, style images of different sizes blend on an equal footing.
 * Caller disposes the result.
 */
export function styleTargets(
  styles: readonly FeatureMap[],
  options: StyleTargetsOptions = {},
): GramMap {
  if (styles.length === 0) {
    throw new RangeError("styleTargets() got no style images: expected at least one");
  }
  const layers = options.layers ?? Object.keys(styles[0]);
  return tf.tidy(() => {
    const grams = styles.map((features) => {
      const out: GramMap = {};
      for (const layer of layers) out[layer] = gram(pick(features, layer, "feature map"));
      return out;
    });
    return blendGrams(grams, { weights: options.weights });
  });
}

/**
 * Weighted average of several Gram maps with weights normalised to sum 1 (see
 * {@link styleTargets}); every map must hold the same layers. Caller disposes the result.
 */
export function blendGrams(
  grams: readonly GramMap[],
  options: Pick<StyleTargetsOptions, "weights"> = {},
): GramMap {
  const weights = normaliseWeights(grams.length, options.weights);
  const layers = Object.keys(grams[0]);
  return tf.tidy(() => {
    const out: GramMap = {};
    for (const layer of layers) {
      const parts = grams.map((g, k) => tf.mul(pick(g, layer, "style Gram"), weights[k]));
      out[layer] = (parts.length === 1 ? tf.clone(parts[0]) : tf.addN(parts)) as tf.Tensor2D;
    }
    return out;
  });
}

/** Blend weights normalised to sum 1, validated: one per style, finite, >= 0, sum > 0. */
export function normaliseWeights(count: number, weights?: readonly number[]): number[] {
  if (count === 0) throw new RangeError("No style images to blend: expected at least one");
  const w = weights ?? Array.from({ length: count }, () => 1);
  if (w.length !== count) {
    throw new RangeError(
      `${w.length} style weights for ${count} style images: expected one weight per image`,
    );
  }
  for (const x of w) {
    if (!Number.isFinite(x) || x < 0) {
      throw new RangeError(`Style weight ${x} is invalid: expected a finite number >= 0`);
    }
  }
  const sum = w.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new RangeError("Style weights sum to 0: expected a positive sum");
  return w.map((x) => x / sum);
}
