/** The command line's image reader sees the same pixels as the studio's worker. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { setupTf, tf } from "../_tf.ts";
import { sharedImage } from "../_images.ts";
import { readImage } from "../../scripts/lib/image_io.ts";
import { inputImage } from "../../src/shared/image.ts";

Deno.test("readImage() gives the pixels the worker's inputImage() gives for the same RGBA", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  const path = sharedImage("style/starry_night.jpg");
  // What the studio sends the worker: the decoded image at full size as RGBA bytes (a canvas's
  // getImageData); the worker then calls inputImage(raw, recipe.size).
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const browser = inputImage({ width: info.width, height: info.height, rgba: data }, 96);
  const cli = await readImage(path, 96);
  assert.deepEqual(cli.shape, browser.shape);
  assert.equal(Math.max(cli.shape[1], cli.shape[2]), 96);
  assert.deepEqual(await cli.data(), await browser.data());
  tf.dispose([cli, browser]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("inputImage() averages 2x2 blocks on an exact halving (no aliasing)", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // A 4x2 checkerboard of black and white columns: bilinear sampling at half-pixel centres of
  // a 2x1 output lands between each pair of columns, so every output pixel is (0 + 255)/2/255
  // = 0.5. A nearest or corner-aligned resize would give 0 or 1 instead.
  const w = 4, h = 2;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rgba.fill(x % 2 ? 255 : 0, (y * w + x) * 4, (y * w + x) * 4 + 4);
  }
  const out = inputImage({ width: w, height: h, rgba }, 2);
  assert.deepEqual(out.shape, [1, 1, 2, 3]);
  for (const v of await out.data()) assert.ok(Math.abs(v - 0.5) < 1e-6, `${v}`);
  out.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a supersampled read is exactly the factor times the plain sides, on both faces", async () => {
  await setupTf();
  const before = tf.memory().numTensors;
  // chelsea.png is 451x300: at 256 px 256x170 (300 x 256/451 = 170.3). A long side of 512 would
  // give 512x341 (340.6), whose half rounds to 171: the factor multiplies the plain sides instead.
  const path = sharedImage("content/chelsea.png");
  const plain = await readImage(path, 256);
  const twice = await readImage(path, 256, 2);
  assert.deepEqual(plain.shape, [1, 170, 256, 3]);
  assert.deepEqual(twice.shape, [1, 340, 512, 3]);
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const browser = inputImage({ width: info.width, height: info.height, rgba: data }, 256, 2);
  assert.deepEqual(await twice.data(), await browser.data());
  tf.dispose([plain, twice, browser]);
  assert.equal(tf.memory().numTensors, before);
});
