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

Deno.test("createEta() fits the exponent between the last two measured scales", () => {
  // planScales(256, 256): 128, 181, 256 px with 47, 32, 21 iterations (pyramid_test.ts). The
  // first scale: 47 iterations by 4.7 s (100 ms each). The second: 16 of 32 by 4.7 + 3.2 s
  // (200 ms each). γ = ln(200/100) / ln(181²/128²) = ln 2 / (2 ln(181/128)) = 0.99939...;
  // left: 16 · 200 ms at 181 px and 21 · 200 · (256²/181²)^γ ms at 256 px.
  const plan = planScales(256, 256, { iterations: 100, pyramid: { minSize: 128 } });
  assert.deepEqual(plan.map((s) => [s.size, s.iterations]), [[128, 47], [181, 32], [256, 21]]);
  const eta = createEta(plan);
  const at = (index: number, iteration: number, total: number, elapsedMs: number) =>
    eta.update({
      iteration: total,
      iterations: 100,
      elapsedMs,
      scale: { index, count: 3, iteration },
    });
  at(0, 47, 47, 4700);
  const e = at(1, 16, 63, 7900);
  const gamma = Math.log(2) / Math.log((181 * 181) / (128 * 128));
  close(e.seconds, (16 * 200 + 21 * 200 * ((256 * 256) / (181 * 181)) ** gamma) / 1000, "seconds");
  // In the last scale only its own rate counts: 10 of 21 by 7900 + 3200 + 2000 ms (200 ms each
  // at 256 px after the 181 px scale's 16 more iterations at 200 ms): 11 left, 2.2 s.
  at(1, 32, 79, 11_100);
  const last = at(2, 10, 89, 13_100);
  close(last.seconds, 11 * 0.2, "last scale");
  assert.equal(last.approximate, false);
});

Deno.test("createEta() keeps a fitted exponent within its bounds and refuses a scale outside the plan", () => {
  // Second scale 100x slower for 4x the pixels: γ would be 3.3; kept at 1.5.
  const plan = [
    { height: 10, width: 10, iterations: 2 },
    { height: 20, width: 20, iterations: 2 },
    { height: 40, width: 40, iterations: 2 },
  ];
  const eta = createEta(plan);
  const at = (index: number, iteration: number, elapsedMs: number) =>
    eta.update({
      iteration: index * 2 + iteration,
      iterations: 6,
      elapsedMs,
      scale: { index, count: 3, iteration },
    });
  at(0, 2, 20); // 10 ms per iteration
  const e = at(1, 1, 1020); // 1,000 ms per iteration
  close(e.seconds, (1 * 1000 + 2 * 1000 * 4 ** 1.5) / 1000, "seconds");
  assert.throws(() => at(3, 1, 2000), /Scale 3 is outside the plan's 3 scales/);
});
