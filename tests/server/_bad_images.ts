/**
 * The bad-image corpus of the server tests: bytes that must never be stored, each with the
 * status and error code the upload gets. Results (gallery_http_test.ts) and inputs
 * (gallery_inputs_test.ts) both go through it.
 */
import { image } from "./_helpers.ts";

export interface BadImage {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** The part's Content-Type as a browser would send it. */
  type: string;
  status: number;
  code: string;
}

/** A 1x1 PNG whose IHDR claims width x height, with a valid CRC: a header-only bomb. */
export async function bombPng(width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
  const real = await image(1, 1);
  const out = real.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width); // IHDR data starts at 8 (signature) + 8 (length, type)
  view.setUint32(20, height);
  view.setUint32(29, crc32(out.subarray(12, 29))); // CRC over type + 13 data bytes
  return out;
}

// CRC-32 as in PNG spec annex D (ISO 3309 polynomial 0xEDB88320).
function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

export async function badImages(): Promise<BadImage[]> {
  const png = await image(64, 64);
  const enc = (t: string) => new TextEncoder().encode(t) as Uint8Array<ArrayBuffer>;
  const bad = (name: string, bytes: Uint8Array<ArrayBuffer>, status: number, code: string) => ({
    name,
    bytes,
    type: "image/png",
    status,
    code,
  });
  return [
    bad("truncated PNG", png.slice(0, png.length - 40), 422, "invalid_image"),
    bad("PNG missing IEND", png.slice(0, png.length - 12), 422, "invalid_image"),
    bad(
      "PNG signature + HTML",
      new Uint8Array([...png.subarray(0, 8), ...enc("<html><script>alert(1)</script>")]),
      422,
      "invalid_image",
    ),
    bad(
      "JPEG magic + PNG body",
      new Uint8Array([0xff, 0xd8, 0xff, ...png]),
      422,
      "invalid_image",
    ),
    bad("100000x100000 header", await bombPng(100_000, 100_000), 413, "image_too_large"),
    {
      ...bad("GIF", enc("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "unsupported_media_type"),
      type: "image/gif",
    },
    {
      ...bad(
        "SVG",
        enc(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`),
        415,
        "unsupported_media_type",
      ),
      type: "image/svg+xml",
    },
  ];
}
