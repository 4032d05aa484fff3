/** Coarse-to-fine planning: scale sizes, the iteration split, and the planned image sizes. */
import assert from "node:assert/strict";
import { planScales, pyramidSizes, runDims, splitIterations } from "../../src/shared/pyramid.ts";

Deno.test("pyramidSizes() goes from minSize to the size in sqrt(2) steps, the last exactly the size", () => {
  const spec = { minSize: 128, step: Math.SQRT2 };
  // 256 / sqrt(2)^j for j = 2, 1, 0: 128, 181.02 -> 181, 256.
  assert.deepEqual(pyramidSizes(256, spec), [128, 181, 256]);
  // 512 / sqrt(2)^j for j = 4..0: 128, 181.02, 256, 362.04, 512.
  assert.deepEqual(pyramidSizes(512, spec), [128, 181, 256, 362, 512]);
  // log(300 / 128) / log(sqrt(2)) = 2.46, so j = 2..0: 150, 212.13 -> 212, 300 (first in [128, 181)).
  assert.deepEqual(pyramidSizes(300, spec), [150, 212, 300]);
  // 96 / 64 = 1.5 < 2: no room for a coarser scale of step 2.
  assert.deepEqual(pyramidSizes(96, { minSize: 64, step: 2 }), [96]);
});

Deno.test("pyramidSizes() of a pyramid whose minSize is at least the size is one scale", () => {
  assert.deepEqual(pyramidSizes(256, { minSize: 256, step: Math.SQRT2 }), [256]);
  assert.deepEqual(pyramidSizes(100, { minSize: 128, step: Math.SQRT2 }), [100]);
});

Deno.test("splitIterations() shares the total geometrically, coarse first, and sums exactly", () => {
  // 3 scales, share 1.5: weights 2.25, 1.5, 1 (sum 4.75). After 1 each, 97 are shared:
  // 97·2.25/4.75 = 45.947, 97·1.5/4.75 = 30.632, 97/4.75 = 20.421 -> floors 45, 30, 20 (95);
  // the 2 left go to the largest fractions (.947, .632): 46, 31, 20; plus 1 each: 47, 32, 21.
  assert.deepEqual(splitIterations(100, 3, 1.5), [47, 32, 21]);
  // 2 scales: 8 shared as 4.8 and 3.2 -> 4, 3, the 1 left to .8: 5, 3; plus 1 each: 6, 4.
  assert.deepEqual(splitIterations(10, 2, 1.5), [6, 4]);
  // Share 1: 4 shared as 1.33 each -> 1, 1, 1, the 1 left to the tie's coarsest: 3, 2, 2.
  assert.deepEqual(splitIterations(7, 3, 1), [3, 2, 2]);
  assert.deepEqual(splitIterations(3, 3, 1.5), [1, 1, 1]);
  assert.deepEqual(splitIterations(5, 1, 1.5), [5]);
  for (const [n, c, s] of [[101, 5, 1.5], [37, 4, 2], [1000, 9, 1.2]]) {
    const parts = splitIterations(n, c, s);
    assert.equal(parts.reduce((a, b) => a + b, 0), n);
    assert.ok(parts.every((p, k) => p >= 1 && (k === 0 || p <= parts[k - 1])), `${parts}`);
  }
  assert.throws(() => splitIterations(2, 3, 1.5), /Cannot split 2 iterations over 3 scales/);
});

Deno.test("planScales() keeps the content's aspect ratio and its exact size at the last scale", () => {
  // 256x170 (chelsea at 256): long sides 128, 181, 256; 170·128/256 = 85, 170·181/256 = 120.2.
  assert.deepEqual(planScales(170, 256, { iterations: 100, pyramid: {} }), [
    { size: 128, height: 85, width: 128, iterations: 47 },
    { size: 181, height: 120, width: 181, iterations: 32 },
    { size: 256, height: 170, width: 256, iterations: 21 },
  ]);
  // No pyramid (an old recipe): one scale at the content's own size.
  assert.deepEqual(planScales(48, 64, { iterations: 20 }), [
    { size: 64, height: 48, width: 64, iterations: 20 },
  ]);
});

Deno.test("planScales() drops scales below the network minimum and the coarsest when iterations are few", () => {
  // 64x48 from 32 in sqrt(2) steps: 32, 45.25 -> 45, 64. At 32 the short side is 24 < 32
  // (dropped); at 45 it is 48·45/64 = 33.75 -> 34.
  assert.deepEqual(planScales(48, 64, { iterations: 10, pyramid: { minSize: 32 } }), [
    { size: 45, height: 34, width: 45, iterations: 6 },
    { size: 64, height: 48, width: 64, iterations: 4 },
  ]);
  // 2 iterations for 3 scales: the two finest run once each.
  assert.deepEqual(
    planScales(170, 256, { iterations: 2, pyramid: {} }).map((s) => [s.size, s.iterations]),
    [[181, 1], [256, 1]],
  );
});

Deno.test("runDims() is the output's sides at the recipe's size times its supersampling", () => {
  // 451x300 at 256 px: 256x170 (170.3); twice that, not the 512 px long side's 512x341.
  assert.deepEqual(runDims(300, 451, { size: 256 }), { height: 170, width: 256 });
  assert.deepEqual(runDims(300, 451, { size: 256, supersample: 2 }), { height: 340, width: 512 });
  assert.deepEqual(runDims(451, 300, { size: 100, supersample: 4 }), { height: 400, width: 268 });
});
