/**
 * Input images: validation at the edge (type, bytes, pixels) with messages that say what was
 * wrong and what was expected, decoding, and conversion to RGBA for the worker.
 */
import type { RawImage } from "../protocol.ts";

export const MAX_BYTES = 25 * 1024 * 1024;
export const MAX_SIDE = 4096;
/** Inputs are reduced to this long side before they go to the worker (outputs are <= 2048). */
const WORK_SIDE = 2048;

/** A decoded input image. */
export interface InputImage {
  name: string;
  blob: Blob;
  width: number;
  height: number;
  /** Object URL for <img> thumbnails. */
  url: string;
}

/** Decodes and checks an image file; throws a RangeError the page can show as is. */
export async function readImage(file: Blob & { name?: string }): Promise<InputImage> {
  const name = file.name || "pasted image";
  if (file.size > MAX_BYTES) {
    const mb = (file.size / 2 ** 20).toFixed(1);
    throw new RangeError(`${name} is ${mb} MB: the maximum is 25 MB`);
  }
  if (file.type && !file.type.startsWith("image/")) {
    throw new RangeError(`${name} is not an image (${file.type}): expected PNG, JPEG, WebP or GIF`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new RangeError(
      `${name} could not be decoded as an image: expected PNG, JPEG, WebP or GIF`,
    );
  }
  const { width, height } = bitmap;
  bitmap.close();
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new RangeError(
      `${name} is ${width}x${height}: the maximum is ${MAX_SIDE} pixels per side`,
    );
  }
  return { name, blob: file, width, height, url: URL.createObjectURL(file) };
}

/** RGBA pixels of an image, reduced so its long side is at most `maxSide`. */
export async function toRaw(img: InputImage, maxSide = WORK_SIDE): Promise<RawImage> {
  const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  const bitmap = await createImageBitmap(img.blob, {
    resizeWidth: width,
    resizeHeight: height,
    resizeQuality: "high",
  });
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, rgba: ctx.getImageData(0, 0, width, height).data };
}

/** PNG of RGBA pixels. */
export function rawToPng(img: RawImage): Promise<Blob> {
  const canvas = new OffscreenCanvas(img.width, img.height);
  canvas.getContext("2d")!.putImageData(
    new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height),
    0,
    0,
  );
  return canvas.convertToBlob({ type: "image/png" });
}

/**
 * Long side of the copy a share uploads (issue 14): a 4096 px PNG can exceed the server's
 * 15 MB request limit (src/server/limits.ts maxBodyBytes), a 2048 px one (4.2 M px, at most
 * about 12.6 MB of raw RGB before compression) stays under it. The recipe re-creates the full size.
 */
export const SHARE_SIDE = 2048;

/** `png` as is when its long side is at most `side`, else a downscaled PNG copy. */
export async function shareCopy(png: Blob, side = SHARE_SIDE): Promise<Blob> {
  const bitmap = await createImageBitmap(png);
  const { width, height } = bitmap;
  if (Math.max(width, height) <= side) {
    bitmap.close();
    return png;
  }
  const k = side / Math.max(width, height);
  const w = Math.max(1, Math.round(width * k));
  const h = Math.max(1, Math.round(height * k));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  return canvas.convertToBlob({ type: "image/png" });
}

/** RGBA pixels of a PNG blob (a stored result). */
export async function pngToRaw(blob: Blob): Promise<RawImage> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(bitmap, 0, 0);
  const out = {
    width: bitmap.width,
    height: bitmap.height,
    rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data,
  };
  bitmap.close();
  return out;
}
