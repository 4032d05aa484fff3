/** The CLI progress bar: its duration format and its line. */
import assert from "node:assert/strict";
import { formatDuration, progressLine } from "../../scripts/lib/progress.ts";

Deno.test("formatDuration() writes hours and minutes, minutes and seconds, or seconds", () => {
  assert.equal(formatDuration(392), "6m32s");
  assert.equal(formatDuration(3725), "1h02m");
  assert.equal(formatDuration(12.4), "12s");
  assert.equal(formatDuration(NaN), "?");
});

Deno.test("progressLine() leaves out evaluations per step and the loss until a step has ended", () => {
  // A tiled run's first tiles: no step done, the loop's placeholder loss NaN.
  const first = progressLine(0, 4, {
    evaluations: 0,
    loss: NaN,
    etaSeconds: 60,
    note: "tile 1/6 pass 1/2",
  }, 5000);
  assert.equal(first, "[                        ] 0/4 0.00 it/s ETA 1m00s tile 1/6 pass 1/2");
  const later = progressLine(2, 4, { evaluations: 7, loss: 91.404, etaSeconds: 30 }, 10000);
  assert.equal(later, "[############            ] 2/4 0.20 it/s ETA 30s 3.5 evals/it loss 91.40");
});

Deno.test("progressLine() marks an ETA that extrapolates to scales still to come with ~", () => {
  const rough = progressLine(1, 4, { etaSeconds: 146, etaApproximate: true }, 1000);
  assert.equal(rough, "[######                  ] 1/4 1.00 it/s ETA ~2m26s");
  const last = progressLine(3, 4, { etaSeconds: 5, etaApproximate: false }, 3000);
  assert.equal(last, "[##################      ] 3/4 1.00 it/s ETA 5s");
});
