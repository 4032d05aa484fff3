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
  // 3.4e6 + 1536·512² + 75,497,472 = 3,400,000 + 402,653,184 + 75,497,472 = 481,550,656 B
  // <= 1.5 GiB: untiled, with the recipe's history.
  assert.deepEqual(MEASURED_COSTS["darknet-tiny"].wasm, { fixedBytes: 3.4e6, bytesPerPixel: 1536 });
  const p = studioPlan(await darknet(), { width: 512, height: 512 }, WASM);
  assert.deepEqual([p.tiled, p.tiles, p.peakBytes, p.history], [false, 1, 481_550_656, undefined]);
});

Deno.test("planRunTiles() under memoryBudgetFor() tiles Darknet-tiny at 2048 px on WASM with every L-BFGS vector in JS memory", async () => {
  // Whole-image bytes: 96 B/px of evaluation buffers + conv8's targets 4·256/8² = 16 B/px +
  // 12·(4 + 2m) B/px of L-BFGS vectors = (160 + 24m)·2048², 2048² = 4,194,304.
  // m = 10 on the device: 400·4,194,304 = 1,677,721,600 > 1.5 GiB (1,610,612,736): no tile.
  // Host history (m = 10 kept, 160 B/px): 671,088,640, crop² <= (1,610,612,736 - 3.4e6 -
  // 671,088,640) / 1536 = 609,455.8 -> crop <= 780, tiles of 640 px (16 tiles): tiled, so
  // the planner tries every vector in JS memory (HOST_RUN_BYTES_PER_PIXEL, 48 B/px: four
  // images of the content in the backend): 48·4,194,304 = 201,326,592;
  //   1,610,612,736 - 3.4e6 - 201,326,592 = 1,405,886,144 -> crop² <= 1,405,886,144 / 1536 =
  //   915,290.5 -> crop <= 956 (957² = 915,849) -> t <= 956 - 133 = 823 -> t = 816 (16·51),
  //   crop 949, ceil(2048/816)² = 3² = 9 tiles, peak 3.4e6 + 1536·949² + 201,326,592 =
  //   3,400,000 + 1,383,323,136 + 201,326,592 = 1,588,049,728. (With host history: 16 tiles of
  //   640 px; before that, m cut to 8, 225 tiles of 144 px, with the costs of that time.)
  const p = studioPlan(await darknet(), { width: 2048, height: 2048 }, WASM);
  assert.deepEqual(
    [p.tiled, p.tile, p.crop, p.tiles, p.peakBytes, p.history, p.hostHistory, p.hostVectors],
    [true, 816, 949, 9, 1_588_049_728, undefined, undefined, true],
  );
  // WebGL with 512 px textures and 4 GiB: misfit() wants the largest activation, conv1's 16
  // channels at stride 1, in one texture of 4 channels per texel: side²·16/4 <= 512² -> crop
  // <= 256 -> t <= 256 - 133 = 123 -> t = 112 (16·7), crop 245, ceil(2048/112)² = 19² = 361
  // tiles; m = 10 fits 4 GiB (1,677,721,600 + 3.4e6 + 1536·245² = 1.77e9), but 112 < 118,
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

Deno.test("planRunTiles() under memoryBudgetFor() plans Darknet-tiny at 4096 px on WASM with every L-BFGS vector in JS memory", async () => {
  const manifest = await darknet();
  // 4096x2731 = 11,186,176 px. On the device (m = 10): 400·11,186,176 = 4,474,470,400 B; host
  // history: 160·11,186,176 = 1,789,788,160 B > 1.5 GiB: neither fits, in any tile. Every
  // vector in JS memory: 48·11,186,176 = 536,936,448 B; 1,610,612,736 - 3.4e6 - 536,936,448 =
  // 1,070,276,288 -> crop² <= 1,070,276,288 / 1536 = 696,794.5 -> crop <= 834 (835² =
  // 697,225) -> t <= 701 -> 688 (16·43), crop 821, ceil(2731/688)·ceil(4096/688) = 4·6 = 24
  // tiles, peak 3.4e6 + 1536·821² + 536,936,448 = 3,400,000 + 1,035,326,976 + 536,936,448 =
  // 1,575,663,424.
  const p = studioPlan(manifest, { width: 4096, height: 2731 }, WASM);
  assert.deepEqual(
    [p.tiled, p.tile, p.crop, p.tiles, p.peakBytes, p.history, p.hostHistory, p.hostVectors],
    [true, 688, 821, 24, 1_575_663_424, undefined, undefined, true],
  );
  // 4096 x 4096 = 16,777,216 px: 48·16,777,216 = 805,306,368; 1,610,612,736 - 3.4e6 -
  // 805,306,368 = 801,906,368 -> crop² <= 522,074.5 -> crop <= 722 (723² = 522,729) -> t <= 589
  // -> 576 (16·36), crop 709, ceil(4096/576)² = 8² = 64 tiles, peak 3.4e6 + 1536·709² +
  // 805,306,368 = 3,400,000 + 772,118,016 + 805,306,368 = 1,580,824,384.
  const sq = studioPlan(manifest, { width: 4096, height: 4096 }, WASM);
  assert.deepEqual(
    [sq.tile, sq.crop, sq.tiles, sq.peakBytes, sq.hostVectors],
    [576, 709, 64, 1_580_824_384, true],
  );
  // A Fourier parameterisation mixes the whole image: no host vectors, and host history's
  // error (the least memory) is the one reported.
  assert.throws(
    () =>
      planRunTiles(
        { manifest },
        { ...RECIPE, param: { kind: "fourier", decorrelate: false } },
        { width: 4096, height: 2731 },
        memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used }),
      ),
    /4096x2731 with darknet-tiny needs at least \d+ MB even in 16 px tiles, more than the 1536 MB available/,
  );
});

