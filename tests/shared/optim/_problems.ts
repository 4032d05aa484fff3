/**
 * Test problems for the optimizers, computed in float64 JS numbers from the float32 point the
 * optimizer passes (so that only the optimizer's own float32 arithmetic limits precision).
 */
import { tf } from "../../_tf.ts";
import type { Closure } from "../../../src/shared/optim/mod.ts";

/** f and ∇f of a plain-number function. */
export type Fn = (x: number[]) => { loss: number; grad: number[] };

/** Wraps `fn` as a closure; `seen` collects every point evaluated. */
export function closureOf(fn: Fn, seen?: number[][]): Closure {
  return async (x) => {
    const v = Array.from(await x.data());
    seen?.push(v);
    const { loss, grad } = fn(v);
    return { loss, grad: tf.tensor1d(grad) };
  };
}

/** The same closure over host vectors (createHostLbfgs()). */
export function hostClosureOf(fn: Fn): Closure<Float32Array> {
  return (x) => {
    const { loss, grad } = fn(Array.from(x));
    return { loss, grad: Float32Array.from(grad) };
  };
}

/** Rosenbrock's function (1-a)² + 100(b-a²)², minimum 0 at (1, 1). */
export const rosenbrock: Fn = ([a, b]) => ({
  loss: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
  grad: [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)],
});

/**
 * A 100-D diagonal quadratic ½ Σ λ_i (x_i - c_i)² with λ_i = 10^(3i/99) log-spaced in
 * [1, 1000] (condition number 1e3) and c_i = fround(sin(i + 1)) (exact in float32).
 */
export const QUAD_N = 100;
export const quadLambda = Array.from({ length: QUAD_N }, (_, i) => 10 ** (3 * i / (QUAD_N - 1)));
export const quadCenter = Array.from({ length: QUAD_N }, (_, i) => Math.fround(Math.sin(i + 1)));
export const quadratic: Fn = (x) => {
  let loss = 0;
  const grad = x.map((xi, i) => {
    const d = xi - quadCenter[i];
    loss += 0.5 * quadLambda[i] * d * d;
    return quadLambda[i] * d;
  });
  return { loss, grad };
};

/**
 * Σ (x_i - a_i log x_i), minimum at x = a; log of a negative number is NaN, so the function
 * is NaN for any x_i < 0 (and +∞ at x_i = 0), with the minimum a_i close to that boundary.
 */
export const barrierA = [0.01, 0.05];
export const barrier: Fn = (x) => ({
  loss: x.reduce((s, xi, i) => s + xi - barrierA[i] * Math.log(xi), 0),
  grad: x.map((xi, i) => 1 - barrierA[i] / xi),
});

/** max_i |a_i - b_i|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
