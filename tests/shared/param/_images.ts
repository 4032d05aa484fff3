/** Test images for the parameterisation tests: seeded, strictly inside (0.05, 0.95). */
import { createRng } from "../../../src/shared/random.ts";
import { tf } from "../../_tf.ts";

/** A [1, h, w, 3] image of seeded uniform values in [0.05, 0.95). Caller disposes. */
export function interiorImage(height: number, width: number, seed = 1): tf.Tensor4D {
  const rng = createRng(seed);
  const values = Float32Array.from({ length: height * width * 3 }, () => 0.05 + 0.9 * rng.next());
  return tf.tensor4d(values, [1, height, width, 3]);
}

/** Largest absolute difference of two tensors, read back synchronously. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * Runs `steps` of Adam (Kingma & Ba 2015, beta1 0.9, beta2 0.999, eps 1e-8), written inline,
 * on the MSE between `param.toImage(flat)` and `target`, from `flat0`. Returns the loss before
 * the first and after the last step. Disposes everything it makes.
 */
export function adamLosses(
  param: { toImage(flat: tf.Tensor1D): tf.Tensor4D },
  flat0: tf.Tensor1D,
  target: tf.Tensor4D,
  options: { steps: number; learningRate: number },
): [number, number] {
  const loss = (flat: tf.Tensor1D) =>
    tf.tidy(() => tf.mean(tf.square(tf.sub(param.toImage(flat), target))) as tf.Scalar);
  let x = tf.clone(flat0);
  let m = tf.zerosLike(flat0), v = tf.zerosLike(flat0);
  const first = tf.tidy(() => loss(x).dataSync()[0]);
  const valueAndGrad = tf.valueAndGrad((f: tf.Tensor) => loss(f as tf.Tensor1D));
  for (let t = 1; t <= options.steps; t++) {
    const [nx, nm, nv] = tf.tidy(() => {
      const { grad } = valueAndGrad(x);
      const m1 = tf.add(tf.mul(m, 0.9), tf.mul(grad, 0.1));
      const v1 = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(grad), 0.001));
      const mHat = tf.div(m1, 1 - 0.9 ** t), vHat = tf.div(v1, 1 - 0.999 ** t);
      const step = tf.div(tf.mul(mHat, options.learningRate), tf.add(tf.sqrt(vHat), 1e-8));
      return [tf.sub(x, step) as tf.Tensor1D, m1 as tf.Tensor1D, v1 as tf.Tensor1D];
    });
    tf.dispose([x, m, v]);
    [x, m, v] = [nx, nm, nv];
  }
  const last = tf.tidy(() => loss(x).dataSync()[0]);
  tf.dispose([x, m, v]);
  return [first, last];
}

/** Gradient of sum(toImage(flat) * weights) w.r.t. flat, as numbers; for "gradients flow". */
export function gradientOf(
  param: { toImage(flat: tf.Tensor1D): tf.Tensor4D },
  flat: tf.Tensor1D,
): Float32Array {
  return tf.tidy(() => {
    const image = param.toImage(flat);
    const weights = tf.reshape(tf.linspace(-1, 1, image.size), image.shape);
    image.dispose();
    const g = tf.grad((f) => tf.sum(tf.mul(param.toImage(f as tf.Tensor1D), weights)))(flat);
    return g.dataSync() as Float32Array;
  });
}
