/**
 * Adam (Kingma & Ba 2015, algorithm 1) over a flat parameter tensor, behind the same
 * step-at-a-time interface as L-BFGS. One closure evaluation per step, no line search: the
 * choice for stochastic objectives (random jitter/transforms each step) where L-BFGS's
 * curvature pairs would be meaningless.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type Closure, maxAbs, type Optimizer, type StepResult } from "./optimizer.ts";

/** Options of {@link createAdam}; defaults are the paper's. */
export interface AdamOptions {
  /** Step size α. Default 0.001. */
  lr?: number;
  /** Decay of the first-moment estimate. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate. Default 0.999. */
  beta2?: number;
  /** Added to √v̂ to avoid division by zero. Default 1e-8. */
  eps?: number;
  /** Done when max |∇f| <= gradTol. Default 0 (only an exactly zero gradient). */
  gradTol?: number;
}

/**
 * Creates an Adam optimizer over `closure`. If the loss or gradient at the point it is given
 * is not finite, a step returns the midpoint between that point and the last finite one and
 * halves the step size from then on (no moment update): a backoff into the finite region.
 */
export function createAdam(closure: Closure, options: AdamOptions = {}): Optimizer {
  return new Adam(closure, options);
}

class Adam implements Optimizer {
  readonly #closure: Closure;
  readonly #o: Required<AdamOptions>;
  #m: tf.Tensor1D | null = null;
  #v: tf.Tensor1D | null = null;
  #t = 0;
  #scale = 1;
  /** Last point with a finite loss and gradient (owned), and its loss. */
  #good: { x: tf.Tensor1D; loss: number } | null = null;

  constructor(closure: Closure, options: AdamOptions) {
    this.#closure = closure;
    this.#o = {
      lr: options.lr ?? 0.001,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      eps: options.eps ?? 1e-8,
      gradTol: options.gradTol ?? 0,
    };
    const { lr, beta1, beta2 } = this.#o;
    if (!(lr > 0)) throw new RangeError(`Adam lr ${lr} is invalid: expected a number > 0`);
    for (const [name, b] of [["beta1", beta1], ["beta2", beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new RangeError(`Adam ${name} ${b}: expected 0 <= ${name} < 1`);
    }
  }

  async step(x: tf.Tensor1D): Promise<StepResult> {
    const ev = await this.#closure(x);
    const gradMax = await maxAbs(ev.grad);
    if (!Number.isFinite(ev.loss) || !Number.isFinite(gradMax)) {
      ev.grad.dispose();
      const good = this.#good;
      if (good === null) {
        throw new RangeError(
          `Adam cannot start where the loss is ${ev.loss}: expected a finite loss and gradient`,
        );
      }
      this.#scale /= 2;
      const back = tf.tidy(() => tf.div(tf.add(good.x, x), 2) as tf.Tensor1D);
      const info = { evaluations: 1, lineSearch: "none" as const, restarted: false, nonFinite: 1 };
      return { x: back, loss: good.loss, info };
    }
    this.#good?.x.dispose();
    this.#good = { x: tf.clone(x), loss: ev.loss };
    const info = { evaluations: 1, lineSearch: "none" as const, restarted: false, nonFinite: 0 };
    if (gradMax <= this.#o.gradTol) {
      ev.grad.dispose();
      return { x: tf.clone(x), loss: ev.loss, done: "gradient", info };
    }
    const { beta1, beta2, eps } = this.#o;
    this.#t++;
    const t = this.#t;
    const g = ev.grad;
    const m0 = this.#m ?? tf.zerosLike(g);
    const v0 = this.#v ?? tf.zerosLike(g);
    const [m, v, next] = tf.tidy(() => {
      const m = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1)) as tf.Tensor1D;
      const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2)) as tf.Tensor1D;
      const mHat = tf.div(m, 1 - beta1 ** t);
      const vHat = tf.div(v, 1 - beta2 ** t);
      const update = tf.div(mHat, tf.add(tf.sqrt(vHat), eps));
      const next = tf.sub(x, tf.mul(update, this.#o.lr * this.#scale)) as tf.Tensor1D;
      return [m, v, next];
    });
    tf.dispose([m0, v0, g]);
    this.#m = m;
    this.#v = v;
    return { x: next, loss: ev.loss, info };
  }

  dispose(): void {
    tf.dispose([this.#m, this.#v, this.#good?.x].filter((t) => t != null));
    this.#m = null;
    this.#v = null;
    this.#good = null;
  }
}
