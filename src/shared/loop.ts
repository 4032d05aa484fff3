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
import { createOptimizer, type Optimizer } from "./optim/mod.ts";
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
  /** The objective at an image (inside the gradient scope: no dispose needed). */
  objective(image: tf.Tensor4D): ObjectiveValue;
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

/** One evaluation of an iteration: its point (owned here), loss and terms. */
interface Evaluated {
  x: tf.Tensor1D;
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
  let optimizer: Optimizer | undefined;
  let x: tf.Tensor1D | undefined;
  let best: Evaluated | undefined;
  let evaluated: Evaluated[] = [];
  let previous: { loss: number; terms: Record<string, number> } | undefined;
  const drop = (list: Evaluated[]) => list.forEach((e) => e !== best && e.x.dispose());

  // Term values are kept out of the gradient's scope and read back asynchronously: WebGPU has
  // no synchronous readback.
  let kept: [string, tf.Scalar][] = [];
  const valueAndGrad = tf.valueAndGrad((flat: tf.Tensor1D) => {
    const value = opts.objective(param!.toImage(flat));
    kept = Object.entries(value.terms).map(([k, v]) => [k, tf.keep(v)]);
    return value.total;
  });
  const closure = async (flat: tf.Tensor1D) => {
    // A macrotask turn per evaluation lets an abort (a timer, a worker message) arrive.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (signal?.aborted) throw new Aborted();
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
    param = createParameterization(opts.param, opts.height, opts.width);
    x = opts.start(param);
    optimizer = createOptimizer(opts.optimizer, closure);
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
        x.dispose();
        x = step.x;
      }
      iteration++;
      evaluations += step.info.evaluations;
      // The accepted point is the evaluation whose loss the step reports (L-BFGS: the new x;
      // Adam: the point stepped from); its terms are the ones reported with that loss.
      // A step that kept an earlier point (no evaluation of this iteration has its loss) keeps
      // the terms reported with that loss.
      const accepted = evaluated.findLast((e) => e.loss === step.loss) ?? {
        x: tf.clone(x),
        loss: step.loss,
        terms: previous?.loss === step.loss ? previous.terms : {},
      };
      previous = { loss: accepted.loss, terms: accepted.terms };
      if (Number.isFinite(accepted.loss) && (!best || accepted.loss < best.loss)) {
        best?.x.dispose();
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
        const img = tf.tidy(() => param!.toImage(accepted.x));
        event.preview = await toRgba(img).finally(() => img.dispose());
      }
      if (accepted !== best) accepted.x.dispose();
      drop(evaluated.filter((e) => e !== accepted));
      evaluated = [];
      yield event;
      if (step.done) break;
    }
    const image = tf.tidy(() => tf.clipByValue(param!.toImage(best?.x ?? x!), 0, 1));
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
    best?.x.dispose();
    optimizer?.dispose();
    x?.dispose();
    param?.dispose();
  }
}
