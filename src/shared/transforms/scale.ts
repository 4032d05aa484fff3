/**
 * Random rescaling (lucid transform.random_scale): the factor is drawn from a list and the
 * image resized bilinearly. tf.image.resizeBilinear has a gradient on every backend as long as
 * halfPixelCenters is false (the WASM gradient kernel ignores that flag), which is also TF1's
 * resize_bilinear that lucid used.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Transform } from "./transform.ts";

/** Resizes by a factor drawn from `scales`; the new side is round(side * factor), >= 1. */
export function randomScale(scales: readonly number[]): Transform {
  if (scales.length === 0) throw new RangeError("randomScale() needs at least one scale");
  for (const s of scales) {
    if (!Number.isFinite(s) || s <= 0) {
      throw new RangeError(`Scale is ${s}: expected a positive number`);
    }
  }
  return (x, rng) => {
    const s = rng.pick(scales);
    const [, h, w] = x.shape;
    const size: [number, number] = [
      Math.max(1, Math.round(h * s)),
      Math.max(1, Math.round(w * s)),
    ];
    if (size[0] === h && size[1] === w) return tf.clone(x);
    return tf.image.resizeBilinear(x, size, false, false);
  };
}
