/**
 * Strong-Wolfe line search for L-BFGS: the bracketing phase and `zoom` of Nocedal & Wright,
 * "Numerical Optimization" (2nd ed., 2006), algorithms 3.5 and 3.6, with safeguarded cubic
 * interpolation (eq. 3.59) as in torch.optim.lbfgs `_strong_wolfe`. Trial points whose loss
 * or gradient is not finite count as φ = +∞: they fail the sufficient-decrease test, become
 * the upper end of the bracket, and the search bisects back towards the finite region.
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * A trial point along the search direction: φ(t), φ'(t) and, if kept, x and ∇f at it, vectors
 * of type V (tensors by default; Float32Arrays for createHostLbfgs()).
 */
export interface TrialPoint<V = tf.Tensor1D> {
  t: number;
  /** φ(t); +Infinity when the loss or gradient there was not finite. */
  loss: number;
  /** φ'(t) = ∇f(x + t d)·d; NaN when not finite. */
  gtd: number;
  /** x + t d and its gradient (owned by the search until returned); null at t = 0. */
  x: V | null;
  grad: V | null;
}

/** Evaluates φ at t; returns a point that owns fresh x and grad tensors. */
export type Evaluate<V = tf.Tensor1D> = (t: number) => Promise<TrialPoint<V>>;

export interface LineSearchOptions<V = tf.Tensor1D> {
  /** First trial step. */
  t0: number;
  /** φ(0) and φ'(0) (< 0). */
  loss0: number;
  gtd0: number;
  /** max |d|: a bracket narrower than changeTol / max|d| in x counts as stalled. */
  dMax: number;
  c1: number;
  c2: number;
  maxEvals: number;
  changeTol: number;
  /** Frees a vector of a dropped point (default: a tensor's dispose()). */
  dispose?: (v: V) => void;
}

export interface LineSearchResult<V = tf.Tensor1D> {
  /** The accepted point (caller owns its tensors), or null when no decrease was found. */
  point: TrialPoint<V> | null;
  status: "ok" | "stalled" | "max-evals" | "failed";
  evaluations: number;
  nonFinite: number;
}

function release<V>(p: TrialPoint<V>, o: Pick<LineSearchOptions<V>, "dispose">): void {
  const dispose = o.dispose ?? ((v: V) => (v as tf.Tensor).dispose());
  if (p.x !== null) dispose(p.x);
  if (p.grad !== null) dispose(p.grad);
  p.x = null;
  p.grad = null;
}

/**
 * Minimiser of the cubic through (t1, f1, g1) and (t2, f2, g2) (Nocedal & Wright eq. 3.59),
 * clamped to [lo, hi]; the bisection of [lo, hi] when the cubic has no real minimiser or an
 * end is not finite.
 */
export function cubicMin(
  p1: Pick<TrialPoint, "t" | "loss" | "gtd">,
  p2: Pick<TrialPoint, "t" | "loss" | "gtd">,
  lo: number,
  hi: number,
): number {
  const mid = (lo + hi) / 2;
  const finite = [p1.loss, p1.gtd, p2.loss, p2.gtd].every(Number.isFinite);
  if (!finite || p1.t === p2.t) return mid;
  const d1 = p1.gtd + p2.gtd - 3 * (p1.loss - p2.loss) / (p1.t - p2.t);
  const disc = d1 * d1 - p1.gtd * p2.gtd;
  if (disc < 0) return mid;
  const d2 = Math.sign(p2.t - p1.t) * Math.sqrt(disc);
  const t = p2.t - (p2.t - p1.t) * (p2.gtd + d2 - d1) / (p2.gtd - p1.gtd + 2 * d2);
  if (!Number.isFinite(t)) return mid;
  return Math.min(Math.max(t, lo), hi);
}

/**
 * Finds a step satisfying the strong Wolfe conditions along d (see the module comment). If
 * `evaluate` throws (an abort, say), the points held so far are freed and the error rethrown.
 */
