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
 * The vectors live where a VectorOps says (vectors.ts, issue 14): with `hostHistory` the pairs
 * are Float32Arrays in JS memory and the two-loop recursion runs on the host (2m whole-image
 * vectors leave the backend's memory, for one gradient download and one direction upload per
 * direction); createHostLbfgs() keeps every vector there (the point, its gradient, the
 * direction, the trial points) over a closure of host vectors. The host ops do WASM's float32
 * arithmetic, so on WASM all three take the same iterates, bit for bit (tested).
 */
import * as tf from "@tensorflow/tfjs-core";
import { strongWolfe, type TrialPoint } from "./_line_search.ts";
import type { Closure, LineSearchStatus, Optimizer, StepResult, StopReason } from "./optimizer.ts";
import { deviceVectors, hostVectors, type VectorOps } from "./vectors.ts";

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

/** A curvature pair in the history's vector space. */
interface Pair<P> {
  s: P;
  y: P;
  rho: number;
}

/** Creates an L-BFGS optimizer over `closure` (see {@link Optimizer}). */
export function createLbfgs(closure: Closure, options: LbfgsOptions = {}): Optimizer {
  return options.hostHistory
    ? new Lbfgs(closure, options, deviceVectors, hostVectors)
    : new Lbfgs(closure, options, deviceVectors, deviceVectors);
}

/**
 * L-BFGS whose every vector is a Float32Array in JS memory, over a closure of host vectors
 * (issue 14: a tiled evaluation takes its crops from the host image and returns its gradient
 * there, so a run keeps no whole-image vector in the backend). `hostHistory` is implied.
 */
export function createHostLbfgs(
  closure: Closure<Float32Array>,
  options: Omit<LbfgsOptions, "hostHistory"> = {},
): Optimizer<Float32Array> {
  return new Lbfgs(closure, options, hostVectors, hostVectors);
}

class Lbfgs<V, P> implements Optimizer<V> {
  readonly #closure: Closure<V>;
  readonly #o: Required<Omit<LbfgsOptions, "hostHistory">>;
  /** The space of the point, gradients and direction, and that of the history pairs. */
  readonly #v: VectorOps<V>;
  readonly #p: VectorOps<P>;
  #history: Pair<P>[] = [];
  /** H0 = γ I with γ = s·y / y·y of the newest pair (N&W eq. 7.20). */
  #gamma = 1;
  /** The last point: `x` is only compared by identity (the caller owns it). */
  #at: { x: V; loss: number; grad: V; gradMax: number } | null = null;

