/**
 * Random translation by cropping (lucid transform.jitter). A shift of up to `d` px in each
 * direction is a crop of size (h - 2d, w - 2d) at offset (d + dy, d + dx), dy, dx uniform
 * integers in [-d, d]: the output is 2d px smaller on each axis, so pad by at least d first to
 * keep the image's edges in play. Cropping (rather than a circular shift) means no pixel wraps
 * round to the opposite edge.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Transform } from "./transform.ts";

/** Random shift of up to `d` px each way, by a crop that is 2d px smaller on each axis. */
export function jitter(d: number): Transform {
  if (!Number.isInteger(d) || d < 0) {
    throw new RangeError(`Jitter is ${d}: expected an integer >= 0`);
  }
  return (x, rng) => {
    const [n, h, w, c] = x.shape;
    if (2 * d >= h || 2 * d >= w) {
      throw new RangeError(
        `Jitter of ${d} px needs an image larger than ${2 * d}px; it is ${w}x${h}`,
      );
    }
    const oy = rng.int(2 * d + 1);
    const ox = rng.int(2 * d + 1);
    return tf.slice(x, [0, oy, ox, 0], [n, h - 2 * d, w - 2 * d, c]);
  };
}
