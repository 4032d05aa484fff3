/**
 * Luminance/chroma colour spaces for colour control: YIQ (NTSC 1953, the space of Gatys et al.
 * 2016's luminance-only transfer) and YUV (BT.601, the space of jcjohnson/neural-style's
 * -original_colors). Both share the luminance Y = 0.299 R + 0.587 G + 0.114 B. The inverse
 * matrices are inverted here in double precision rather than copied as rounded constants, so
 * that a round trip returns the input to float32 error.
 */
import * as tf from "@tensorflow/tfjs-core";
import { inv3, type Mat3 } from "./_mat3.ts";
import { matMulRows } from "../ops/pixel_rows.ts";

/** RGB → YIQ, FCC NTSC coefficients (rows: Y, I, Q). */
export const RGB_TO_YIQ: Mat3 = [
  [0.299, 0.587, 0.114],
  [0.595716, -0.274453, -0.321263],
  [0.211456, -0.522591, 0.311135],
];
/** RGB → YUV, BT.601 as in Torch's image.rgb2yuv (rows: Y, U, V). */
export const RGB_TO_YUV: Mat3 = [
  [0.299, 0.587, 0.114],
  [-0.14713, -0.28886, 0.436],
  [0.615, -0.51499, -0.10001],
];

/** Which luminance/chroma space. */
export type ColourSpace = "yiq" | "yuv";

function applyMatrix(image: tf.Tensor4D, m: Mat3): tf.Tensor4D {
  const [n, h, w, c] = image.shape;
  if (image.rank !== 4 || c !== 3) {
    throw new RangeError(`Expected an RGB image [n, h, w, 3], got [${image.shape}]`);
  }
  return tf.tidy(() => {
    const rows = tf.reshape(image, [n * h * w, 3]) as tf.Tensor2D;
    // Pixels are rows, so multiply by the transpose: out = rows · mᵀ.
    const mt = tf.tensor2d(m);
    return tf.reshape(matMulRows(rows, mt, true), [n, h, w, 3]) as tf.Tensor4D;
  });
}

/** RGB [0, 1] → (Y, chroma₁, chroma₂) in the given space. Caller disposes. */
export function toLuminanceChroma(image: tf.Tensor4D, space: ColourSpace = "yiq"): tf.Tensor4D {
  return applyMatrix(image, space === "yiq" ? RGB_TO_YIQ : RGB_TO_YUV);
}

/** Inverse of {@link toLuminanceChroma}. Not clipped. Caller disposes. */
export function fromLuminanceChroma(image: tf.Tensor4D, space: ColourSpace = "yiq"): tf.Tensor4D {
  return applyMatrix(image, inv3(space === "yiq" ? RGB_TO_YIQ : RGB_TO_YUV));
}
