/**
 * Limited-memory BFGS over a flat parameter tensor (Nocedal & Wright 2006, algorithm 7.4 and
 * 7.5; the shape of torch.optim.LBFGS): the two-loop recursion turns the last m curvature
 * pairs (s, y) into a quasi-Newton direction, and a strong-Wolfe line search picks the step.
 * Gatys et al. 2016 optimise their images with it.
 *
 * Precision: the vectors (x, gradients, s, y) are float32 tensors, as tfjs computes; every
 * scalar (loss, dot products, ρ, α, step lengths) is read back and kept as a float64 JS number.
 * The dot products themselves are float32 reductions, accurate to about 1e-7 relatively, which
 * is enough to reach a minimiser to the resolution of float32 x (about 6e-8 near 1).
 *
 * With `hostHistory` the pairs live in JS memory (Float32Arrays) and the two-loop recursion runs
 * on the host (issue 14): 2m whole-image vectors leave the backend's memory (WASM's heap), for
 * one gradient download and one direction upload per direction. Its dot products accumulate in
 * float64, so the iterates agree with device history to float32 rounding, not bit for bit.
 */
import * as tf from "@tensorflow/tfjs-core";
import { strongWolfe, type TrialPoint } from "./_line_search.ts";
import {
  type Closure,
  dot,
  type LineSearchStatus,
  maxAbs,
  type Optimizer,
  type StepResult,
  type StopReason,
} from "./optimizer.ts";

/** Options of {@link createLbfgs}. Defaults follow torch.optim.LBFGS. */
export interface LbfgsOptions {
  /** History size m: curvature pairs kept. Default 10. */
  history?: number;
  /** Trial step of the line search along the quasi-Newton direction. Default 1. */
  lr?: number;
  /** Done when max |∇f| <= gradTol. Default 1e-7. */
  gradTol?: number;
  /** Done when a step changes the loss or any coordinate of x by less. Default 1e-9. */
  changeTol?: number;
  /** Sufficient-decrease constant of the strong Wolfe conditions. Default 1e-4. */
  c1?: number;
  /** Curvature constant of the strong Wolfe conditions. Default 0.9. */
  c2?: number;
  /** Closure evaluations per line search. Default 25 (torch's max_ls). */
  maxLineSearchEvals?: number;
  /**
   * Closure evaluations per step, over all its line searches (a failed quasi-Newton search
   * restarts along -∇f within the same step), so that the time of a step is bounded and a
   * progress ETA holds. The last line search gets what is left. Default 10.
   */
  maxEvals?: number;
  /**
   * A pair with s·y <= curvatureEps·|s||y| (curvature not positive enough to keep the
   * inverse-Hessian estimate positive definite) clears the history instead. Default 1e-10.
   */
  curvatureEps?: number;
  /**
   * Keep the pairs s, y as Float32Arrays in JS memory and compute the direction on the host
   * instead of as tensors (the memory planner's choice on WASM when 2m device vectors do not
   * fit, planRunTiles()). Same algorithm. Default false.
   */
  hostHistory?: boolean;
}

/** A curvature pair: tensors (device history) or Float32Arrays (host history). */
interface Pair {
  s: tf.Tensor1D | Float32Array;
  y: tf.Tensor1D | Float32Array;
  rho: number;
}

/** Σ a_i b_i accumulated in float64. */
function hostDot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Disposes a pair's tensors (host pairs have none). */
function disposePair({ s, y }: Pair): void {
  if (s instanceof tf.Tensor) s.dispose();
  if (y instanceof tf.Tensor) y.dispose();
}

/** Creates an L-BFGS optimizer over `closure` (see {@link Optimizer}). */
export function createLbfgs(closure: Closure, options: LbfgsOptions = {}): Optimizer {
  return new Lbfgs(closure, options);
}

class Lbfgs implements Optimizer {
  readonly #closure: Closure;
  readonly #o: Required<LbfgsOptions>;
  #history: Pair[] = [];
  /** H0 = γ I with γ = s·y / y·y of the newest pair (N&W eq. 7.20). */
  #gamma = 1;
  /** The last point: `x` is only compared by identity (the caller owns it). */
  #at: { x: tf.Tensor1D; loss: number; grad: tf.Tensor1D; gradMax: number } | null = null;

