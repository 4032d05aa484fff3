/**
 * Image utilities of the engine, shared by every face: RGBA bytes in and out, the one resize
 * path for inputs (so that one recipe sees the same pixels in the browser and on the command
 * line), and the size checks a network needs. Tensors are NHWC [1, h, w, 3] RGB in [0, 1].
 */
import * as tf from "@tensorflow/tfjs-core";
import { MIN_SIZE } from "./types.ts";
import { runDims } from "./pyramid.ts";

export { checkImage } from "./recipe.ts";

/** RGBA pixels, row-major, 4 bytes a pixel (ImageData's layout). */
export interface PreviewImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** RGBA bytes from any source (a canvas, a decoder). */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: ArrayLike<number>;
}

/** [1, h, w, 3] in [0, 1] from RGBA bytes; alpha is dropped. Caller disposes. */
export function fromRgba(img: RgbaImage): tf.Tensor4D {
  const rgb = new Float32Array(img.width * img.height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = img.rgba[i] / 255;
    rgb[j + 1] = img.rgba[i + 1] / 255;
    rgb[j + 2] = img.rgba[i + 2] / 255;
  }
  return tf.tensor4d(rgb, [1, img.height, img.width, 3]);
}

/**
 * Resizes so that the long side is `size` px. Bilinear with half-pixel centres; a reduction by
 * more than 2x first halves the image repeatedly (an exact 2x bilinear reduction with half-pixel
 * centres averages 2x2 blocks), so that large photos are not aliased. Caller disposes.
 */
export function resizeToLongSide(image: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, h, w] = image.shape;
  const scale = size / Math.max(h, w);
  return resizeTo(image, Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale)));
}

/**
 * Resizes to `nh` x `nw` as resizeToLongSide() does: halving while the image is at least twice
 * as large (an exact 2x2 average where the sides are even), then bilinear. Caller disposes.
 */
export function resizeTo(image: tf.Tensor4D, nh: number, nw: number): tf.Tensor4D {
  const [, h, w] = image.shape;
  if (nh === h && nw === w) return tf.clone(image);
  return tf.tidy(() => {
    let x = image;
    while (x.shape[1] >= 2 * nh && x.shape[2] >= 2 * nw) {
      const [, ch, cw] = x.shape;
      x = tf.image.resizeBilinear(x, [Math.round(ch / 2), Math.round(cw / 2)], false, true);
    }
    return tf.clipByValue(tf.image.resizeBilinear(x, [nh, nw], false, true), 0, 1);
  });
}

/**
 * An input image as the engine sees it: RGBA bytes, long side resized to `size`; with a
 * supersampling `factor` (RecipeSchema's `supersample`), `factor` times those sides exactly, so
 * that the run's result reduces to the sides a plain run has.
 */
export function inputImage(img: RgbaImage, size: number, factor = 1): tf.Tensor4D {
  const full = fromRgba(img);
  try {
    const at = runDims(img.height, img.width, { size, supersample: factor });
    return resizeTo(full, at.height, at.width);
  } finally {
    full.dispose();
  }
}

/** Converts a [1, h, w, 3] image in [0, 1] to RGBA bytes. */
export async function toRgba(image: tf.Tensor4D): Promise<PreviewImage> {
  const [, height, width] = image.shape;
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(image, 0, 1), 255)), "int32"));
  const rgb = await bytes.data().finally(() => bytes.dispose());
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  return { width, height, rgba };
}

/**
 * Enlarges an image whose short side is below the network minimum (a thin style image, or a
 * transformed image after lucid's 0.95 scale on a 32 px side); others are returned as they are.
 * halfPixelCenters stays off: the WASM gradient ignores it.
 */
export function atLeastMinSize(x: tf.Tensor4D, min = MIN_SIZE): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h >= min && w >= min) return x;
  const k = min / Math.min(h, w);
  return tf.image.resizeBilinear(x, [Math.ceil(h * k), Math.ceil(w * k)]);
}
