import assert from "node:assert/strict";
import { estimateFor, estimateRun, largestFit, misfit } from "../../src/client/limits.ts";
import type { DeviceLimits } from "../../src/client/protocol.ts";
import { webgpuMaxConvPixels } from "../../src/shared/tiling/plan.ts";

// A three-layer toy table: channels 8/16/32 at strides 2/4/8.
const LAYERS = [
  { name: "a", channels: 8, stride: 2 },
  { name: "b", channels: 16, stride: 4 },
  { name: "c", channels: 32, stride: 8 },
];
const ROOMY: DeviceLimits = {
  maxTensorBytes: Infinity,
  maxTextureSize: Infinity,
  memoryBytes: Infinity,
};

Deno.test("estimateRun() sums float32 activations up to the deepest used layer, times 3", () => {
  // 64x64: input 64*64*3*4 = 49152 B, a 32*32*8*4 = 32768 B, b 16*16*16*4 = 16384 B;
  // (49152 + 32768 + 16384) * 3 = 294912. The largest is the input: 49152 B = 3072 RGBA texels.
  // The finest map is a's, at stride 2: 32x32 = 1024 pixels.
  assert.deepEqual(estimateRun(LAYERS, { width: 64, height: 64 }, { used: ["a", "b"] }), {
    totalBytes: 294912,
    largestTensorBytes: 49152,
    largestTexels: 3072,
    largestMapPixels: 1024,
  });
  // Reading c adds 8*8*32*4 = 8192 B: (98304 + 8192) * 3 = 319488.
  assert.equal(
    estimateRun(LAYERS, { width: 64, height: 64 }, { used: ["c"] }).totalBytes,
    319488,
  );
  // Odd sizes round each map up, as 'same' padding does: 33 px -> a is 17x17.
  const odd = estimateRun(LAYERS, { width: 33, height: 33 }, { used: ["a"] });
  assert.equal(odd.totalBytes, (33 * 33 * 3 + 17 * 17 * 8) * 4 * 3);
});

Deno.test("estimateRun() counts a recipe's fixed views once each; estimateFor() reads them from its transforms", () => {
  const size = { width: 64, height: 64 };
  const one = estimateRun(LAYERS, size, { used: ["a", "b"] });
  const four = estimateRun(LAYERS, size, { used: ["a", "b"], views: 4 });
  // Every view's pass is on the gradient tape at once: 4 x 294912 B; one tensor is no larger.
  assert.equal(four.totalBytes, 4 * 294912);
  assert.equal(four.largestTensorBytes, one.largestTensorBytes);
  const layers = { content: [{ layer: "b", weight: 1 }], style: [{ layer: "a", weight: 1 }] };
  // MobileNet-v1's default: mirrored pad 8, jitter 8, four views.
  const views = {
    pad: 8,
    padMode: "reflect" as const,
    jitter: 8,
    scales: [],
    angles: [],
    views: 4,
  };
  assert.deepEqual(estimateFor({ layers, transforms: views }), { used: ["b", "a"], views: 4 });
  // No transforms, or views of a transform that moves no pixel: one pass.
  assert.deepEqual(estimateFor({ layers }), { used: ["b", "a"], views: 1 });
  assert.equal(estimateFor({ layers, transforms: { ...views, pad: 0, jitter: 0 } }).views, 1);
  // So a size that fits one pass can be refused with four views.
  const limits = { ...ROOMY, memoryBytes: 2 * 294912 };
  assert.equal(misfit(estimateRun(LAYERS, size, estimateFor({ layers })), 64, limits), undefined);
  assert.match(
    misfit(estimateRun(LAYERS, size, estimateFor({ layers, transforms: views })), 64, limits)!,
    /^the run needs about 1\.1 MB of memory, more than the 0\.6 MB this backend can use$/,
  );
});

Deno.test("misfit() names the limit a run breaks, and nothing when it fits", () => {
  const e = estimateRun(LAYERS, { width: 64, height: 64 }, { used: ["b"] });
  assert.equal(misfit(e, 64, ROOMY), undefined);
  assert.equal(
    misfit(e, 64, { ...ROOMY, maxTextureSize: 32 }),
    "64 px exceeds the GPU's maximum texture size of 32 px",
  );
  // 1024 px: input 12 MiB, a 8 MiB, b 4 MiB; (12 + 8 + 4) * 3 = 72 MiB.
  const big = estimateRun(LAYERS, { width: 1024, height: 1024 }, { used: ["b"] });
  assert.equal(
    misfit(big, 1024, { ...ROOMY, maxTensorBytes: 8 * 2 ** 20 }),
    "the largest activation needs 12 MB, more than the GPU's 8.0 MB buffer limit",
  );
  assert.equal(
    misfit(big, 1024, { ...ROOMY, memoryBytes: 64 * 2 ** 20 }),
    "the run needs about 72 MB of memory, more than the 64 MB this backend can use",
  );
  // The texel check: 3072 texels fit a 56² = 3136 texture, not a 55² = 3025 one (side 32 < 55).
  assert.equal(misfit(e, 32, { ...ROOMY, maxTextureSize: 56 }), undefined);
  assert.match(misfit(e, 32, { ...ROOMY, maxTextureSize: 55 })!, /more texels than a 55² texture/);
});

Deno.test("misfit() refuses a first convolution over WebGPU's dispatch limit, and only where one is set", () => {
  // a at stride 2: a 2898x2898 image makes 1449² = 2,099,601 pixels, over 65,535 · 32.
  const big = estimateRun(LAYERS, { width: 2898, height: 2898 }, { used: ["a"] });
  const small = estimateRun(LAYERS, { width: 2896, height: 2896 }, { used: ["a"] });
  assert.equal(big.largestMapPixels, 2099601);
  assert.equal(small.largestMapPixels, 1448 * 1448);
  const gpu = { ...ROOMY, maxConvPixels: webgpuMaxConvPixels() };
  assert.equal(
    misfit(big, 2898, gpu),
    "its first convolution makes 2,099,601 pixels, more than the 2,097,120 one WebGPU convolution can",
  );
  assert.equal(misfit(small, 2896, gpu), undefined);
  assert.equal(misfit(big, 2898, ROOMY), undefined, "no such limit off WebGPU");
});

Deno.test("largestFit() offers the largest multiple of 16 that fits the memory", () => {
  // Square, side s (a multiple of 4): bytes = 3 * 4 * (3 + 8/4 + 16/16) * s² = 72 s².
  // 72 s² <= 720000 means s <= 100, so 96.
  const limits = { ...ROOMY, memoryBytes: 720000 };
  assert.equal(largestFit(LAYERS, 1, 500, limits, { used: ["b"] }), 96);
  // Never more than asked for, rounded down to 16: 90 -> 80.
  assert.equal(largestFit(LAYERS, 1, 90, limits, { used: ["b"] }), 80);
  // 2:1 landscape, width s, height s/2: bytes = 12 * (1.5 + 1 + 0.5) * s² = 36 s² <= 720000
  // means s <= 141.4, so 128 (144 needs 746496 B).
  assert.equal(largestFit(LAYERS, 2, 500, limits, { used: ["b"] }), 128);
  // Portrait is the same run turned: the long side is the height.
  assert.equal(largestFit(LAYERS, 0.5, 500, limits, { used: ["b"] }), 128);
  // Nothing of at least 32 px fits: 0.
  assert.equal(largestFit(LAYERS, 1, 500, { ...ROOMY, memoryBytes: 1000 }, { used: ["b"] }), 0);
});
