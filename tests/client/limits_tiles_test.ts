/**
 * The studio's plan: planRunTiles() (the engine's one planner) under memoryBudgetFor()'s budget,
 * for Darknet-tiny, derived by hand from the costs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { memoryBudgetFor } from "../../src/client/limits.ts";
import { planRunTiles } from "../../src/shared/tiled_run.ts";
import type { ModelManifest } from "../../src/shared/nets/manifest.ts";
import type { DeviceLimits } from "../../src/client/protocol.ts";
import { parseManifest } from "../../src/shared/nets/loader.ts";
import { MEASURED_COSTS } from "../../src/shared/tiling/plan.ts";
import { ROOT } from "../_images.ts";

const GiB = 2 ** 30;
// worker.ts's WASM limits.
const WASM = { maxTensorBytes: GiB, maxTextureSize: Infinity, memoryBytes: 1.5 * GiB };
const used = ["conv8", "conv2", "conv6", "conv10", "conv14"];

const RECIPE = {
  layers: {
    content: [{ layer: "conv8", weight: 1 }],
    style: ["conv2", "conv6", "conv10", "conv14"].map((layer) => ({ layer, weight: 1 })),
  },
};

/** The studio's plan of RECIPE at `size` on `backend` with `limits`. */
function studioPlan(
  manifest: ModelManifest,
  size: { width: number; height: number },
  limits: DeviceLimits,
  backend = "wasm",
) {
  return planRunTiles(
    { manifest },
    RECIPE,
    size,
    memoryBudgetFor(manifest, { limits, backend, used }),
  )!;
}

async function darknet() {
  const path = join(ROOT, "static/models/darknet-tiny/manifest.json");
  return parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
}

Deno.test("planRunTiles() under memoryBudgetFor() runs Darknet-tiny at 512 px untiled on WASM", async () => {
  // 4.5e6 + 1993·512² = 4,500,000 + 522,452,992 = 526,952,992 B <= 1.5 GiB.
  assert.deepEqual(MEASURED_COSTS["darknet-tiny"].wasm, { fixedBytes: 4.5e6, bytesPerPixel: 1993 });
  const p = studioPlan(await darknet(), { width: 512, height: 512 }, WASM);
  assert.deepEqual([p.tiled, p.tiles, p.peakBytes], [false, 1, 526_952_992]);
});

Deno.test("planRunTiles() under memoryBudgetFor() tiles Darknet-tiny at 2048 px on WASM in 608 px tiles", async () => {
  // Untiled: 4.5e6 + 1993·2048² = 8.4e9 B > 1.5 GiB. Tiled: halo 59 + 59, align 16, crop =
  // t + 59 + 15 + 59 = t + 133. Whole-image buffers 96 B/px + conv8 targets 4·256/64 = 16 B/px:
  // 112·2048² = 469,762,048. crop² <= (1,610,612,736 - 4.5e6 - 469,762,048) / 1993 = 570,171.9
  // -> crop <= 755.1 -> t <= 622.1 -> t = 608 (16·38), crop 741, ceil(2048/608)² = 16 tiles;
  // peak 4.5e6 + 1993·741² + 469,762,048 = 1,568,580,481.
  const p = studioPlan(await darknet(), { width: 2048, height: 2048 }, WASM);
  assert.deepEqual([p.tiled, p.tile, p.crop, p.tiles, p.peakBytes], [
    true,
    608,
    741,
    16,
    1_568_580_481,
  ]);
  // WebGL with 512 px textures: misfit() wants the largest activation, conv1's 16 channels at
  // stride 1, in one texture of 4 channels per texel: side²·16/4 <= 512² -> crop side <= 256
  // -> t <= 256 - 133 = 123 -> t = 112 (16·7), crop 245, ceil(2048/112)² = 19² = 361 tiles.
  const gl = studioPlan(await darknet(), { width: 2048, height: 2048 }, {
    maxTensorBytes: Infinity,
    maxTextureSize: 512,
    memoryBytes: GiB,
  }, "webgl");
  assert.deepEqual([gl.tile, gl.crop, gl.tiles], [112, 245, 361]);
});

Deno.test("planRunTiles() under memoryBudgetFor() refuses Darknet-tiny at 4096 px on WASM: the whole-image buffers alone exceed 1.5 GiB", async () => {
  // Tiled or not, a run keeps (96 B/px of RGB buffers + conv8's 4·256/8² = 16 B/px content
  // target) · 4096² = 112 · 16,777,216 = 1,879,048,192 B > 1.5 GiB = 1,610,612,736 B: no tile
  // fits, and the studio refuses (largestFit then offers a smaller size).
  const manifest = await darknet();
  assert.throws(
    () => studioPlan(manifest, { width: 4096, height: 4096 }, WASM),
    /4096x4096 with darknet-tiny needs at least \d+ MB even in 16 px tiles, more than the 1536 MB available/,
  );
});
