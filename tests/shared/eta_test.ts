import assert from "node:assert/strict";
import { createEta, PIXEL_EXPONENT_PRIOR } from "../../src/shared/eta.ts";
import { planScales } from "../../src/shared/pyramid.ts";

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

Deno.test("createEta() of a one-scale run is the iterations left at the measured rate", () => {
  // 100x100, 40 iterations; 10 done in 5 s: 0.5 s each, 30 left -> 15 s.
  const eta = createEta([{ height: 100, width: 100, iterations: 40 }]);
  assert.deepEqual(eta.update({ iteration: 10, iterations: 40, elapsedMs: 5000 }), {
    seconds: 15,
    approximate: false,
  });
});

Deno.test("createEta() without a plan is the iterations left at the mean rate", () => {
  // 10 of 100 iterations in 5 s: 0.5 s each, 90 left: 45 s, however many evaluations each took.
  // 2 of 100 in 8 s (early L-BFGS line searches): 4 s each, 98 left: 392 s.
  const eta = createEta(undefined);
  assert.deepEqual(eta.update({ iteration: 10, iterations: 100, elapsedMs: 5000 }), {
    seconds: 45,
    approximate: false,
  });
  assert.equal(
    createEta(undefined).update({ iteration: 2, iterations: 100, elapsedMs: 8000 })
      .seconds,
    392,
  );
  assert.ok(
    Number.isNaN(
      createEta(undefined).update({ iteration: 0, iterations: 9, elapsedMs: 1 }).seconds,
    ),
  );
});

Deno.test("createEta() grows the first scale's time per iteration to later scales by the prior exponent", () => {
  // Scales 64x64 x 30 iterations and 128x128 x 10 (4x the pixels). 15 iterations of the first
  // in 3 s: 200 ms each; 15 left there = 3 s; the second at 200 · 4^γ ms each, 10 of them.
  const plan = [
    { height: 64, width: 64, iterations: 30 },
    { height: 128, width: 128, iterations: 10 },
  ];
  const eta = createEta(plan);
  const e = eta.update({
    iteration: 15,
    iterations: 40,
    elapsedMs: 3000,
    scale: { index: 0, count: 2, iteration: 15 },
  });
  close(e.seconds, 3 + 10 * 0.2 * 4 ** PIXEL_EXPONENT_PRIOR, "seconds");
  assert.equal(e.approximate, true, "a larger scale is still to come");
});

Deno.test("createEta() fits the exponent between the last two measured scales, set-up left out", () => {
  // planScales(256, 256): 128, 181, 256 px with 47, 32, 21 iterations (pyramid_test.ts).
  const plan = planScales(256, 256, { iterations: 100, pyramid: { minSize: 128 } });
  assert.deepEqual(plan.map((s) => [s.size, s.iterations]), [[128, 47], [181, 32], [256, 21]]);
  const eta = createEta(plan);
  const at = (index: number, iteration: number, elapsedMs: number) =>
    eta.update({
      iteration: [0, 47, 79][index] + iteration,
      iterations: 100,
      elapsedMs,
      scale: { index, count: 3, iteration },
    });
  // Scale 0: its first iteration done at 500 ms (400 ms of set-up), the 47th at 500 + 46·100:
  // 100 ms per iteration from the second event on.
  at(0, 1, 500);
  at(0, 47, 5100);
  // Scale 1: set-up and first iteration by 5,800 ms, then 15 more at 200 ms each. γ = ln(200 /
  // 100) / ln(181² / 128²); left: 16 at 200 ms and 21 at 200·(256² / 181²)^γ ms.
  at(1, 1, 5800);
  const e = at(1, 16, 8800);
  const gamma = Math.log(2) / Math.log((181 * 181) / (128 * 128));
  close(e.seconds, (16 * 200 + 21 * 200 * ((256 * 256) / (181 * 181)) ** gamma) / 1000, "seconds");
  // The last scale's first event: not yet a rate of its own, so still the fit (20 left).
  at(1, 32, 12_000);
  const early = at(2, 1, 12_500);
  close(early.seconds, (20 * 200 * ((256 * 256) / (181 * 181)) ** gamma) / 1000, "first event");
  // Ten iterations later at 300 ms each: its own rate, 10 left, 3 s; nothing extrapolated.
  const late = at(2, 11, 15_500);
  close(late.seconds, 3, "last scale");
  assert.equal(late.approximate, false);
});

Deno.test("createEta() keeps a fitted exponent within its bounds and refuses a scale outside the plan", () => {
  // Second scale 100x slower per iteration for 4x the pixels: γ would be ln 100 / ln 4 = 3.3;
  // kept at 1.5. Left: 1 iteration at 1,000 ms and 4 at 1,000·4^1.5 = 8,000 ms: 33 s.
  const plan = [
    { height: 10, width: 10, iterations: 4 },
    { height: 20, width: 20, iterations: 4 },
    { height: 40, width: 40, iterations: 4 },
  ];
  const eta = createEta(plan);
  const at = (index: number, iteration: number, elapsedMs: number) =>
    eta.update({
      iteration: index * 4 + iteration,
      iterations: 12,
      elapsedMs,
      scale: { index, count: 3, iteration },
    });
  at(0, 1, 10);
  at(0, 3, 30); // 10 ms per iteration
  at(1, 1, 1030);
  const e = at(1, 3, 3030); // 1,000 ms per iteration
  close(e.seconds, 33, "seconds");
  assert.throws(() => at(3, 1, 4000), /Scale 3 is outside the plan's 3 scales/);
});
