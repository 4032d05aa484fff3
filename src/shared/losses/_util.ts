/**
 * Helpers private to the losses: layer look-up, shape checks with helpful messages, and what
 * the content and style losses share: the mean squared error to a target and the weighted sum
 * over layers.
 */
import * as tf from "@tensorflow/tfjs-core";

/** `map[name]`, or an error that lists the names there are. */
export function pick<T>(map: Record<string, T>, name: string, what: string): T {
  const value = Object.hasOwn(map, name) ? map[name] : undefined;
  if (value === undefined) {
    throw new RangeError(
      `No ${what} for layer "${name}": have ${Object.keys(map).map((k) => `"${k}"`).join(", ")}`,
    );
  }
  return value;
}

/** Throws unless `a` and `b` have the same shape. */
export function assertSameShape(
  fn: string,
  a: { shape: readonly number[] },
  b: { shape: readonly number[] },
): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(
      `${fn}() got shapes [${a.shape}] and [${b.shape}]: expected two tensors of one shape`,
    );
  }
}

/**
 * `Σ_l w_l loss(F_l, T_l)` over `layers`, skipping weight 0; `F` from `features`, `T` from
 * `targets` (named `what` in errors). Caller disposes the result.
 */
export function weightedOverLayers<T>(
  layers: readonly { layer: string; weight: number }[],
  maps: { features: Record<string, tf.Tensor4D>; targets: Record<string, T>; what: string },
  loss: (f: tf.Tensor4D, target: T) => tf.Scalar,
): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const { layer, weight } of layers) {
      if (weight === 0) continue;
      const f = pick(maps.features, layer, "feature map");
      const target = pick(maps.targets, layer, maps.what);
      total = tf.add(total, tf.mul(loss(f, target), weight));
    }
    return total;
  });
}

/**
 * `Σ (x - target)² / size`, the target held constant (no gradient flows to it). The value is
 * tf.mean(tf.squaredDifference(x, target)) and the gradient is tfjs's for it bit for bit, but
 * the backward pass makes two tensors of x's size where tfjs's makes five and keeps a sixth
 * from the forward pass: Mean saves the squared differences (only for their shape), and its
 * gradient uploads `ones(x.shape)` from a JS array every evaluation to multiply dy by (issue 13:
 * ResNet-50's res5c Gram at 512 px is 2048x2048, 16 MiB a tensor, and these run at the start of
 * the backward pass, when every saved activation is still held). Caller disposes the result.
 */
export function meanSquaredError(x: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const n = x.size;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor;
    // The target too: it may be made inside the function tf.grad runs, which frees it before the
    // backward pass (a saved clone shares its buffer).
    (args[1] as tf.GradSaveFunc)([a, target]);
    return {
      value: tf.tidy(() => tf.mean(tf.squaredDifference(a, target))),
      // tfjs: dx = (dy·1 / n)·(2·(x - t)). Doubling is exact in float32, so this equals
      // (x - t)·((dy / n)·2) in every bit.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => tf.mul(tf.sub(saved[0], saved[1]), tf.mul(tf.div(dy, n), 2))),
    };
  });
  return op(x) as tf.Scalar;
}
