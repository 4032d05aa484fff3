/** Shared assertions for tensor tests: element-wise closeness and the tensor-leak check. */
import assert from "node:assert/strict";
import { setupTf, tf } from "./_tf.ts";

/** Asserts |actual[i] - expected[i]| <= tol for every i (and equal lengths). */
export function close(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-5,
): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `[${i}]: ${actual[i]} != ${expected[i]} (got [${Array.from(actual)}])`,
    );
  }
}

/** Runs a tensor test and checks that it leaves no tensor behind. */
export async function noLeak(body: () => void | Promise<void>): Promise<void> {
  await setupTf();
  const before = tf.memory().numTensors;
  await body();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
}
