/**
 * relu(a + b + ...) as one differentiable op, for a residual block's sum and the ReLU after it.
 * Under tf.grad every tensor of the forward pass lives until the forward pass ends, and every
 * gradient until the backward pass ends; as two ops the sum before the ReLU (and the ReLU's saved
 * input) and the ReLU's masked gradient would be held too, each the size of the activation
 * (issue 13: ResNet-50's 16 residual sums at 512 px). Here they are freed when the op or its
 * gradient returns. The gradient is tfjs's own: dy·step(y) for every input, y > 0 exactly where
 * the sum is.
 */
import * as tf from "@tensorflow/tfjs-core";
import { releaseGradientInputs } from "../ops/release_gradient.ts";

/** relu(Σ inputs) of same-shape tensors, with its gradient. Caller disposes. */
export function addRelu<T extends tf.Tensor>(inputs: T[]): T {
  if (inputs.length < 2) {
    throw new RangeError(`addRelu() takes 2 or more inputs, got ${inputs.length}`);
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    const save = args[inputs.length] as tf.GradSaveFunc;
    const y = tf.relu(xs.length === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs));
    save([y]);
    return {
      value: y,
      // One mask for every input; clones share its data, so the tape can free each on its own.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = tf.tidy(() => tf.mul(dy, tf.step(saved[0])));
        releaseGradientInputs(dy, saved, y.id);
        return xs.map((_, i) => (i === 0 ? g : tf.clone(g)));
      },
    };
  });
  return f(...inputs) as T;
}
