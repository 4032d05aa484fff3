/**
 * The optimisation loop of the engine, shared by stylize() (render.ts) and visualize()
 * (featurevis.ts): an async generator that yields a progress event per iteration (the accepted
 * point's loss terms, evaluations, a preview every N iterations), stops within one objective
 * evaluation on an AbortSignal, and returns the best accepted point so far, whose loss it
 * reports. Every random draw comes from the seed (src/shared/init.ts).
 */
import * as tf from "@tensorflow/tfjs-core";
import { toRgba } from "./image.ts";
import { iterationSeed } from "./init.ts";
import type { ObjectiveValue } from "./losses/mod.ts";
import {
  type Closure,
  createHostLbfgs,
  createOptimizer,
  deviceVectors,
  hostVectors,
  type Optimizer,
  type VectorOps,
} from "./optim/mod.ts";
import { createParameterization, type Parameterization } from "./param/mod.ts";
import type { PreviewImage } from "./image.ts";
import type { OptimizerSpec, ParamSpec } from "./types.ts";

/** Options of the loop (and of stylize()). */
export interface LoopControl {
  signal?: AbortSignal;
  /** Attach a preview image every N iterations (default 10; 0 for none). */
  previewEvery?: number;
}

/** What optimizeImage() optimises. */
export interface LoopOptions extends LoopControl {
  param: ParamSpec;
  height: number;
  width: number;
  /** The start (caller disposes nothing: the loop owns it). */
  start(param: Parameterization): tf.Tensor1D;
  optimizer: OptimizerSpec;
  iterations: number;
  seed: number;
  /**
   * Index of the first iteration in the seed sequence (default 0): a coarse-to-fine run's
   * later scales continue the sequence instead of replaying the first scale's transform draws.
   */
  firstIteration?: number;
  /** Called with each iteration's seed before its first evaluation. */
  begin?(seed: number): void;
  /**
   * The objective at an image (inside the gradient scope: no dispose needed). Give this or
   * `evaluator`.
   */
  objective?(image: tf.Tensor4D): ObjectiveValue;
  /**
   * Instead of `objective`: an evaluation of its own over the parameterisation's flat vector,
   * loss, gradient (the loop disposes it) and weighted terms, e.g. a tiled one (tiled_run.ts)
   * that never runs the network on the whole image. An abort error it throws while the signal
   * is aborted stops the run like an abort between evaluations.
   */
  evaluator?(param: Parameterization): (flat: tf.Tensor1D) => Promise<{
    loss: number;
    grad: tf.Tensor1D;
    terms: Record<string, number>;
  }>;
  /**
   * Instead of `objective` and `evaluator`, for L-BFGS: an evaluation over the flat vector held
   * in JS memory, returning its gradient there (tiled_run.ts, issue 14). Then every vector of
   * the run (the point, the gradients, the direction, the trial points, the history) lives in JS
   * memory (createHostLbfgs()); only previews and the result are made as tensors.
   */
  hostEvaluator?(param: Parameterization): (flat: Float32Array) => Promise<{
    loss: number;
    grad: Float32Array;
    terms: Record<string, number>;
  }>;
}

/** One progress event per iteration, about the point the optimizer accepted. */
export interface LoopEvent {
  iteration: number;
  iterations: number;
  /** Total loss of the accepted point (for Adam: the point it stepped from). */
  loss: number;
  /** That point's weighted terms. */
  terms: Record<string, number>;
  elapsedMs: number;
  /** Objective evaluations so far, and in this iteration (a line search may take several). */
  evaluations: number;
  iterationEvaluations: number;
  preview?: PreviewImage;
}

/** The best accepted point (caller disposes `image`) and how the run went. */
export interface LoopResult {
  image: tf.Tensor4D;
  loss: number;
  terms: Record<string, number>;
  iterations: number;
  evaluations: number;
  aborted: boolean;
  elapsedMs: number;
}

/** Thrown inside the objective to unwind an iteration when the run is aborted. */
class Aborted extends Error {}

/** The optimiser's vectors: tensors, or Float32Arrays in JS memory (`hostEvaluator`). */
type Vec = tf.Tensor1D | Float32Array;

/** One evaluation of an iteration: its point (owned here), loss and terms. */
interface Evaluated {
  x: Vec;
  loss: number;
  terms: Record<string, number>;
}

/**
 * Optimises an image parameterisation. The returned image is the accepted point with the
 * lowest loss, and `loss` is that point's loss: under Adam, which reports the loss of the point
 * it stepped from, that is the point stepped from, not the new one.
 */
