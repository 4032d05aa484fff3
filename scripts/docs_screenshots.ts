/**
 * The README's screenshots from the browser tests' own (test-artifacts/e2e/, made by
 * tests/e2e/product_test.ts and share_remix_test.ts): the top of the page at 1280 px, 900 px
 * wide, as JPEG under docs/, each kept under 300 KB so the repository stays small.
 *
 *   deno run -A scripts/docs_screenshots.ts
 */
import sharp from "sharp";

const ROOT = new URL("../", import.meta.url);
const SHOTS: [from: string, to: string][] = [
  ["test-artifacts/e2e/20-first-visit-1280.png", "docs/first-visit.jpg"],
  ["test-artifacts/e2e/share-3-permalink-photo-1280x900.png", "docs/permalink.jpg"],
];
const MAX_BYTES = 300 * 1024;

await Deno.mkdir(new URL("docs/", ROOT), { recursive: true });
for (const [from, to] of SHOTS) {
  const src = sharp(new URL(from, ROOT).pathname);
  const { width = 1280, height = 900 } = await src.metadata();
  // The first screen's worth (full-page shots can be long), at 900 px wide.
  const out = await src.extract({ left: 0, top: 0, width, height: Math.min(height, 1100) })
    .resize({ width: 900 }).jpeg({ quality: 78, mozjpeg: true }).toBuffer();
  if (out.length > MAX_BYTES) throw new Error(`${to} is ${out.length} bytes: over ${MAX_BYTES}`);
  await Deno.writeFile(new URL(to, ROOT), out);
  console.log(`${to}: ${(out.length / 1024).toFixed(0)} KB`);
}
