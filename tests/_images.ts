/** Test helpers for real images from ../shared/images, decoded with sharp. */
import sharp from "sharp";
import { fileURLToPath } from "node:url";
import { tf } from "./_tf.ts";

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The team's shared material beside the repository. */
export const SHARED = fileURLToPath(new URL("../../shared/", import.meta.url));

/** Path of a shared image, e.g. sharedImage("content/chelsea.png"). */
export function sharedImage(name: string): string {
  return `${SHARED}images/${name}`;
}

/**
 * Decodes an image to RGB floats in [0, 1]; with `size`, resizes to exactly size x size
 * (cover + centre crop), else keeps its own size.
 */
export async function readPixels(
  path: string,
  size?: number | [number, number],
): Promise<{ data: Float32Array; width: number; height: number }> {
  let img = sharp(path).removeAlpha().toColourspace("srgb");
  if (size !== undefined) {
    const [w, h] = typeof size === "number" ? [size, size] : size;
    img = img.resize(w, h, { fit: "cover" });
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return { data: out, width: info.width, height: info.height };
}

/** Loads an image as a [1, h, w, 3] tensor in [0, 1] (caller disposes). */
export async function loadImage(
  path: string,
  size?: number | [number, number],
): Promise<tf.Tensor4D> {
  const { data, width, height } = await readPixels(path, size);
  return tf.tensor4d(data, [1, height, width, 3]);
}