  constructor(closure: Closure, options: LbfgsOptions) {
    this.#closure = closure;
    this.#o = {
      history: options.history ?? 10,
      lr: options.lr ?? 1,
      gradTol: options.gradTol ?? 1e-7,
      changeTol: options.changeTol ?? 1e-9,
      c1: options.c1 ?? 1e-4,
      c2: options.c2 ?? 0.9,
      maxLineSearchEvals: options.maxLineSearchEvals ?? 25,
      maxEvals: options.maxEvals ?? 10,
      curvatureEps: options.curvatureEps ?? 1e-10,
      hostHistory: options.hostHistory ?? false,
    };
    const { history, lr, c1, c2, maxLineSearchEvals, maxEvals } = this.#o;
    if (!Number.isInteger(history) || history < 1) {
      throw new RangeError(`L-BFGS history ${history} is invalid: expected an integer >= 1`);
    }
    if (!(lr > 0)) throw new RangeError(`L-BFGS lr ${lr} is invalid: expected a number > 0`);
    if (!(0 < c1 && c1 < c2 && c2 < 1)) {
      throw new RangeError(`Wolfe constants c1=${c1}, c2=${c2}: expected 0 < c1 < c2 < 1`);
    }
    if (!(maxLineSearchEvals >= 1)) {
      throw new RangeError(`maxLineSearchEvals ${maxLineSearchEvals}: expected >= 1`);
    }
    if (!(maxEvals >= 2)) {
      throw new RangeError(`maxEvals ${maxEvals}: expected >= 2 (a start and one trial)`);
    }
  }

  async step(x: tf.Tensor1D): Promise<StepResult> {
    let evaluations = 0;
    let nonFinite = 0;
    let restarted = false;
    if (this.#at === null || this.#at.x !== x) {
      // A point we did not return (first step, or the caller changed x): evaluate it. The
      // history is kept: its pairs still describe the curvature near here.
      const ev = await this.#closure(x);
      evaluations++;
      const gradMax = await maxAbs(ev.grad);
      if (!Number.isFinite(ev.loss) || !Number.isFinite(gradMax)) {
        ev.grad.dispose();
        throw new RangeError(
          `L-BFGS cannot start where the loss is ${ev.loss} and max |gradient| is ${gradMax}: ` +
            "expected a finite loss and gradient",
        );
      }
      this.#at?.grad.dispose();
      this.#at = { x, loss: ev.loss, grad: ev.grad, gradMax };
    }
    const at = this.#at;
    const info = (lineSearch: LineSearchStatus) => ({
      evaluations,
      lineSearch,
      restarted,
      nonFinite,
    });
    const stay = (reason: StopReason, lineSearch: LineSearchStatus): StepResult => {
      at.x = tf.clone(x);
      return { x: at.x, loss: at.loss, done: reason, info: info(lineSearch) };
    };
    if (at.gradMax <= this.#o.gradTol) return stay("gradient", "none");

    for (;;) {
      const steepest = this.#history.length === 0;
      const d = await this.#direction(at.grad);
      const gtd = await dot(at.grad, d);
      if (!(gtd < 0)) {
        // Not a descent direction (the estimate went bad in float32): restart. Steepest
        // descent has gtd = -|g|² < 0 unless g = 0, which the gradient test caught.
        d.dispose();
        if (steepest) return stay("line-search-failed", "none");
        this.#clear();
        restarted = true;
        continue;
      }
      // Without history (first step, or after a restart) a unit step along -g would be
      // arbitrarily long. scipy's L-BFGS-B first trial moves x by 1 in the 2-norm:
      // t = 1/|g|₂. torch's 1/|g|₁ is √n times shorter for a spread-out gradient (an image
      // has n ~ 2e5): the search then spent its evaluations growing t.
      let t0 = this.#o.lr;
      if (steepest) {
        const gg = await dot(at.grad, at.grad);
        t0 = Math.min(1, 1 / Math.sqrt(gg)) * this.#o.lr;
      }
      const dMax = await maxAbs(d);
      const evaluate = async (t: number): Promise<TrialPoint> => {
        const xt = tf.tidy(() => tf.add(x, tf.mul(d, t)) as tf.Tensor1D);
        try {
          const ev = await this.#closure(xt);
          let g = Number.NaN;
          try {
            g = await dot(ev.grad, d);
          } catch (error) {
            ev.grad.dispose();
            throw error;
          }
          return { t, loss: ev.loss, gtd: g, x: xt, grad: ev.grad };
        } catch (error) {
          xt.dispose();
          throw error;
        }
      };
      let ls;
      try {
        ls = await strongWolfe(evaluate, {
          t0,
          loss0: at.loss,
          gtd0: gtd,
          dMax,
          c1: this.#o.c1,
          c2: this.#o.c2,
          maxEvals: Math.min(this.#o.maxLineSearchEvals, this.#o.maxEvals - evaluations),
          changeTol: this.#o.changeTol,
        });
      } finally {
        d.dispose();
      }
      evaluations += ls.evaluations;
      nonFinite += ls.nonFinite;
      const p = ls.point;
      if (p === null || p.x === null || p.grad === null) {
        if (steepest || evaluations >= this.#o.maxEvals) {
          if (!steepest) {
            this.#clear();
            restarted = true;
          }
          return stay("line-search-failed", ls.status);
        }
        // The quasi-Newton direction failed: forget the history and try steepest descent.
        this.#clear();
        restarted = true;
        continue;
      }
      const s = tf.sub(p.x, x) as tf.Tensor1D;
      const y = tf.sub(p.grad, at.grad) as tf.Tensor1D;
      const sy = await dot(s, y);
      const yy = await dot(y, y);
      const ss = await dot(s, s);
      const loss0 = at.loss;
      // Any accepted point lowered the loss (Armijo), so its pair is as sound as a Wolfe
      // point's whenever the curvature is positive; torch keeps it too. Dropping it after a
      // search that ran out of evaluations restarted steepest descent every step (issue 12).
      if (sy > this.#o.curvatureEps * Math.sqrt(ss * yy)) {
        if (this.#o.hostHistory) {
          // The same float32 s and y as device history, moved out of the backend's memory.
          const [sh, yh] = [await s.data() as Float32Array, await y.data() as Float32Array];
          tf.dispose([s, y]);
          this.#history.push({ s: sh, y: yh, rho: 1 / sy });
        } else {
          this.#history.push({ s, y, rho: 1 / sy });
        }
        if (this.#history.length > this.#o.history) disposePair(this.#history.shift()!);
        this.#gamma = sy / yy;
      } else {
        // Non-positive curvature: the pair would spoil H (not positive definite), so restart.
        tf.dispose([s, y]);
        if (this.#history.length > 0) restarted = true;
        this.#clear();
      }
      const gradMax = await maxAbs(p.grad);
      at.grad.dispose();
      this.#at = { x: p.x, loss: p.loss, grad: p.grad, gradMax };
      let done: StopReason | undefined;
      if (gradMax <= this.#o.gradTol) done = "gradient";
      else if (
        Math.abs(p.loss - loss0) < this.#o.changeTol || p.t * dMax < this.#o.changeTol
      ) done = "change";
      return { x: p.x, loss: p.loss, done, info: info(ls.status) };
    }
  }

  /** -H g by the two-loop recursion (N&W algorithm 7.4); caller disposes. */
  async #direction(g: tf.Tensor1D): Promise<tf.Tensor1D> {
    const h = this.#history;
    if (h.length === 0) return tf.neg(g);
    if (this.#o.hostHistory) return this.#hostDirection(g);
    const alpha: number[] = new Array(h.length);
    let q = tf.clone(g);
    for (let i = h.length - 1; i >= 0; i--) {
      alpha[i] = h[i].rho * await dot(h[i].s as tf.Tensor1D, q);
      const next = tf.tidy(() => tf.sub(q, tf.mul(h[i].y as tf.Tensor1D, alpha[i])) as tf.Tensor1D);
      q.dispose();
      q = next;
    }
    let r = tf.mul(q, this.#gamma) as tf.Tensor1D;
    q.dispose();
    for (let i = 0; i < h.length; i++) {
      const beta = h[i].rho * await dot(h[i].y as tf.Tensor1D, r);
      const next = tf.tidy(() =>
        tf.add(r, tf.mul(h[i].s as tf.Tensor1D, alpha[i] - beta)) as tf.Tensor1D
      );
      r.dispose();
      r = next;
    }
    const d = tf.neg(r);
    r.dispose();
    return d;
  }

  /**
   * The same recursion over host pairs: g read once, the vector kept in float32 as on the
   * device, -r uploaded once; caller disposes.
   */
  async #hostDirection(g: tf.Tensor1D): Promise<tf.Tensor1D> {
    const h = this.#history;
    const r = Float32Array.from(await g.data() as Float32Array);
    const alpha: number[] = new Array(h.length);
    for (let i = h.length - 1; i >= 0; i--) {
      const s = h[i].s as Float32Array, y = h[i].y as Float32Array;
      const a = alpha[i] = h[i].rho * hostDot(s, r);
      for (let j = 0; j < r.length; j++) r[j] -= y[j] * a;
    }
    for (let j = 0; j < r.length; j++) r[j] *= this.#gamma;
    for (let i = 0; i < h.length; i++) {
      const s = h[i].s as Float32Array, y = h[i].y as Float32Array;
      const c = alpha[i] - h[i].rho * hostDot(y, r);
      for (let j = 0; j < r.length; j++) r[j] += s[j] * c;
    }
    for (let j = 0; j < r.length; j++) r[j] = -r[j];
    return tf.tensor1d(r);
  }

  #clear(): void {
    for (const pair of this.#history) disposePair(pair);
    this.#history = [];
    this.#gamma = 1;
  }

  dispose(): void {
    this.#clear();
    this.#at?.grad.dispose();
    this.#at = null;
  }
}
