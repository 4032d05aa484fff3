/**
 * Image files for the command-line faces: PNG/JPEG/WebP in, PNG out, via sharp (libvips).
 * sharp only decodes: resizing is the engine's (src/shared/image.ts), the same function the
 * browser uses, so one recipe sees the same pixels on both faces.
 */
import sharp from "sharp";
import { fromRgba, inputImage } from "../../src/shared/image.ts";
import { tf } from "./tf_node.ts";

// libvips's operation cache keeps decoded images for reuse (up to 50 MB by default); the CLI
// decodes each file once, so the cache only adds to the peak RSS (issue 13).
sharp.cache(false);

/**
 * Reads an image file as [1, h, w, 3] RGB in [0, 1]; with `longSide` (and a recipe's
 * `supersample`), resized by the engine's inputImage() as the studio does. EXIF orientation is
 * applied and alpha dropped, as a canvas draw followed by getImageData gives it to the browser.
 */
export async function readImage(
  path: string,
  longSide?: number,
  supersample = 1,
): Promise<tf.Tensor4D> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such file`);
    throw new Error(`${path}: cannot be read (${(e as Error).message})`);
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw new Error(`${path}: not an image (expected PNG, JPEG or WebP)`);
  }
  if (!["png", "jpeg", "webp"].includes(meta.format ?? "")) {
    throw new Error(`${path}: is ${meta.format ?? "unknown"}, expected PNG, JPEG or WebP`);
  }
  const { data, info } = await sharp(bytes).rotate().toColourspace("srgb").ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  const rgba = { width: info.width, height: info.height, rgba: data };
  return (longSide ? inputImage(rgba, longSide, supersample) : fromRgba(rgba)) as tf.Tensor4D;
}

/** Encodes a [1, h, w, 3] image in [0, 1] as PNG bytes. */
export async function encodePng(image: tf.Tensor4D): Promise<Uint8Array> {
  const [, height, width] = image.shape;
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(image, 0, 1), 255)), "int32"));
  const data = Uint8Array.from(await bytes.data());
  bytes.dispose();
  return new Uint8Array(
    await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer(),
  );
}

/** Writes bytes atomically: a temp file beside `path`, then rename. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
