/** Helpers private to the losses: layer look-up and shape checks with helpful messages. */
import type * as tf from "@tensorflow/tfjs-core";

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
export function assertSameShape(fn: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(
      `${fn}() got shapes [${a.shape}] and [${b.shape}]: expected two tensors of one shape`,
    );
  }
}
