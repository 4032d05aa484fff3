import assert from "node:assert/strict";
import { createRng } from "../../../src/shared/random.ts";

Deno.test("createRng() replays the same sequence for the same seed", () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const seqA = Array.from({ length: 8 }, () => a.next());
  const seqB = Array.from({ length: 8 }, () => b.next());
  const seqC = Array.from({ length: 8 }, () => c.next());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
});

Deno.test("createRng() draws uniforms, integers and normals in range", () => {
  const rng = createRng(7);
  const n = 4000;
  let sum = 0, sumSq = 0;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    const k = rng.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
    seen.add(k);
    const z = rng.normal();
    sum += z;
    sumSq += z * z;
  }
  assert.equal(seen.size, 5);
  // Mean 0 and variance 1: with n = 4000 the standard error of the mean is 1/sqrt(4000) = 0.016,
  // so 0.08 is five standard errors; the variance's is about sqrt(2/4000) = 0.022.
  assert.ok(Math.abs(sum / n) < 0.08);
  assert.ok(Math.abs(sumSq / n - 1) < 0.11);
  assert.equal(rng.pick(["only"]), "only");
  assert.throws(() => rng.int(0), /positive integer/);
  assert.throws(() => createRng(1.5), /integer/);
});
