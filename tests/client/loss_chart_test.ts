import assert from "node:assert/strict";
import {
  decadeLabel,
  iterationTicks,
  type LossPoint,
  scaleBoundaries,
} from "../../src/client/components/loss_chart.tsx";

Deno.test("iterationTicks() puts 1 and multiples of a 1/2/5 step on about five ticks", () => {
  // 8 iterations: 8/5 = 1.6, decade 1, first of 1/2/5/10 >= 1.6 is 2 -> 1, 2, 4, 6, 8.
  assert.deepEqual(iterationTicks(8), [1, 2, 4, 6, 8]);
  // 30: 30/5 = 6, decade 1, first >= 6 is 10 -> 1, 10, 20, 30.
  assert.deepEqual(iterationTicks(30), [1, 10, 20, 30]);
  // 250: 250/5 = 50, decade 10, first of 10/20/50/100 >= 50 is 50 -> 1, 50, ..., 250.
  assert.deepEqual(iterationTicks(250), [1, 50, 100, 150, 200, 250]);
  assert.deepEqual(iterationTicks(1), [1]);
});

Deno.test("decadeLabel() writes plain numbers from 0.001 to 10000 and 1eK outside", () => {
  assert.deepEqual(
    [-4, -3, -1, 0, 2, 4, 5].map(decadeLabel),
    ["1e-4", "0.001", "0.1", "1", "100", "10000", "1e5"],
  );
});

Deno.test("scaleBoundaries() marks the first step of each new pyramid scale, not the first", () => {
  const losses = { total: 1, content: 1, style: 1, tv: 0 };
  const at = (index: number, size: number): LossPoint => ({
    losses,
    scale: { index, count: 3, size },
  });
  // Steps 1-2 at 64 px, 3-4 at 128 px, 5 at 256 px: markers before steps 3 and 5.
  const h = [at(0, 64), at(0, 64), at(1, 128), at(1, 128), at(2, 256)];
  assert.deepEqual(scaleBoundaries(h).map((b) => [b.i, b.s.size]), [[3, 128], [5, 256]]);
  // Events without `scale` (a single-scale run) give no marker.
  assert.deepEqual(scaleBoundaries([{ losses }, { losses }]), []);
});
