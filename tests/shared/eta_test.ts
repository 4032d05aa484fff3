import assert from "node:assert/strict";
import {
  createEta,
  DEFAULT_THREADS,
  type EtaScale,
  type EtaTracker,
  FIXED_COST_PIXELS,
  fixedCostPixels,
  NODE_COST_FLOPS_PER_THREAD,
  type PassCost,
  scaleCost,
  SETUP_ITERATIONS_PRIOR,
  TILED_PASS_FACTOR,
} from "../../src/shared/eta.ts";
import { planScales } from "../../src/shared/pyramid.ts";

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/**
 * Feeds `eta` the event of `iteration` (in the scale) of scale `index` at `elapsedMs`, the run's
 * iteration counted over `plan`'s scales before it.
 */
const stepper =
  (eta: EtaTracker, plan: readonly { iterations: number }[]) =>
  (index: number, iteration: number, elapsedMs: number) =>
    eta.update({
      iteration: plan.slice(0, index).reduce((n, s) => n + s.iterations, 0) + iteration,
      iterations: plan.reduce((n, s) => n + s.iterations, 0),
      elapsedMs,
      scale: { index, count: plan.length, iteration },
    });

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

Deno.test("createEta() grows the first scale's time per iteration to later scales on the prior line, set-up included", () => {
  // Scales 64x64 x 30 iterations and 128x128 x 10 (4x the pixels). 15 iterations of the first
  // in 3 s (one event: 200 ms each, set-up and all); 15 left there = 3 s; the second at 200 ·
  // (P + 16384) / (P + 4096) ms per iteration (P = FIXED_COST_PIXELS), for its 10 iterations and
  // its set-up, SETUP_ITERATIONS_PRIOR of them.
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
  const later = (200 * (FIXED_COST_PIXELS + 16384)) / (FIXED_COST_PIXELS + 4096);
  close(e.seconds, 3 + ((10 + SETUP_ITERATIONS_PRIOR) * later) / 1000, "seconds");
  assert.equal(e.approximate, true, "a larger scale is still to come");
  // A recorded ResNet-50 run at 512 px (two WASM threads) took 163 ms per iteration at 128x85 and
  // 1,790 ms at 512x341 (11.0x): the prior line says 10.7x, the old rule (pixels^0.7) 7.0x.
  const grow = (FIXED_COST_PIXELS + 512 * 341) / (FIXED_COST_PIXELS + 128 * 85);
  assert.ok(Math.abs(grow / (1790 / 163) - 1) < 0.05, `${grow}`);
});

Deno.test("createEta() fits a line through the last two measured scales and learns their set-up", () => {
  // planScales(256, 256): 128, 181, 256 px with 47, 32, 21 iterations (pyramid_test.ts).
  const plan = planScales(256, 256, { iterations: 100, pyramid: { minSize: 128 } });
  assert.deepEqual(plan.map((s) => [s.size, s.iterations]), [[128, 47], [181, 32], [256, 21]]);
  const [p0, p1, p2] = plan.map((s) => s.height * s.width);
  assert.deepEqual([p0, p1, p2], [16384, 32761, 65536]);
  const at = stepper(createEta(plan), plan);
  // Scale 0: its first iteration done at 500 ms (400 ms of set-up), the 47th at 500 + 46·100:
  // 100 ms per iteration from the second event on.
  at(0, 1, 500);
  at(0, 47, 5100);
  // Scale 1: its first event at 6,100 ms, then 15 more at 180 ms each. The line through
  // (16384, 100) and (32761, 180); the set-up 1,000 ms less one iteration, in iterations of 180.
  at(1, 1, 6100);
  const e = at(1, 16, 8800);
  const slope = 80 / (p1 - p0);
  const line = (px: number) => 100 + slope * (px - p0);
  const setup = 1000 / 180 - 1;
  close(e.seconds, (16 * 180 + (21 + setup) * line(p2)) / 1000, "seconds");
  // The last scale's first event: no rate of its own yet (MIN_SAMPLE), so still the line.
  at(1, 32, 8800 + 16 * 180);
  const early = at(2, 1, 12_500);
  close(early.seconds, (20 * line(p2)) / 1000, "first event");
  // Ten iterations later at 300 ms each: its own rate, 10 left, 3 s; nothing extrapolated.
  const late = at(2, 11, 15_500);
  close(late.seconds, 3, "last scale");
  assert.equal(late.approximate, false);
});

