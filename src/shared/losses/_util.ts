/**
 * Helpers private to the losses: layer look-up, shape checks with helpful messages, and the
 * weighted sum over layers that the content and style losses share.
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
