/**
 * tiledValueAndGrad() as an optimizer closure over a parameterisation's flat vector, a drop-in
 * for the run loop's untiled `valueAndGrad` closure: the image gradient is pulled back through
 * `param.toImage` with tf.grad's upstream-gradient argument, which costs one image-sized
 * backward pass and never runs the network on the whole image.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Net } from "../nets/net.ts";
import type { Closure, Evaluation } from "../optim/optimizer.ts";
import type { Parameterization } from "../param/parameterization.ts";
import {
  type TiledObjectiveOptions,
  type TiledValue,
  tiledValueAndGrad,
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