Deno.test("createEta() keeps the prior's shape for a falling line, proportion for one crossing zero, and refuses a scale outside the plan", () => {
  const plan = [
    { height: 10, width: 10, iterations: 6 },
    { height: 20, width: 20, iterations: 6 },
    { height: 40, width: 40, iterations: 6 },
  ];
  const run = (secondRate: number) => {
    const at = stepper(createEta(plan), plan);
    at(0, 1, 100);
    at(0, 3, 300); // 100 ms per iteration at 100 px
    at(0, 6, 600);
    at(1, 1, 1000);
    return { e: at(1, 5, 1000 + 4 * secondRate), at };
  };
  // 50 ms at 400 px: the line falls. The prior through (400, 50): 50 · (P + 1600) / (P + 400) at
  // 1,600 px; set-up (1,000 − 600) / 50 − 1 = 7 iterations. Left: 1 at 50, then 6 + 7.
  const falling = run(50).e;
  const prior = (50 * (FIXED_COST_PIXELS + 1600)) / (FIXED_COST_PIXELS + 400);
  close(falling.seconds, (50 + 13 * prior) / 1000, "falling");
  // 500 ms at 400 px: the line through (100, 100) crosses zero (intercept −33): proportion,
  // 500 · 1600 / 400 = 2,000 ms; set-up 400 / 500 − 1 < 0, so none.
  const { e: steep, at } = run(500);
  close(steep.seconds, (500 + 6 * 2000) / 1000, "crossing zero");
  assert.throws(() => at(3, 1, 4000), /Scale 3 is outside the plan's 3 scales/);
});

Deno.test("createEta() replays fourteen recorded coarse-to-fine runs within 25% from a quarter of the run on", () => {
  // tests/fixtures/eta/: the progress events ([iteration, elapsed ms, scale, iteration in the scale])
  // of default ResNet-50 and MobileNet-v1 runs, 100 iterations over 3 to 7 scales, on WASM, each
  // with its network's pass (passCost(), the style statistic counted) and its threads:
  // - ResNet-50 and MobileNet-v1 at 256 and 512 px on two threads (2026-12-03);
  // - ResNet-50 at 256 px supersampled 4x (seven scales up to 1024 px, the last in 4 tiles under
  //   the CLI's 2 GB budget: "work" and "passes" as stylize()'s planRun() gives them), on one
  //   thread beside another run (2026-12-05);
  // - MobileNet-v1 at 256 px supersampled 2x (five scales up to 512 px, four views) on one thread
  //   and on two, and ResNet-50 at 512 px supersampled 2x on one (2026-12-05).
  // The ETA shown at a share of the run, over the time the run then took: at 25% and 50% within
  // [0.75, 1.25] (the 25%); at 10%, with only the first, smallest scale measured, within
  // [0.8, 1.4]. Before the fixed cost knew the threads and the style statistic, the one-thread
  // MobileNet-v1 runs read 0.65-0.74 at 10%; before it knew the network, the tiled runs read
  // 0.41-0.71; the old rule (pixels^0.7, set-ups left out) gave 0.53 and 0.46 on the 512 px
  // ResNet-50 runs.
  const dir = new URL("../fixtures/eta/", import.meta.url);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"));
  assert.equal(files.length, 14);
  for (const file of files) {
    const run = JSON.parse(Deno.readTextFileSync(new URL(file, dir))) as {
      plan: { height: number; width: number; iterations: number }[];
      pass: PassCost;
      threads: number;
      events: [number, number, number, number][];
    };
    const eta = createEta(run.plan, { pass: run.pass, threads: run.threads });
    const end = run.events.at(-1)![1];
    const seen = new Map<number, number>();
    for (const [iteration, elapsedMs, index, inScale] of run.events) {
      const { seconds } = eta.update({
        iteration,
        iterations: 100,
        elapsedMs,
        scale: { index, count: run.plan.length, iteration: inScale },
      });
      for (const share of [0.1, 0.25, 0.5]) {
        if (!seen.has(share) && iteration >= share * 100) {
          seen.set(share, (seconds * 1000) / (end - elapsedMs));
        }
      }
    }
    for (const [share, ratio] of seen) {
      const [low, high] = share < 0.25 ? [0.8, 1.4] : [0.75, 1.25];
      assert.ok(ratio >= low && ratio <= high, `${file} at ${share}: ETA / actual ${ratio}`);
    }
    assert.equal(seen.size, 3);
  }
});

Deno.test("scaleCost() counts a tiled scale's crops and passes; fixedCostPixels() is the nodes' cost over the pixel's", () => {
  assert.deepEqual(scaleCost(100, 200), { work: 20_000, passes: 1 });
  // Two crops, 100x120 and 100x80 (cores and halos): 20,000 px, read forward, then forward and
  // backward again: TILED_PASS_FACTOR (1.5) times the pixels and the two passes.
  assert.deepEqual(scaleCost(100, 160, [{ height: 100, width: 120 }, { height: 100, width: 80 }]), {
    work: TILED_PASS_FACTOR * 20_000,
    passes: TILED_PASS_FACTOR * 2,
  });
  assert.equal(TILED_PASS_FACTOR, 1.5);
  // 100 nodes at 2 MFLOP each and per thread over 200,000 FLOPs per pixel: 2,000 px on two
  // threads (the default), 1,000 on one, 8,000 on eight.
  assert.equal(NODE_COST_FLOPS_PER_THREAD, 2e6);
  assert.equal(DEFAULT_THREADS, 2);
  const pass = { nodes: 100, flopsPerPixel: 200_000 };
  assert.equal(fixedCostPixels(pass), 2000);
  assert.equal(fixedCostPixels(pass, 1), 1000);
  assert.equal(fixedCostPixels(pass, 8), 8000);
});

Deno.test("createEta() extrapolates to a tiled scale by its work and passes, on the prior and on the line", () => {
  // A network whose pass costs 2,000 px (fixedCostPixels() of 100 nodes at 200,000 FLOPs/px, two
  // threads).
  const pass = { nodes: 100, flopsPerPixel: 200_000 };
  // Scales 100x100 x 10 iterations, 200x200 x 10, and a tiled 400x400 x 10: 4 crops of 250x250
  // (work 1.5 · 250,000 = 375,000 px, 6 passes).
  const plan: EtaScale[] = [
    { height: 100, width: 100, iterations: 10 },
    { height: 200, width: 200, iterations: 10 },
    {
      height: 400,
      width: 400,
      iterations: 10,
      ...scaleCost(400, 400, Array(4).fill({ height: 250, width: 250 })),
    },
  ];
  assert.deepEqual([plan[2].work, plan[2].passes], [375_000, 6]);
  const at = stepper(createEta(plan, { pass }), plan);
  // Scale 0: 120 ms per iteration from the second event. On the prior (a = 2,000·b):
  // 120 / (2,000 + 10,000) = 0.01 ms per px; scale 1: 0.01 · (2,000 + 40,000) = 420 ms; the tiled
  // scale: 0.01 · (6 · 2,000 + 375,000) = 3,870 ms. Each later scale gets its iterations and
  // SETUP_ITERATIONS_PRIOR. Left at scale 0: 5 at 120 ms.
  at(0, 1, 200);
  const e0 = at(0, 5, 680);
  const prior = 5 * 120 + (10 + SETUP_ITERATIONS_PRIOR) * (420 + 3870);
  close(e0.seconds, prior / 1000, "prior");
  // On one thread the fixed cost is 1,000 px: 120 / 11,000 ms a pixel's worth, scale 1 at
  // 41,000 px' worth, the tiled scale at 6 · 1,000 + 375,000.
  const one = stepper(createEta(plan, { pass, threads: 1 }), plan);
  one(0, 1, 200);
  const perPx = 120 / 11_000;
  close(
    one(0, 5, 680).seconds,
    (5 * 120 + (10 + SETUP_ITERATIONS_PRIOR) * perPx * (41_000 + 381_000)) / 1000,
    "prior on one thread",
  );
  // Scale 1 at 400 ms per iteration: the line A·passes + B·work through (1, 10,000, 120) and
  // (1, 40,000, 400): B = 280 / 30,000, A = 120 − 10,000·B (26.7 ms a pass); set-up
  // (1,700 − 1,280) / 400 − 1 = 0.05 iterations.
  at(0, 10, 1280);
  at(1, 1, 1700);
  const e1 = at(1, 5, 3300);
  const B = 280 / 30_000;
  const A = 120 - 10_000 * B;
  close(e1.seconds, (5 * 400 + (10 + 0.05) * (6 * A + 375_000 * B)) / 1000, "line");
  // Had scale 1 taken 500 ms, the line would cross zero (A < 0): proportion to the work,
  // 500 · 375,000 / 40,000 ms.
  const steep = stepper(createEta(plan, { pass }), plan);
  steep(0, 1, 200);
  steep(0, 10, 1280);
  steep(1, 1, 1700);
  const p = steep(1, 5, 3700);
  close(p.seconds, (5 * 500 + 10 * 500 * 375_000 / 40_000) / 1000, "proportion");
});

Deno.test("createEta() keeps the prior's shape through the last scale when a line puts the fixed cost over twice the network's", () => {
  // fixedCostPixels() = 2,000 px. Scale 0 (10,000 px) at 240 ms an iteration, scale 1 (40,000
  // px) at 480: the line's fixed cost is 160 ms over a slope of 0.008 ms/px, 20,000 px, ten times
  // the network's (a slow first scale). So the prior through scale 1: 480 / 42,000 ms a pixel's
  // worth, 480 · 162,000 / 42,000 at the 160,000 px scale, and no set-up learned (its first event
  // came one iteration in).
  const pass = { nodes: 100, flopsPerPixel: 200_000 };
  const plan = [
    { height: 100, width: 100, iterations: 10 },
    { height: 200, width: 200, iterations: 10 },
    { height: 400, width: 400, iterations: 10 },
  ];
  const at = stepper(createEta(plan, { pass }), plan);
  at(0, 1, 300);
  at(0, 10, 2460);
  at(1, 1, 2940);
  const e = at(1, 5, 4860);
  close(e.seconds, (5 * 480 + 10 * (480 * 162_000) / 42_000) / 1000, "prior through scale 1");
});
