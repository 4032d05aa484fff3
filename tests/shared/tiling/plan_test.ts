/** planTiles() picks the tile size from a memory budget; numbers derived by hand. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseManifest } from "../../../src/shared/nets/loader.ts";
import {
  MEASURED_COSTS,
  planTiles,
  WHOLE_IMAGE_BYTES_PER_PIXEL,
} from "../../../src/shared/tiling/plan.ts";
import { ROOT } from "../../_images.ts";
import { syntheticManifest } from "./_synthetic.ts";

const net = { manifest: syntheticManifest() };
const cost = { fixedBytes: 1e6, bytesPerPixel: 1000 };
// Synthetic halo (receptive_field_test.ts): before max(7, 3) = 7, after max(6, 2) = 6, align 4.
// A crop is at most tile + 7 + (4 - 1) + 6 = tile + 16 px. No content layers: the whole-image
// buffers are WHOLE_IMAGE_BYTES_PER_PIXEL = 96 B/px.

Deno.test("planTiles() stays untiled when one pass fits", () => {
  // 256²·1000 + 1e6 = 66,536,000 bytes <= 70e6.
  const p = planTiles(net, { height: 256, width: 256 }, {
    memoryBytes: 70e6,
    cost,
    layers: ["deep"],
    contentLayers: [],
  });
  assert.deepEqual(p, {
    tiled: false,
    tile: 256,
    tiles: 1,
    crop: 256,
    align: 4,
    halo: { before: 7, after: 6 },
    peakBytes: 66_536_000,
  });
});

Deno.test("planTiles() picks the largest aligned tile whose crop fits", () => {
  assert.equal(WHOLE_IMAGE_BYTES_PER_PIXEL, 96);
  // 1024² with 600e6 bytes: whole-image buffers 96·1024² = 100,663,296, so the
  // budget for the crop = 600e6 - 1e6 - 100,663,296 = 498,336,704 -> crop² <= 498,336.7,
  // crop <= 705.9; crop = t + 16 -> t <= 689.9 -> t = 688 (a multiple of 4), crop 704,
  // peak = 1e6 + 1000·704² + 100,663,296 = 597,279,296; tiles ceil(1024/688)² = 4.
  const p = planTiles(net, { height: 1024, width: 1024 }, {
    memoryBytes: 600e6,
    cost,
    layers: ["deep"],
    contentLayers: [],
  });
  assert.deepEqual(p, {
    tiled: true,
    tile: 688,
    tiles: 4,
    crop: 704,
    align: 4,
    halo: { before: 7, after: 6 },
    peakBytes: 597_279_296,
  });
  // A GPU texture limit of 512 px per crop side: t + 16 <= 512 -> t = 496, 9 tiles.
  const q = planTiles(net, { height: 1024, width: 1024 }, {
    memoryBytes: 600e6,
    cost,
    layers: ["deep"],
    contentLayers: [],
    cropFits: (side) => side <= 512,
  });
  assert.deepEqual([q.tile, q.crop, q.tiles], [496, 512, 9]);
});

Deno.test("planTiles() counts full-size content targets and refuses what cannot fit", () => {
  // Content layer "pool": 6 channels at stride 4 -> 4·6/16 = 1.5 B per image pixel; 1024²:
  // whole = (96 + 1.5)·1024² = 102,236,160. Budget 110e6: crop² <= (110e6 - 1e6 -
  // 102,236,160) / 1000 = 6,763.8 -> crop 82 -> t 66 -> 64, crop 80, 16² = 256 tiles.
  const p = planTiles(net, { height: 1024, width: 1024 }, {
    memoryBytes: 110e6,
    cost,
    layers: ["pool", "deep"],
    contentLayers: ["pool"],
  });
  assert.deepEqual([p.tile, p.crop, p.tiles, p.peakBytes], [64, 80, 256, 109_636_160]);
  // The smallest tile, 4 px, has a 20 px crop: 1e6 + 1000·20² + 96·1024² = 102,063,296 B,
  // 97.3 MiB, reported rounded up as 98 MB; the budget 100e6 B is 95.4 MiB, shown as 96 MB.
  assert.throws(
    () =>
      planTiles(net, { height: 1024, width: 1024 }, {
        memoryBytes: 100e6,
        cost,
        layers: ["deep"],
        contentLayers: [],
      }),
    /1024x1024 with synthetic needs at least 98 MB even in 4 px tiles, more than the 96 MB/,
  );
});

Deno.test("planTiles() for ResNet-50 at 4096 px on a 4 GB budget tiles with the measured cost", async () => {
  const path = join(ROOT, "static/models/resnet50/manifest.json");
  const manifest = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  const c = MEASURED_COSTS.resnet50.wasm;
  const p = planTiles({ manifest }, { height: 4096, width: 4096 }, {
    memoryBytes: 4 * 2 ** 30,
    cost: c,
  });
  // Default layers: halo 241 before, 210 after, align 32; content res3d (512 ch at stride 8) =
  // 32 B/px. whole = (96 + 32)·4096² = 2,147,483,648; crop² <= (4,294,967,296 - 280e6 -
  // 2,147,483,648) / 2380 = 784,657.0 -> crop <= 885.8; crop = t + 241 + 31 + 210 = t + 482
  // -> t <= 403.8 -> t = 384 (32·12), crop 866, ceil(4096/384)² = 11² = 121 tiles.
  assert.deepEqual([p.tiled, p.tile, p.crop, p.tiles], [true, 384, 866, 121]);
});

Deno.test("planTiles() with a narrower, approximate halo fits larger tiles", async () => {
  const path = join(ROOT, "static/models/resnet50/manifest.json");
  const manifest = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  const p = planTiles({ manifest }, { height: 4096, width: 4096 }, {
    memoryBytes: 4 * 2 ** 30,
    cost: MEASURED_COSTS.resnet50.wasm,
    halo: { before: 96, after: 96 },
  });
  // As above, crop <= 885.8, now crop = t + 96 + 31 + 96 = t + 223 -> t <= 662.8 -> t = 640
  // (32·20), crop 863, ceil(4096/640)² = 7² = 49 tiles.
  assert.deepEqual([p.tile, p.crop, p.tiles, p.halo], [640, 863, 49, { before: 96, after: 96 }]);
});
