import assert from "node:assert/strict";
import { intIn } from "../../src/client/components/commit_input.tsx";

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
