import assert from "node:assert/strict";
import { join } from "node:path";
import { forwardFlops, passCost, statisticFlops } from "../../../src/shared/nets/flops.ts";
import { parseManifest } from "../../../src/shared/nets/loader.ts";
import { ROOT } from "../../_images.ts";

Deno.test("forwardFlops() of ResNet-50 at 224 px is the textbook ~4 GMACs", async () => {
  const path = join(ROOT, "static/models/resnet50/manifest.json");
  const m = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  // He et al. 2015, table 1: 3.8e9 multiply-adds up to the last block; x2 FLOPs per MAC, plus
  // the elementwise ops (bias, ReLU, adds, pooling) that we count at one FLOP per value.
  const f = forwardFlops(m, 224, 224, ["res5c"]);
  assert.ok(f > 7.5e9 && f < 8.3e9, `ResNet-50 forward ${f / 1e9} GFLOP`);
  // Only the nodes a layer needs count: the stem alone is one 7x7x3x64 conv at 112x112 =
  // 2 * 147 * 64 * 112 * 112 = 236,027,904 FLOPs plus its bias-free ReLU (64 * 112 * 112).
  assert.equal(forwardFlops(m, 224, 224, ["conv1"]), 2 * 147 * 64 * 112 * 112 + 64 * 112 * 112);
});

Deno.test("passCost() counts the nodes a pass runs and its forward FLOPs per input pixel", async () => {
  const path = join(ROOT, "static/models/resnet50/manifest.json");
  const m = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  // The stem: conv1_pad, conv1 and its ReLU (3 nodes); at 256 x 256 the conv runs at 128 x 128:
  // (2 · 147 · 64 + 64) · 128² FLOPs over 256² pixels = (18,816 + 64) / 4.
  assert.deepEqual(passCost(m, ["conv1"]), { nodes: 3, flopsPerPixel: (2 * 147 * 64 + 64) / 4 });
  // res2c adds the max-pooling's pad and pool (2), the first block's three convs, projection,
  // add and three ReLUs (8), and two blocks of three convs, an add and three ReLUs (7 each): 27.
  assert.equal(passCost(m, ["res2c"]).nodes, 3 + 2 + 8 + 7 + 7);
});

Deno.test("statisticFlops() counts the style statistic per input pixel; passCost() adds it", async () => {
  const path = join(ROOT, "static/models/resnet50/manifest.json");
  const m = parseManifest(JSON.parse(await Deno.readTextFile(path)), path);
  // conv1: 64 channels at stride 2, a Gram (c² multiply-adds) at a quarter of the pixels:
  // 2 · 64² / 4 = 2,048; res5c: 2,048 channels at stride 32: 2 · 2,048² / 1,024 = 8,192.
  assert.equal(statisticFlops(m, { layers: ["conv1"] }), 2048);
  assert.equal(statisticFlops(m, { layers: ["conv1", "res5c"], loss: "meancov" }), 2048 + 8192);
  // Sliced Wasserstein projects c channels on each of 32 directions: 2 · 64 · 32 / 4 = 1,024.
  assert.equal(statisticFlops(m, { layers: ["conv1"], loss: "sliced", projections: 32 }), 1024);
  const plain = passCost(m, ["conv1"]);
  assert.deepEqual(passCost(m, ["conv1"], { layers: ["conv1"] }), {
    nodes: plain.nodes,
    flopsPerPixel: plain.flopsPerPixel + 2048,
  });
  assert.throws(() => statisticFlops(m, { layers: ["nope"] }), /Unknown layer "nope"/);
});
