/** The CLI progress bar's ETA. */
import assert from "node:assert/strict";
import { etaSeconds, formatDuration } from "../../scripts/lib/progress.ts";

Deno.test("etaSeconds() is the measured time per iteration times the iterations left", () => {
  // 10 of 100 iterations in 5 s: 0.5 s each, 90 left: 45 s, however many evaluations each took.
  assert.equal(etaSeconds(10, 100, 5000), 45);
  // Early L-BFGS iterations with long line searches: 2 iterations in 8 s gives 4 s each, 98 left.
  assert.equal(etaSeconds(2, 100, 8000), 392);
  assert.ok(Number.isNaN(etaSeconds(0, 100, 1000)));
  assert.equal(formatDuration(392), "6m32s");
});
