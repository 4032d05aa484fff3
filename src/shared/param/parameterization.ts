/**
 * The contract between an image parameterisation and the optimiser (Mordvintsev et al.,
 * "Differentiable Image Parameterizations", Distill 2018). The optimiser only ever sees one
 * flat vector of `size` scalars; `toImage` maps it differentiably to an NHWC RGB image, so the
 * engine can call it inside `tf.grad`. `paramImage` is the lucent-style view of the same thing
 * (`{ variables, image() }`, lucent param/spatial.py) for callers that want a variable.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../random.ts";

/** A differentiable map from a flat parameter vector to an image. */
export interface Parameterization {
  readonly height: number;
  readonly width: number;
  /** Number of scalars in the flat parameter vector. */
  readonly size: number;
  /** Flat [size] to image [1, height, width, 3]; differentiable. Caller disposes. */
  toImage(flat: tf.Tensor1D): tf.Tensor4D;
  /**
   * Image [1, height, width, 3] to a flat vector with `toImage(fromImage(x)) = x` (up to float
   * rounding; for sigmoid-squashed parameterisations only for x strictly inside (0, 1)).
   * Caller disposes.
   */
  fromImage(image: tf.Tensor4D): tf.Tensor1D;
  /** Frees the constant tensors built for this size. */
  dispose(): void;
}

/** Options of paramImage(). */
export interface ParamImageOptions {
  /** Initial value: a flat vector of `size` scalars or an image to invert with fromImage. */
  init?: tf.Tensor1D | tf.Tensor4D;
  /** Seed of the Gaussian noise used when there is no `init` (default 0). */
  seed?: number;
  /** Standard deviation of that noise (default 0.01, as lucid's param.image). */
  sd?: number;
}

/** A parameterisation bound to its variable (lucent style). */
export interface ParamImage {
  /** The one trainable variable, of shape [size]. */
  variables: tf.Variable<tf.Rank.R1>[];
  /** The current image [1, h, w, 3]; differentiable w.r.t. the variable. Caller disposes. */
  image(): tf.Tensor4D;
  /** Disposes the variable (not the parameterisation, which may be shared). */
  dispose(): void;
}

/** Flat vector of `size` draws from N(0, sd^2), seeded. Caller disposes. */
export function gaussianFlat(size: number, options: { seed?: number; sd?: number } = {}) {
  const rng = createRng(options.seed ?? 0);
  const sd = options.sd ?? 0.01;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal() * sd;
  return tf.tensor1d(values);
}

/** Binds a parameterisation to a new trainable variable. The caller disposes the result. */
export function paramImage(param: Parameterization, options: ParamImageOptions = {}): ParamImage {
  const { init } = options;
  const initial = init === undefined
    ? gaussianFlat(param.size, options)
    : init.rank === 4
    ? param.fromImage(init as tf.Tensor4D)
    : tf.clone(init as tf.Tensor1D);
  checkFlat(initial, param.size);
  const variable = tf.variable(initial, true);
  initial.dispose();
  return {
    variables: [variable],
    image: () => param.toImage(variable),
    dispose: () => variable.dispose(),
  };
}

/** Throws unless `height` and `width` are positive integers no larger than `max`. */
export function checkSize(height: number, width: number, max = 4096): void {
  for (const [name, value] of [["height", height], ["width", width]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new RangeError(`Image ${name} is ${value}: expected an integer from 1 to ${max}`);
    }
  }
}

/** Throws unless `flat` is a vector of `size` scalars. */
export function checkFlat(flat: tf.Tensor, size: number): void {
  if (flat.rank !== 1 || flat.size !== size) {
    throw new RangeError(
      `Parameter vector has shape [${flat.shape}]: expected [${size}]`,
    );
  }
}

/** Throws unless `image` is [1, height, width, 3]. */
export function checkImage(image: tf.Tensor, height: number, width: number): void {
  const [n, h, w, c] = image.shape;
  if (image.rank !== 4 || n !== 1 || h !== height || w !== width || c !== 3) {
    throw new RangeError(
      `Image has shape [${image.shape}]: expected [1, ${height}, ${width}, 3]`,
    );
  }
}
