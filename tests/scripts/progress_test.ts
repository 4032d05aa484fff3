/** The CLI progress bar's duration format. */
import assert from "node:assert/strict";
import { formatDuration } from "../../scripts/lib/progress.ts";

Deno.test("formatDuration() writes hours and minutes, minutes and seconds, or seconds", () => {
  assert.equal(formatDuration(392), "6m32s");
  assert.equal(formatDuration(3725), "1h02m");
  assert.equal(formatDuration(12.4), "12s");
  assert.equal(formatDuration(NaN), "?");
});