export async function strongWolfe<V = tf.Tensor1D>(
  evaluate: Evaluate<V>,
  o: LineSearchOptions<V>,
): Promise<LineSearchResult<V>> {
  const held = new Set<TrialPoint<V>>();
  try {
    const result = await search(async (t) => {
      const p = await evaluate(t);
      held.add(p);
      return p;
    }, o);
    if (result.point) held.delete(result.point);
    return result;
  } catch (error) {
    for (const p of held) release(p, o);
    throw error;
  }
}

async function search<V>(
  evaluate: Evaluate<V>,
  o: LineSearchOptions<V>,
): Promise<LineSearchResult<V>> {
  let evaluations = 0;
  let nonFinite = 0;
  const armijo = (p: TrialPoint<V>) => p.loss <= o.loss0 + o.c1 * p.t * o.gtd0;
  const curvature = (p: TrialPoint<V>) => Math.abs(p.gtd) <= -o.c2 * o.gtd0;
  const trial = async (t: number) => {
    const p = await evaluate(t);
    evaluations++;
    if (!Number.isFinite(p.loss) || !Number.isFinite(p.gtd)) {
      nonFinite++;
      p.loss = Infinity;
      p.gtd = Number.NaN;
    }
    return p;
  };
  const done = (point: TrialPoint<V> | null, status: LineSearchResult<V>["status"]) => {
    if (point && point.t === 0) point = null;
    return {
      point,
      status: point ? status : "failed",
      evaluations,
      nonFinite,
    } satisfies LineSearchResult<V>;
  };

  // Bracketing phase (N&W algorithm 3.5): grow t until the bracket holds a Wolfe point.
  let prev: TrialPoint<V> = { t: 0, loss: o.loss0, gtd: o.gtd0, x: null, grad: null };
  let t = o.t0;
  let lo: TrialPoint<V>;
  let hi: TrialPoint<V>;
  for (;;) {
    const cur = await trial(t);
    if (!armijo(cur) || (prev.t > 0 && cur.loss >= prev.loss)) {
      lo = prev;
      hi = cur;
      release(hi, o);
      break;
    }
    if (curvature(cur)) {
      release(prev, o);
      return done(cur, "ok");
    }
    if (cur.gtd >= 0) {
      lo = cur;
      hi = prev;
      release(hi, o);
      break;
    }
    if (evaluations >= o.maxEvals) {
      release(prev, o);
      return done(cur, "max-evals");
    }
    // Extrapolate to at least 2 t (N&W §3.5 leave the rule open; doubling is the common one),
    // at most 10 t (torch's bound). torch's lower bound, 1% beyond t, let the search crawl: when
    // φ's secant slope is steeper than its derivative at both ends (7% on Darknet-tiny's style
    // loss along -∇f: max-pool and leaky-ReLU switches between the points; CPU and WASM
    // gradients agree), the cubic's minimum lies just ahead and t grew by one constant increment
    // per evaluation (issue 12's 25-evaluation steps).
    const next = cubicMin(prev, cur, 2 * t, 10 * t);
    release(prev, o);
    prev = cur;
    t = next;
  }

  // Zoom (N&W algorithm 3.6): lo is the best point satisfying Armijo, φ'(lo)·(hi - lo) < 0.
  while (evaluations < o.maxEvals) {
    const width = Math.abs(hi.t - lo.t);
    if (width * o.dMax < o.changeTol) return done(lo, "stalled");
    const a = Math.min(lo.t, hi.t);
    const b = Math.max(lo.t, hi.t);
    // Keep the trial 10% away from both ends so that the bracket always shrinks.
    const next = cubicMin(lo, hi, a + 0.1 * width, b - 0.1 * width);
    const cur = await trial(next);
    if (!armijo(cur) || cur.loss >= lo.loss) {
      release(cur, o);
      hi = cur;
    } else {
      if (curvature(cur)) {
        release(lo, o);
        return done(cur, "ok");
      }
      if (cur.gtd * (hi.t - lo.t) >= 0) {
        hi = { t: lo.t, loss: lo.loss, gtd: lo.gtd, x: null, grad: null };
      }
      release(lo, o);
      lo = cur;
    }
  }
  return done(lo, "max-evals");
}