Deno.test("planRunTiles() under memoryBudgetFor() plans ResNet-50 at 4096x2731 on WASM with every L-BFGS vector in JS memory", async () => {
  const path = join(ROOT, "static/models/resnet50/manifest.json");
  const manifest = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  const layers = ["res3d", "conv1", "res2c", "res4f", "res5c"];
  const recipe = {
    layers: {
      content: [{ layer: "res3d", weight: 1 }],
      style: ["conv1", "res2c", "res3d", "res4f", "res5c"].map((layer) => ({ layer, weight: 1 })),
    },
    optimizer: { kind: "lbfgs" as const, history: 10 },
  };
  const p = planRunTiles(
    { manifest },
    recipe,
    { width: 4096, height: 2731 },
    memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used: layers }),
  )!;
  // 280 MB + 2380 B/px (MEASURED_COSTS), the 96 px approximate halo, align 32 (res5c): crop
  // = t + 96 + 31 + 96 = t + 223. On the device: (96 + res3d's 4·512/8² = 32 + 288)·11,186,176
  // B > 1.5 GiB; host history: 176·11,186,176 = 1,968,766,976 > 1.5 GiB. Every vector in JS
  // memory: 1,610,612,736 - 280e6 - 536,936,448 = 793,676,288 -> crop² <= 333,477.4 -> crop
  // <= 577 (578² = 334,084) -> t <= 354 -> 352 (32·11), crop 575, ceil(2731/352)·ceil(4096/352)
  // = 8·12 = 96 tiles, peak 280e6 + 2380·575² + 536,936,448 = 280,000,000 + 786,887,500 +
  // 536,936,448 = 1,603,823,948.
  assert.deepEqual(
    [p.tiled, p.tile, p.crop, p.tiles, p.peakBytes, p.hostVectors],
    [true, 352, 575, 96, 1_603_823_948, true],
  );
});

Deno.test("largestTiledFit() offers Darknet-tiny's WASM maximum at 3:2: 4096 px, the studio's cap", async () => {
  // 4096x2731 plans 24 tiles of 688 px with every vector in JS memory (the test above), so the
  // largest size that fits is the cap itself. (Before host vectors: 3824 px with host history,
  // 160 B/px; 3568 px with the history on the device.)
  const manifest = await darknet();
  const memory = memoryBudgetFor(manifest, { limits: WASM, backend: "wasm", used });
  // The recipe a 4096 px run gets: without the fixed views of 512 px and below.
  const recipe = makeRecipe(manifest, { overrides: { size: 4096, optimizer: RECIPE.optimizer } });
  assert.equal(recipe.transforms, undefined);
  assert.deepEqual(
    [...recipe.layers.content, ...recipe.layers.style].map((l) => l.layer).sort(),
    [...used].sort(),
  );
  assert.equal(largestTiledFit(manifest, recipe, 1.5, 4096, { memory }), 4096);
});
