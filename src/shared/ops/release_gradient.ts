/**
 * Frees what a custom gradient (tf.customGrad) has used, as soon as it has used it. tfjs keeps
 * every gradient its backward pass makes, and every tensor an op saved for it, until the whole
 * backward pass ends, so at the end of ResNet-50's backward pass at 512 px both were held at once
 * (issue 13: about 1 GB of tensors). An op's saved tensors are the engine's clones for that op
 * alone, and its upstream gradient `dy` is read by no other op once its gradient has run.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Disposes `saved` and `dy` after a custom gradient has computed its result. `outputId` is the
 * id of the op's forward output: a `dy` made before it is the caller's (tf.grad's `dy`
 * argument) and is left alone; one made after it is the backward pass's own.
 */
export function releaseGradientInputs(
  dy: tf.Tensor,
  saved: readonly tf.Tensor[],
  outputId: number,
): void {
  for (const t of saved) t.dispose();
  if (dy.id > outputId) dy.dispose();
}
