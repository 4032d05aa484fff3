import assert from "node:assert/strict";
import { intIn, numberIn } from "../../src/client/components/commit_input.tsx";

Deno.test("intIn rounds typed text into bounds and refuses empty, out of range and non-numbers", () => {
  assert.equal(intIn("77", 1, 10000), 77);
  assert.equal(intIn(" 12.6 ", 1, 100), 13);
  assert.equal(intIn("1", 1, 1), 1);
  assert.equal(intIn("", 0, 10), undefined, "empty is not 0");
  assert.equal(intIn("   ", 0, 10), undefined);
  assert.equal(intIn("0", 1, 10), undefined);
  assert.equal(intIn("11", 1, 10), undefined);
  assert.equal(intIn("abc", 0, 10), undefined);
  assert.equal(intIn("1e3", 0, 10000), 1000);
});

Deno.test("numberIn reads typed text as a number in bounds and refuses empty, out of range and non-numbers", () => {
  assert.equal(numberIn("0.5", 0.1, 4), 0.5);
  assert.equal(numberIn(" -3 ", -100, 100), -3);
  assert.equal(numberIn("1e5", 0, Number.MAX_VALUE), 1e5);
  assert.equal(numberIn("", 0, 10), undefined, "empty is not 0");
  assert.equal(numberIn("  ", -1, 1), undefined);
  assert.equal(numberIn("abc", 0, 10), undefined);
  assert.equal(numberIn("Infinity", 0, Number.MAX_VALUE), undefined);
  assert.equal(numberIn("0", Number.MIN_VALUE, 10), undefined, "above 0");
  assert.equal(numberIn("4.01", 0.1, 4), undefined);
});
