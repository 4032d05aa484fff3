/**
 * The studio's plan: planRunTiles() (the engine's one planner) under memoryBudgetFor()'s budget,
 * for Darknet-tiny, derived by hand from the costs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { largestTiledFit, memoryBudgetFor } from "../../src/client/limits.ts";
import { planRunTiles } from "../../src/shared/tiled_run.ts";
import type { ModelManifest } from "../../src/shared/nets/manifest.ts";
import type { DeviceLimits } from "../../src/client/protocol.ts";
import { parseManifest } from "../../src/shared/nets/loader.ts";
import { MEASURED_COSTS } from "../../src/shared/tiling/plan.ts";
import { ROOT } from "../_images.ts";
import { makeRecipe } from "../../src/shared/recipe.ts";

const GiB = 2 ** 30;
// worker.ts's WASM limits.
const WASM = { maxTensorBytes: GiB, maxTextureSize: Infinity, memoryBytes: 1.5 * GiB };
const used = ["conv8", "conv2", "conv6", "conv10", "conv14"];

const RECIPE = {
  layers: {
    content: [{ layer: "conv8", weight: 1 }],
    style: ["conv2", "conv6", "conv10", "conv14"].map((layer) => ({ layer, weight: 1 })),
  },
  optimizer: { kind: "lbfgs" as const, history: 10 },
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
  // L-BFGS m = 10 keeps 4 + 2·10 = 24 whole-image vectors of 12 B/px: 288·512² = 75,497,472.
  // 3.4e6 + 1694·512² + 75,497,472 = 3,400,000 + 444,071,936 + 75,497,472 = 522,969,408 B
  // <= 1.5 GiB: untiled, with the recipe's history.
  assert.deepEqual(MEASURED_COSTS["darknet-tiny"].wasm, { fixedBytes: 3.4e6, bytesPerPixel: 1694 });
  const p = studioPlan(await darknet(), { width: 512, height: 512 }, WASM);
  assert.deepEqual([p.tiled, p.tiles, p.peakBytes, p.history], [false, 1, 522_969_408, undefined]);
});

Deno.test("planRunTiles() under memoryBudgetFor() tiles Darknet-tiny at 2048 px on WASM with the history in JS memory", async () => {
  // Whole-image bytes: 96 B/px of evaluation buffers + conv8's targets 4·256/8² = 16 B/px +
  // 12·(4 + 2m) B/px of L-BFGS vectors = (160 + 24m)·2048², 2048² = 4,194,304.
  // m = 10 on the device: 400·4,194,304 = 1,677,721,600 > 1.5 GiB (1,610,612,736): no tile.
  // Host history (lbfgs.ts hostHistory, m = 10 kept): 160·4,194,304 = 671,088,640;
  //   1,610,612,736 - 3.4e6 - 671,088,640 = 936,124,096 -> crop² <= 936,124,096 / 1694 =
  //   552,609 -> crop <= 743 (744² = 553,536) -> t <= 743 - 133 = 610 -> t = 608 (16·38),
  //   crop 741, ceil(2048/608)² = 4² = 16 tiles, peak 3.4e6 + 1694·741² + 671,088,640 =
  //   3,400,000 + 930,143,214 + 671,088,640 = 1,604,631,854. (Before: m cut to 8, 225 tiles
  //   of 144 px.)
  const p = studioPlan(await darknet(), { width: 2048, height: 2048 }, WASM);
  assert.deepEqual([p.tiled, p.tile, p.crop, p.tiles, p.peakBytes, p.history, p.hostHistory], [
    true,
    608,
    741,
    16,
    1_604_631_854,
    undefined,
    true,
  ]);
  // WebGL with 512 px textures and 4 GiB: misfit() wants the largest activation, conv1's 16
  // channels at stride 1, in one texture of 4 channels per texel: side²·16/4 <= 512² -> crop
  // <= 256 -> t <= 256 - 133 = 123 -> t = 112 (16·7), crop 245, ceil(2048/112)² = 19² = 361
  // tiles; m = 10 fits 4 GiB (1,677,721,600 + 3.4e6 + 1694·245² = 1.78e9), but 112 < 118,
  // and every smaller m hits the same texture limit: the first plan found, m = 10, is kept.
  const gl = studioPlan(await darknet(), { width: 2048, height: 2048 }, {
    maxTensorBytes: Infinity,
    maxTextureSize: 512,
    memoryBytes: 4 * GiB,
  }, "webgl");
  // Host history is WASM's alone.
  assert.deepEqual([gl.tile, gl.crop, gl.tiles, gl.history, gl.hostHistory], [
    112,
    245,
    361,
    undefined,
    undefined,
  ]);
});

Deno.test("planRunTiles() under memoryBudgetFor() refuses Darknet-tiny at 4096 px on WASM: the whole-image buffers alone exceed 1.5 GiB", async () => {
  // Even with the history in JS memory, 160·4096² = 160·16,777,216 = 2,684,354,560 B > 1.5 GiB
  // (and with m = 1 on the device, 184·16,777,216 = 3,087,007,744 B): no tile
  // fits, and the studio refuses (largestTiledFit() then offers a smaller size).
  const manifest = await darknet();
  assert.throws(
    () => studioPlan(manifest, { width: 4096, height: 4096 }, WASM),
    /4096x4096 with darknet-tiny needs at least \d+ MB even in 16 px tiles, more than the 1536 MB available/,
  );
});

Deno.test("largestTiledFit() offers Darknet-tiny's WASM maximum at 3:2: 3824 px", async () => {
  // History in JS memory (m = 10 kept), the smallest tile (16 px, crop 149): 160·w·h + 3.4e6 +
  // 1694·149² (37,608,494) <= 1,610,612,736 -> w·h <= 1,569,604,242 / 160 = 9,810,026. At 3:2,
  // h = round(w / 1.5): 3840 x 2560 = 9,830,400 does not fit; 3824 x 2549 = 9,747,376 does
  // (by 62,650 px). 4096 x 2731 would need 160·11,186,176 = 1.79 GB of whole-image buffers
  // alone. (With the history on the device, m = 1: 184 B/px, 3568 px.)
  const manifest = await darknet();
  const memory = memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used });
  const recipe = makeRecipe(manifest, { overrides: { optimizer: RECIPE.optimizer } });
  assert.deepEqual(
    [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer).sort(),
    [...used].sort(),
  );
  assert.equal(largestTiledFit(manifest, recipe, 1.5, 4096, { memory }), 3824);
});
