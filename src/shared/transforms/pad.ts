/**
 * Padding before the random transforms (lucid transform.pad), so that jitter, scale and
 * rotation move real pixels into view instead of cropping the image's edges away.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Transform } from "./transform.ts";

/** Options of pad(). */
export interface PadOptions {
  /** "constant" fills with `value`; "reflect" mirrors the edge (no edge repeat). */
  mode?: "constant" | "reflect";
  /** Fill value of constant mode (default 0.5, lucid's grey). */
  value?: number;
}

/**
 * Reflect padding by `size` along `axis` (1: height, 2: width), without repeating the edge:
 * (x_size … x_1 | x_0 … x_{n−1} | x_{n−2} … x_{n−1−size}). Built from slices, reverses and a
 * concat, whose gradients are right on every backend: tf.mirrorPad's gradient in tfjs-core 4.22
 * drops the reflected entries' share (a border pixel seen twice gets one share). Needs
 * `size` < the axis's length.
 */
export function reflectPadAxis(x: tf.Tensor4D, axis: 1 | 2, size: number): tf.Tensor4D {
  if (size === 0) return x;
  const n = x.shape[axis];
  const run = (start: number) => {
    const begin = [0, 0, 0, 0];
    begin[axis] = start;
    const extent = [...x.shape];
    extent[axis] = size;
    return tf.reverse(tf.slice(x, begin, extent), axis);
  };
  return tf.concat([run(1), x, run(n - 1 - size)], axis);
}

/** Pads height and width by `size` px on each side. */
export function pad(size: number, options: PadOptions = {}): Transform {
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError(`Padding is ${size}: expected an integer >= 0`);
  }
  const { mode = "constant", value = 0.5 } = options;
  const paddings: [number, number][] = [[0, 0], [size, size], [size, size], [0, 0]];
  return (x) => {
    if (mode === "reflect") {
      const [, h, w] = x.shape;
      if (size >= h || size >= w) {
        throw new RangeError(
          `Reflect padding of ${size} px needs an image larger than that; it is ${w}x${h}`,
        );
      }
      return tf.tidy(() => reflectPadAxis(reflectPadAxis(x, 1, size), 2, size));
    }
    return tf.pad(x, paddings, value);
  };
}
