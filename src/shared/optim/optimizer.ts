/**
 * The one optimizer interface of the engine (after torch.optim.LBFGS): an optimizer owns a
 * closure that evaluates the objective and its gradient at a flat parameter vector, and is
 * driven one step at a time so that the caller can report progress, yield to the event loop
 * and abort between steps. Closures may be async because reading a loss back from WebGPU is.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Loss and gradient at a point. The optimizer takes ownership of `grad` and disposes it. `V` is
 * where the vectors live: tensors, or Float32Arrays in JS memory (vectors.ts, createHostLbfgs()).
 */
export interface Evaluation<V = tf.Tensor1D> {
  loss: number;
  grad: V;
}

/**
 * Evaluates the objective at `x`. It must not dispose `x` (the optimizer owns it), and it
 * returns a fresh gradient tensor of `x`'s shape. A non-finite loss or gradient means "outside
 * the domain": L-BFGS backs off from such points and Adam returns to its last finite point.
 */
export type Closure<V = tf.Tensor1D> = (x: V) => Evaluation<V> | Promise<Evaluation<V>>;

/** How the line search of a step ended ("none": the optimizer has none, or did not search). */
export type LineSearchStatus = "ok" | "stalled" | "max-evals" | "failed" | "none";

/** Why an optimizer considers the problem solved or stuck. */
export type StopReason = "gradient" | "change" | "line-search-failed";

/** Diagnostics of one step. */
export interface StepInfo {
  /** Closure evaluations this step made. */
  evaluations: number;
  lineSearch: LineSearchStatus;
  /** The quasi-Newton history was cleared this step (bad curvature or a failed search). */
  restarted: boolean;
  /** Trial points this step whose loss or gradient was not finite. */
  nonFinite: number;
}

/** Result of one step. */
export interface StepResult<V = tf.Tensor1D> {
  /** The new point: a fresh tensor the caller owns (the caller also still owns the old x). */
  x: V;
  /**
   * The best loss known: for L-BFGS the loss at the returned `x`; Adam evaluates once per step
   * and reports the loss at the point it stepped from.
   */
  loss: number;
  /** Set when further steps would not help; `x` is then the final point. */
  done?: StopReason;
  info: StepInfo;
}

/** An optimizer bound to one closure. */
export interface Optimizer<V = tf.Tensor1D> {
  /** Takes one step from `x` (not disposed: the caller owns both the old and the new x). */
  step(x: V): Promise<StepResult<V>>;
  /** Frees the optimizer's state (history, moments, cached gradient). */
  dispose(): void;
}

/** Options of {@link minimize}. */
export interface MinimizeOptions {
  /** Maximum number of steps. */
  maxSteps: number;
  /** Checked between steps: once aborted, minimize() returns the current point. */
  signal?: AbortSignal;
  /** Called after each step with the step index (0-based); may be async to yield. */
  onStep?: (result: StepResult, step: number) => void | Promise<void>;
}

/** Result of {@link minimize}. */
export interface MinimizeResult {
  /** Final point; caller disposes it. */
  x: tf.Tensor1D;
  loss: number;
  steps: number;
  evaluations: number;
  reason: StopReason | "max-steps" | "aborted";
}

/**
 * Runs `optimizer` from `x0` (not disposed) until it reports done, `maxSteps` steps have
 * run, or the signal aborts. Intermediate points are disposed; the final one is returned.
 */
export async function minimize(
  optimizer: Optimizer,
  x0: tf.Tensor1D,
  options: MinimizeOptions,
): Promise<MinimizeResult> {
  let x = x0;
  let loss = Number.NaN;
  let evaluations = 0;
  let steps = 0;
  let reason: MinimizeResult["reason"] = "max-steps";
  try {
    while (steps < options.maxSteps) {
      if (options.signal?.aborted) {
        reason = "aborted";
        break;
      }
      const result = await optimizer.step(x);
      if (x !== x0) x.dispose();
      x = result.x;
      loss = result.loss;
      evaluations += result.info.evaluations;
      await options.onStep?.(result, steps);
      steps++;
      if (result.done) {
        reason = result.done;
        break;
      }
    }
  } catch (error) {
    if (x !== x0) x.dispose();
    throw error;
  }
  return { x: x === x0 ? tf.clone(x0) : x, loss, steps, evaluations, reason };
}

/** `Σ a·b` read back as a JS number (one small GPU→CPU transfer). */
export async function dot(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const s = tf.tidy(() => tf.sum(tf.mul(a, b)));
  try {
    return (await s.data())[0];
  } finally {
    s.dispose();
  }
}

/** `max |a|` read back as a JS number (NaN if any entry is NaN). */
export async function maxAbs(a: tf.Tensor): Promise<number> {
  const s = tf.tidy(() => {
    const abs = tf.abs(a);
    // max() skips NaN on some backends: add Σ|a| × 0, which is NaN iff an entry is NaN/Inf.
    return tf.add(tf.max(abs), tf.mul(tf.sum(abs), 0));
  });
  try {
    return (await s.data())[0];
  } finally {
    s.dispose();
  }
}