  constructor(
    closure: Closure<V>,
    options: LbfgsOptions,
    vectors: VectorOps<V>,
    pairs: VectorOps<P>,
  ) {
    this.#closure = closure;
    this.#v = vectors;
    this.#p = pairs;
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

  async step(x: V): Promise<StepResult<V>> {
    const v = this.#v;
    let evaluations = 0;
    let nonFinite = 0;
    let restarted = false;
    if (this.#at === null || this.#at.x !== x) {
      // A point we did not return (first step, or the caller changed x): evaluate it. The
      // history is kept: its pairs still describe the curvature near here.
      const ev = await this.#closure(x);
      evaluations++;
      const gradMax = await v.maxAbs(ev.grad);
      if (!Number.isFinite(ev.loss) || !Number.isFinite(gradMax)) {
        v.dispose(ev.grad);
        throw new RangeError(
          `L-BFGS cannot start where the loss is ${ev.loss} and max |gradient| is ${gradMax}: ` +
            "expected a finite loss and gradient",
        );
      }
      if (this.#at) v.dispose(this.#at.grad);
      this.#at = { x, loss: ev.loss, grad: ev.grad, gradMax };
    }
    const at = this.#at;
    const info = (lineSearch: LineSearchStatus) => ({
      evaluations,
      lineSearch,
      restarted,
      nonFinite,
    });
    const stay = (reason: StopReason, lineSearch: LineSearchStatus): StepResult<V> => {
      at.x = v.clone(x);
      return { x: at.x, loss: at.loss, done: reason, info: info(lineSearch) };
    };
    if (at.gradMax <= this.#o.gradTol) return stay("gradient", "none");

    for (;;) {
      const steepest = this.#history.length === 0;
      const d = await this.#direction(at.grad);
      // Read together: one GPU round trip (dMax and |g|² are wasted only on a restart).
      const [gtd, dMax, gg] = await Promise.all([
        v.dot(at.grad, d),
        v.maxAbs(d),
        steepest ? v.dot(at.grad, at.grad) : Promise.resolve(NaN),
      ]);
      if (!(gtd < 0)) {
        // Not a descent direction (the estimate went bad in float32): restart. Steepest
        // descent has gtd = -|g|² < 0 unless g = 0, which the gradient test caught.
        v.dispose(d);
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
      if (steepest) t0 = Math.min(1, 1 / Math.sqrt(gg)) * this.#o.lr;
      const evaluate = async (t: number): Promise<TrialPoint<V>> => {
        const xt = v.addScaled(x, d, t);
        try {
          const ev = await this.#closure(xt);
          let g = Number.NaN;
          try {
            g = await v.dot(ev.grad, d);
          } catch (error) {
            v.dispose(ev.grad);
            throw error;
          }
          return { t, loss: ev.loss, gtd: g, x: xt, grad: ev.grad };
        } catch (error) {
          v.dispose(xt);
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
          dispose: v.dispose,
        });
      } finally {
        v.dispose(d);
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
      const s = v.sub(p.x, x);
      const y = v.sub(p.grad, at.grad);
      // Read together: one GPU round trip instead of four (each is a separate value).
      const [sy, yy, ss, gradMax] = await Promise.all([
        v.dot(s, y),
        v.dot(y, y),
        v.dot(s, s),
        v.maxAbs(p.grad),
      ]);
      const loss0 = at.loss;
      // Any accepted point lowered the loss (Armijo), so its pair is as sound as a Wolfe
      // point's whenever the curvature is positive; torch keeps it too. Dropping it after a
      // search that ran out of evaluations restarted steepest descent every step (issue 12).
      if (sy > this.#o.curvatureEps * Math.sqrt(ss * yy)) {
        this.#history.push({ s: await this.#toPairs(s), y: await this.#toPairs(y), rho: 1 / sy });
        if (this.#history.length > this.#o.history) this.#disposePair(this.#history.shift()!);
        this.#gamma = sy / yy;
      } else {
        // Non-positive curvature: the pair would spoil H (not positive definite), so restart.
        v.dispose(s);
        v.dispose(y);
        if (this.#history.length > 0) restarted = true;
        this.#clear();
      }
      v.dispose(at.grad);
      this.#at = { x: p.x, loss: p.loss, grad: p.grad, gradMax };
      let done: StopReason | undefined;
      if (gradMax <= this.#o.gradTol) done = "gradient";
      else if (
        Math.abs(p.loss - loss0) < this.#o.changeTol || p.t * dMax < this.#o.changeTol
      ) done = "change";
      return { x: p.x, loss: p.loss, done, info: info(ls.status) };
    }
  }

  /** A vector of the point's space in the history's (disposing it when they differ). */
  async #toPairs(a: V): Promise<P> {
    if ((this.#v as unknown) === this.#p) return a as unknown as P;
    const out = this.#p.fromHost(await this.#v.toHost(a));
    this.#v.dispose(a);
    return out;
  }

  /** -H g by the two-loop recursion (N&W algorithm 7.4), in the history's space; caller disposes. */
  async #direction(g: V): Promise<V> {
    const h = this.#history;
    const v = this.#v, p = this.#p;
    if (h.length === 0) return v.neg(g);
    const same = (v as unknown) === p;
    if (same && (p as unknown) === deviceVectors && onDeviceDirection()) {
      return deviceDirection(
        g as unknown as tf.Tensor1D,
        h as unknown as Pair<tf.Tensor1D>[],
        this.#gamma,
      ) as unknown as V;
    }
    const alpha: number[] = new Array(h.length);
    let q = same ? g as unknown as P : p.fromHost(await v.toHost(g));
    for (let i = h.length - 1; i >= 0; i--) {
      alpha[i] = h[i].rho * await p.dot(h[i].s, q);
      const next = p.addScaled(q, h[i].y, -alpha[i]);
      if (q !== (g as unknown)) p.dispose(q);
      q = next;
    }
    let r = p.scale(q, this.#gamma);
    if (q !== (g as unknown)) p.dispose(q);
    for (let i = 0; i < h.length; i++) {
      const beta = h[i].rho * await p.dot(h[i].y, r);
      const next = p.addScaled(r, h[i].s, alpha[i] - beta);
      p.dispose(r);
      r = next;
    }
    const d = p.neg(r);
    p.dispose(r);
    if (same) return d as unknown as V;
    const out = v.fromHost(await p.toHost(d));
    p.dispose(d);
    return out;
  }

  #disposePair({ s, y }: Pair<P>): void {
    this.#p.dispose(s);
    this.#p.dispose(y);
  }

  #clear(): void {
    for (const pair of this.#history) this.#disposePair(pair);
    this.#history = [];
    this.#gamma = 1;
  }

  dispose(): void {
    this.#clear();
    if (this.#at) this.#v.dispose(this.#at.grad);
    this.#at = null;
  }
}

/**
 * Backends whose reads are GPU round trips: the two-loop recursion keeps its α and β there as
 * scalar tensors (deviceDirection()) instead of reading 2m dot products back one after another.
 * Measured 2026-12-04: Deno's WebGPU takes about 15 ms per sequential read (lavapipe; 3 ms a
 * read when twenty go together), and a default MobileNet-v1 run on an NVIDIA H200 spent 400-650
 * ms per evaluation, most of it in such reads, where the evaluation itself takes 60-160 ms
 * (bench/webgpu_h200.md). WASM and CPU keep the JS-number recursion: there a read is a copy,
 * and host vectors (vectors.ts) take its iterates bit for bit.
 */
const DEVICE_DIRECTION_BACKENDS = new Set(["webgpu", "webgl"]);
let forceDeviceDirection: boolean | undefined;

/** Whether the two-loop recursion runs on the device (tests force it either way; undefined: by backend). */
export function setDeviceDirection(on: boolean | undefined): void {
  forceDeviceDirection = on;
}

function onDeviceDirection(): boolean {
  return forceDeviceDirection ?? DEVICE_DIRECTION_BACKENDS.has(tf.getBackend());
}

/**
 * -H g by the two-loop recursion with α_i = ρ_i s_i·q and β = ρ_i y_i·r as scalar tensors: no
 * read back. Each step frees the vector before it, so at most two whole-image vectors and m
 * scalars live at once beyond the history. Caller disposes.
 */
function deviceDirection(
  g: tf.Tensor1D,
  history: Pair<tf.Tensor1D>[],
  gamma: number,
): tf.Tensor1D {
  const alpha: tf.Scalar[] = new Array(history.length);
  let q = g;
  let r: tf.Tensor1D | undefined;
  try {
    for (let i = history.length - 1; i >= 0; i--) {
      const { s, y, rho } = history[i];
      alpha[i] = tf.tidy(() => tf.mul(tf.sum(tf.mul(s, q)), rho)) as tf.Scalar;
      const next = tf.tidy(() => tf.sub(q, tf.mul(y, alpha[i]))) as tf.Tensor1D;
      if (q !== g) q.dispose();
      q = next;
    }
    r = tf.mul(q, gamma) as tf.Tensor1D;
    for (let i = 0; i < history.length; i++) {
      const { s, y, rho } = history[i];
      const before: tf.Tensor1D = r;
      r = tf.tidy(() =>
        tf.add(before, tf.mul(s, tf.sub(alpha[i], tf.mul(tf.sum(tf.mul(y, before)), rho))))
      ) as tf.Tensor1D;
      before.dispose();
    }
    return tf.neg(r) as tf.Tensor1D;
  } finally {
    if (q !== g) q.dispose();
    r?.dispose();
    tf.dispose(alpha.filter(Boolean));
  }
}
