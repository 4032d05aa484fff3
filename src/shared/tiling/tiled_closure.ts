/**
 * tiledValueAndGrad() as an optimizer closure over a parameterisation's flat vector, a drop-in
 * for the run loop's untiled `valueAndGrad` closure: the image gradient is pulled back through
 * `param.toImage` with tf.grad's upstream-gradient argument, which costs one image-sized
 * backward pass and never runs the network on the whole image. hostTiledClosure() is the same
 * over a flat vector held in JS memory (createHostLbfgs()): each window is uploaded and mapped
 * to pixels on its own, and the gradient stays in JS memory, so no whole-image tensor is made.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Net } from "../nets/net.ts";
import type { Closure, Evaluation } from "../optim/optimizer.ts";
import type { Parameterization } from "../param/parameterization.ts";
import { pixelParam } from "../param/pixel.ts";
import type { Span } from "./grid.ts";
import {
  type TiledObjectiveOptions,
  type TiledValue,
  tiledValueAndGrad,
  tiledValueAndHostGrad,
} from "./tiled_objective.ts";

/** Options of tiledClosure(): the objective's, plus a hook that sees each evaluation's terms. */
export interface TiledClosureOptions extends TiledObjectiveOptions {
  onValue?: (value: TiledValue) => void;
}

/** A Closure for createOptimizer() that evaluates the objective tile by tile. */
export function tiledClosure(
  net: Net,
  param: Parameterization,
  options: TiledClosureOptions,
): Closure {
  return async (flat: tf.Tensor1D): Promise<Evaluation> => {
    const image = tf.tidy(() => param.toImage(flat));
    let result;
    try {
      result = await tiledValueAndGrad(net, image, options);
    } finally {
      image.dispose();
    }
    const { grad: dImage, ...value } = result;
    options.onValue?.(value);
    const grad = tf.tidy(() =>
      tf.grad((x) => param.toImage(x as tf.Tensor1D))(flat, dImage) as tf.Tensor1D
    );
    dImage.dispose();
    return { loss: value.total, grad };
  };
}

/** Options of hostTiledClosure(). */
export interface HostTiledClosureOptions extends TiledClosureOptions {
  /** The pixel parameterisation's colour decorrelation (a recipe's `param.decorrelate`). */
  decorrelate?: boolean;
}

/** Rows of the gradient pulled back through a decorrelated pixel map at a time. */
const BAND_ROWS = 64;

/** The [rows x cols x 3] block of an [h x w x 3] row-major array of width `w`. */
function blockOf(values: Float32Array, [rows, cols]: [Span, Span], w: number): Float32Array {
  const cw = cols.end - cols.start;
  const out = new Float32Array((rows.end - rows.start) * cw * 3);
  for (let y = rows.start; y < rows.end; y++) {
    const from = (y * w + cols.start) * 3;
    out.set(values.subarray(from, from + cw * 3), (y - rows.start) * cw * 3);
  }
  return out;
}

/**
 * The tiled objective over the flat vector of a pixel parameterisation of `size`, held in JS
 * memory: the Closure of createHostLbfgs(). A pixel parameterisation maps each pixel on its own
 * (the identity, or a 3x3 colour map and a sigmoid), so a window of the image is the map of
 * that window of the vector, and the gradient is pulled back band by band: the same values as
 * tiledClosure() over the same parameterisation on the whole image (tested).
 */
export function hostTiledClosure(
  net: Net,
  size: { height: number; width: number },
  options: HostTiledClosureOptions,
): Closure<Float32Array> {
  const { height, width } = size;
  const toImage = (values: Float32Array, h: number, w: number): tf.Tensor4D => {
    if (!options.decorrelate) return tf.tensor4d(values, [1, h, w, 3]);
    const param = pixelParam(h, w, { decorrelate: true });
    try {
      return tf.tidy(() => param.toImage(tf.tensor1d(values)));
    } finally {
      param.dispose();
    }
  };
  return async (flat: Float32Array): Promise<Evaluation<Float32Array>> => {
    if (flat.length !== height * width * 3) {
      throw new RangeError(
        `Parameter vector has ${flat.length} values: expected ${height * width * 3}`,
      );
    }
    const image = {
      height,
      width,
      window: (at: [Span, Span]) =>
        toImage(blockOf(flat, at, width), at[0].end - at[0].start, at[1].end - at[1].start),
    };
    const { grad: dImage, ...value } = await tiledValueAndHostGrad(net, image, options);
    options.onValue?.(value);
    if (!options.decorrelate) return { loss: value.total, grad: dImage };
    const grad = new Float32Array(flat.length);
    for (let y = 0; y < height; y += BAND_ROWS) {
      const rows = Math.min(BAND_ROWS, height - y);
      const at = (y * width) * 3, end = at + rows * width * 3;
      const param = pixelParam(rows, width, { decorrelate: true });
      try {
        const g = tf.tidy(() =>
          tf.grad((x) => param.toImage(x as tf.Tensor1D))(
            tf.tensor1d(flat.subarray(at, end)),
            tf.tensor4d(dImage.subarray(at, end), [1, rows, width, 3]),
          )
        );
        grad.set(await g.data(), at);
        g.dispose();
      } finally {
        param.dispose();
      }
    }
    return { loss: value.total, grad };
  };
}