export async function* optimizeImage(
  opts: LoopOptions,
): AsyncGenerator<LoopEvent, LoopResult, void> {
  const started = performance.now();
  const previewEvery = opts.previewEvery ?? 10;
  const signal = opts.signal;
  let param: Parameterization | undefined;
  let optimizer: Optimizer<Vec> | undefined;
  let x: Vec | undefined;
  let best: Evaluated | undefined;
  let evaluated: Evaluated[] = [];
  let previous: { loss: number; terms: Record<string, number> } | undefined;
  const vec = (opts.hostEvaluator ? hostVectors : deviceVectors) as VectorOps<Vec>;
  const drop = (list: Evaluated[]) => list.forEach((e) => e !== best && vec.dispose(e.x));
  /** The image of a point, a new tensor. */
  const imageOf = (v: Vec) =>
    tf.tidy(() => param!.toImage(v instanceof Float32Array ? tf.tensor1d(v) : v));

  // Term values are kept out of the gradient's scope and read back asynchronously: WebGPU has
  // no synchronous readback.
  let kept: [string, tf.Scalar][] = [];
  const valueAndGrad = tf.valueAndGrad((flat: tf.Tensor1D) => {
    const value = opts.objective!(param!.toImage(flat));
    kept = Object.entries(value.terms).map(([k, v]) => [k, tf.keep(v)]);
    return value.total;
  });
  let custom: ReturnType<NonNullable<LoopOptions["evaluator"]>> | undefined;
  let hostCustom: ReturnType<NonNullable<LoopOptions["hostEvaluator"]>> | undefined;
  const closure = async (flat: Vec) => {
    // A macrotask turn per evaluation lets an abort (a timer, a worker message) arrive.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (signal?.aborted) throw new Aborted();
    if (custom || hostCustom) {
      let r;
      try {
        r = hostCustom
          ? await hostCustom(flat as Float32Array)
          : await custom!(flat as tf.Tensor1D);
      } catch (e) {
        if (signal?.aborted) throw new Aborted();
        throw e;
      }
      evaluated.push({ x: vec.clone(flat), loss: r.loss, terms: r.terms });
      return { loss: r.loss, grad: r.grad as Vec };
    }
    flat = flat as tf.Tensor1D;
    const { value, grad } = tf.tidy(() => valueAndGrad(flat));
    const terms = kept;
    kept = [];
    let values: (Float32Array | Int32Array | Uint8Array)[];
    try {
      values = await Promise.all([value, ...terms.map(([, t]) => t)].map((t) => t.data()));
    } catch (e) {
      grad.dispose();
      throw e;
    } finally {
      tf.dispose([value, terms.map(([, t]) => t)]);
    }
    const loss = values[0][0];
    const named: Record<string, number> = {};
    terms.forEach(([k], i) => (named[k] = values[i + 1][0]));
    evaluated.push({ x: tf.clone(flat), loss, terms: named });
    return { loss, grad: grad as tf.Tensor1D };
  };

  let iteration = 0;
  let evaluations = 0;
  let aborted = false;
  try {
    if ([opts.objective, opts.evaluator, opts.hostEvaluator].filter((f) => f).length !== 1) {
      throw new TypeError(
        "optimizeImage() needs exactly one of objective, evaluator and hostEvaluator",
      );
    }
    if (opts.hostEvaluator && opts.optimizer.kind !== "lbfgs") {
      throw new TypeError("optimizeImage(): hostEvaluator runs L-BFGS only");
    }
    param = createParameterization(opts.param, opts.height, opts.width);
    custom = opts.evaluator?.(param);
    hostCustom = opts.hostEvaluator?.(param);
    const start = opts.start(param);
    if (hostCustom) {
      x = Float32Array.from(await start.data() as Float32Array);
      start.dispose();
    } else x = start;
    optimizer = hostCustom && opts.optimizer.kind === "lbfgs"
      ? createHostLbfgs(closure as Closure<Float32Array>, {
        history: opts.optimizer.history,
      }) as Optimizer<Vec>
      : createOptimizer(opts.optimizer, closure as Closure) as Optimizer<Vec>;
    for (iteration = 0; iteration < opts.iterations;) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      opts.begin?.(iterationSeed(opts.seed, (opts.firstIteration ?? 0) + iteration));
      let step;
      try {
        step = await optimizer.step(x);
      } catch (e) {
        if (e instanceof Aborted) {
          aborted = true;
          break;
        }
        throw e;
      }
      if (step.x !== x) {
        vec.dispose(x);
        x = step.x;
      }
      iteration++;
      evaluations += step.info.evaluations;
      // The accepted point is the evaluation whose loss the step reports (L-BFGS: the new x;
      // Adam: the point stepped from); its terms are the ones reported with that loss.
      // A step that kept an earlier point (no evaluation of this iteration has its loss) keeps
      // the terms reported with that loss.
      const accepted = evaluated.findLast((e) => e.loss === step.loss) ?? {
        x: vec.clone(x),
        loss: step.loss,
        terms: previous?.loss === step.loss ? previous.terms : {},
      };
      previous = { loss: accepted.loss, terms: accepted.terms };
      if (Number.isFinite(accepted.loss) && (!best || accepted.loss < best.loss)) {
        if (best) vec.dispose(best.x);
        best = accepted;
      }
      const event: LoopEvent = {
        iteration,
        iterations: opts.iterations,
        loss: accepted.loss,
        terms: accepted.terms,
        elapsedMs: performance.now() - started,
        evaluations,
        iterationEvaluations: step.info.evaluations,
      };
      if (
        previewEvery > 0 && (iteration % previewEvery === 0 || iteration === opts.iterations)
      ) {
        const img = imageOf(accepted.x);
        event.preview = await toRgba(img).finally(() => img.dispose());
      }
      if (accepted !== best) vec.dispose(accepted.x);
      drop(evaluated.filter((e) => e !== accepted));
      evaluated = [];
      yield event;
      if (step.done) break;
    }
    const unclipped = imageOf(best?.x ?? x!);
    const image = tf.tidy(() => tf.clipByValue(unclipped, 0, 1));
    unclipped.dispose();
    return {
      image,
      loss: best?.loss ?? NaN,
      terms: best?.terms ?? {},
      iterations: iteration,
      evaluations,
      aborted,
      elapsedMs: performance.now() - started,
    };
  } finally {
    drop(evaluated);
    if (best) vec.dispose(best.x);
    optimizer?.dispose();
    if (x) vec.dispose(x);
    param?.dispose();
  }
}
