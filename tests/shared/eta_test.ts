import assert from "node:assert/strict";
import { etaSeconds, eventEta } from "../../src/shared/eta.ts";
import { planScales } from "../../src/shared/pyramid.ts";

Deno.test("etaSeconds() of a one-scale run is the remaining iterations at the measured rate", () => {
  // 100x100, 40 iterations; 10 done in 5 s: 0.5 s each, 30 left -> 15 s.
  const eta = etaSeconds([{ height: 100, width: 100, iterations: 40 }], {
    index: 0,
    iteration: 10,
  }, 5000);
  assert.deepEqual(eta, { seconds: 15, approximate: false });
});

Deno.test("etaSeconds() weights the scales still to come by their pixels", () => {
  // Scales 64x64 x 30 its and 128x128 x 10 its. After the first scale (30 its in 6 s):
  // done = 4096*30 = 122880 pixel-its in 6 s; left = 16384*10 = 163840 pixel-its
  // -> 6 * 163840 / 122880 = 8 s. Counting iterations alone would say 10 its at 5 its/s = 2 s.
  const plan = [
    { height: 64, width: 64, iterations: 30 },
    { height: 128, width: 128, iterations: 10 },
  ];
  const eta = etaSeconds(plan, { index: 0, iteration: 30 }, 6000);
  assert.equal(eta.seconds, 8);
  assert.equal(eta.approximate, true, "a larger scale is still to come");
  // Halfway through the last scale: done 122880 + 16384*5 = 204800 in 10 s, left 81920
  // -> 10 * 81920 / 204800 = 4 s, no longer extrapolated.
  assert.deepEqual(etaSeconds(plan, { index: 1, iteration: 5 }, 10_000), {
    seconds: 4,
    approximate: false,
  });
  // At the end nothing is left.
  assert.equal(etaSeconds(plan, { index: 1, iteration: 10 }, 12_000).seconds, 0);
});

Deno.test("etaSeconds() follows planScales(): 256 px from 128 runs 128, 181 and 256", () => {
  // 256x256, 100 iterations, default sqrt(2) steps and 1.5x share: sizes 128, 181, 256 with
  // iterations splitIterations(100, 3, 1.5) = [47, 32, 21] (derived in pyramid_test.ts).
  // After the first scale in t s, the rest costs
  // (181^2*32 + 256^2*21) / (128^2*47) * t = (1048352 + 1376256) / 770048 * t = 3.1486 t.
  const plan = planScales(256, 256, { iterations: 100, pyramid: { minSize: 128 } });
  assert.deepEqual(plan.map((s) => [s.size, s.iterations]), [[128, 47], [181, 32], [256, 21]]);
  const eta = etaSeconds(plan, { index: 0, iteration: 47 }, 10_000);
  assert.ok(Math.abs(eta.seconds - 31.486) < 0.001, `${eta.seconds}`);
});

Deno.test("etaSeconds() is NaN before any time is measured and refuses a scale outside the plan", () => {
  const plan = [{ height: 10, width: 10, iterations: 5 }];
  assert.ok(Number.isNaN(etaSeconds(plan, { index: 0, iteration: 1 }, 0).seconds));
  assert.throws(
    () => etaSeconds(plan, { index: 1, iteration: 1 }, 100),
    /Scale 1 is outside the plan's 1 scales/,
  );
});

Deno.test("eventEta() without a plan is the iterations left at the measured rate", () => {
  // 10 of 100 iterations in 5 s: 0.5 s each, 90 left: 45 s, however many evaluations each took.
  // 2 of 100 in 8 s (early L-BFGS line searches): 4 s each, 98 left: 392 s.
  const at = (iteration: number, elapsedMs: number) =>
    eventEta(undefined, { iteration, iterations: 100, elapsedMs });
  assert.deepEqual(at(10, 5000), { seconds: 45, approximate: false });
  assert.deepEqual(at(2, 8000), { seconds: 392, approximate: false });
  assert.ok(Number.isNaN(at(0, 1000).seconds));
});

Deno.test("eventEta() with the run's plan weighs the scales by their pixels", () => {
  // Plan: 20 iterations at 10x10 (2,000 pixel-iterations), then 10 at 20x20 (4,000). At scale
  // 0 iteration 10 after 1 s: 1,000 done, 5,000 left at 1 ms per pixel-iteration: 5 s.
  const plan = [{ height: 10, width: 10, iterations: 20 }, {
    height: 20,
    width: 20,
    iterations: 10,
  }];
  const event = {
    iteration: 10,
    iterations: 30,
    elapsedMs: 1000,
    scale: { index: 0, count: 2, iteration: 10 },
  };
  assert.deepEqual(eventEta(plan, event), { seconds: 5, approximate: true });
  // An event that disagrees with the plan (three scales) falls back to iterations: 20 left at
  // 10 per second.
  assert.deepEqual(eventEta(plan, { ...event, scale: { ...event.scale, count: 3 } }), {
    seconds: 2,
    approximate: true,
  });
});
