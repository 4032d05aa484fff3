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
      return tf.mirrorPad(x, paddings, "reflect");
    }
    return tf.pad(x, paddings, value);
  };
}
