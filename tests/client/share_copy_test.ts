/**
 * shareCopy(): the share upload's downscaled copy (issue 14). createImageBitmap and
 * OffscreenCanvas are browser APIs, so the test stands them in with recorders: what matters
 * here is the size shareCopy() draws at and that a small PNG goes as it is.
 */
import assert from "node:assert/strict";
import { SHARE_SIDE, shareCopy } from "../../src/client/state/images.ts";

interface Drawn {
  canvas: [number, number];
  draw: [number, number];
  closed: number;
}

/** Runs `f` with a fake decoder that reports `width` x `height`; returns what was drawn. */
async function withFakeCanvas<T>(
  width: number,
  height: number,
  f: () => Promise<T>,
): Promise<{ out: T; drawn: Drawn }> {
  const g = globalThis as Record<string, unknown>;
  const saved = { createImageBitmap: g.createImageBitmap, OffscreenCanvas: g.OffscreenCanvas };
  const drawn: Drawn = { canvas: [0, 0], draw: [0, 0], closed: 0 };
  g.createImageBitmap = () => Promise.resolve({ width, height, close: () => drawn.closed++ });
  g.OffscreenCanvas = class {
    constructor(w: number, h: number) {
      drawn.canvas = [w, h];
    }
    getContext() {
      return {
        drawImage: (
          _b: unknown,
          _x: number,
          _y: number,
          w: number,
          h: number,
        ) => (drawn.draw = [w, h]),
      };
    }
    convertToBlob(opts: { type: string }) {
      return Promise.resolve(new Blob(["copy"], { type: opts.type }));
    }
  };
  try {
    return { out: await f(), drawn };
  } finally {
    Object.assign(g, saved);
  }
}

Deno.test("shareCopy() draws a 4096x2731 PNG at 2048x1366, aspect kept", async () => {
  // k = 2048 / 4096 = 0.5: 4096·0.5 = 2048, 2731·0.5 = 1365.5 -> round -> 1366.
  // Aspect 4096/2731 = 1.49982 vs 2048/1366 = 1.49927: within one pixel's rounding.
  assert.equal(SHARE_SIDE, 2048);
  const png = new Blob(["full"], { type: "image/png" });
  const { out, drawn } = await withFakeCanvas(4096, 2731, () => shareCopy(png));
  assert.deepEqual(drawn.canvas, [2048, 1366]);
  assert.deepEqual(drawn.draw, [2048, 1366]);
  assert.equal(drawn.closed, 1);
  assert.notEqual(out, png);
  assert.equal(out.type, "image/png");
});

Deno.test("shareCopy() scales a portrait image by its long side", async () => {
  // k = 2048 / 3000: width 1000·2048/3000 = 682.67 -> 683, height 2048.
  const png = new Blob(["full"], { type: "image/png" });
  const { drawn } = await withFakeCanvas(1000, 3000, () => shareCopy(png));
  assert.deepEqual(drawn.canvas, [683, 2048]);
});

Deno.test("shareCopy() sends a PNG of at most 2048 px as it is", async () => {
  const png = new Blob(["full"], { type: "image/png" });
  const { out, drawn } = await withFakeCanvas(2048, 1024, () => shareCopy(png));
  assert.equal(out, png);
  assert.deepEqual(drawn.canvas, [0, 0]);
  assert.equal(drawn.closed, 1);
});
