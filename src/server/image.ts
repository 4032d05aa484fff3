/**
 * Untrusted image bytes in, clean pixels out. The type is sniffed from magic bytes (PNG, JPEG
 * and WebP only: no SVG, GIF or anything a browser might execute), the dimensions are read
 * from the header and checked BEFORE decoding (decompression bombs), then sharp decodes
 * strictly (truncated or corrupt files fail), applies the EXIF orientation, fits the image inside
 * maxSide and re-encodes it from its 8-bit sRGB pixels alone, so nothing but pixels survives
 * (no metadata, not even the resolution) and the same pixels always give the same bytes.
 *
 * Output format: PNG stays PNG (lossless results stay lossless), JPEG stays JPEG (q 92), WebP
 * stays WebP (q 92). Thumbnails are always WebP (q 80).
 */
import sharp from "sharp";
import { ApiError } from "./errors.ts";
import type { Limits } from "./limits.ts";

export type ImageKind = "png" | "jpeg" | "webp";

export const MIME: Record<ImageKind, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
};

/** One encoded image. */
export interface EncodedImage {
  bytes: Uint8Array;
  type: string;
  width: number;
  height: number;
}

/** The stored image and its thumbnail. */
export interface ProcessedImage {
  image: EncodedImage;
  thumb: EncodedImage;
}

/** Image type from the first bytes, or null when it is none of PNG, JPEG, WebP. */
export function sniff(b: Uint8Array): ImageKind | null {
  const at = (i: number, s: number[]) => s.every((v, k) => b[i + k] === v);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (at(0, [0xff, 0xd8, 0xff])) return "jpeg";
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return "webp";
  return null;
}

/**
 * Walks the PNG chunk list up to IEND. libspng decodes a PNG that lost its IEND (or the end of
 * its last IDAT) without complaint, so truncation is checked here.
 */
export function pngComplete(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 8;
  while (pos + 12 <= b.byteLength) {
    const length = view.getUint32(pos);
    const end = pos + 12 + length;
    if (end > b.byteLength) return false;
    if (view.getUint32(pos + 4) === 0x49454e44) return true; // "IEND"
    pos = end;
  }
  return false;
}

const invalid = (detail: string, cause?: unknown) =>
  new ApiError(422, "invalid_image", `The image could not be decoded: ${detail}`, { cause });

/**
 * Validates and re-encodes an uploaded image; throws ApiError 413/415/422. sharp blocks the
 * calling thread under Deno, so the server calls this through image_pool.ts (a worker).
 */
export async function processImage(
  bytes: Uint8Array,
  limits: Pick<Limits, "maxPixels" | "maxSide" | "maxInputSide" | "thumbSide">,
): Promise<ProcessedImage> {
  const kind = sniff(bytes);
  if (!kind) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "The image is not PNG, JPEG or WebP (checked by its first bytes)",
    );
  }
  if (kind === "png" && !pngComplete(bytes)) {
    throw invalid("the PNG is truncated (its chunks do not reach IEND)");
  }
  let meta: sharp.Metadata;
  try {
    // metadata() parses the header only: nothing is decoded yet.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw invalid("the header is unreadable", e);
  }
  if (meta.format !== kind || !meta.width || !meta.height) {
    throw invalid(`the header says ${meta.format ?? "unknown"}, the magic bytes say ${kind}`);
  }
  const side = Math.max(meta.width, meta.height);
  if (side > limits.maxInputSide) {
    throw new ApiError(
      413,
      "image_too_large",
      `The image is ${meta.width}x${meta.height}: the maximum is ${limits.maxInputSide} pixels per side`,
    );
  }
  const pixels = meta.width * meta.height;
  if (pixels > limits.maxPixels) {
    throw new ApiError(
      413,
      "image_too_large",
      `The image is ${meta.width}x${meta.height} (${pixels} pixels): the maximum is ${limits.maxPixels} pixels`,
    );
  }
  const image = await encode(kind, bytes, limits);
  const thumb = await encodeThumb(image.bytes, limits.thumbSide);
  return { image, thumb };
}

async function encode(
  kind: ImageKind,
  bytes: Uint8Array,
  limits: Pick<Limits, "maxPixels" | "maxSide">,
): Promise<EncodedImage> {
  try {
    // Decode to 8-bit sRGB pixels first and encode from those alone: even the resolution
    // (PNG pHYs) that libvips would carry over is dropped, so the same pixels always give the
    // same bytes, which content-addressed inputs rely on.
    const { data: pixels, info: px } = await sharp(bytes, {
      failOn: "truncated",
      limitInputPixels: limits.maxPixels,
    })
      .rotate()
      .resize({
        width: limits.maxSide,
        height: limits.maxSide,
        fit: "inside",
        withoutEnlargement: true,
      })
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    let pipeline = sharp(pixels, {
      raw: { width: px.width, height: px.height, channels: px.channels as 1 | 2 | 3 | 4 },
    });
    pipeline = kind === "png"
      ? pipeline.png({ compressionLevel: 6 })
      : kind === "jpeg"
      ? pipeline.jpeg({ quality: 92 })
      : pipeline.webp({ quality: 92 });
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return {
      bytes: new Uint8Array(data),
      type: MIME[kind],
      width: info.width,
      height: info.height,
    };
  } catch (e) {
    throw invalid((e as Error).message.split("\n")[0].slice(0, 200), e);
  }
}

async function encodeThumb(bytes: Uint8Array, side: number): Promise<EncodedImage> {
  const { data, info } = await sharp(bytes)
    .resize({ width: side, height: side, fit: "inside", withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: new Uint8Array(data), type: MIME.webp, width: info.width, height: info.height };
}
