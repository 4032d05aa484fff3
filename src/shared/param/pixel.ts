/**
 * Pixel parameterisation: the parameters are the image. Without decorrelation it is the
 * identity, with no clamp, so gradients reach every pixel even outside [0, 1]; the engine clips
 * for display. With decorrelation the parameters are pixels in the decorrelated colour space,
 * squashed by a sigmoid into [0, 1] (lucid param.image with fft=False).
 */
import * as tf from "@tensorflow/tfjs-core";
import { createColorDecorrelation, logit } from "./color.ts";
import { checkFlat, checkImage, checkSize, type Parameterization } from "./parameterization.ts";

/** Options of pixelParam(). */
export interface PixelParamOptions {
  /** Decorrelated colours, then a sigmoid (default false: the identity). */
  decorrelate?: boolean;
}

/** Pixel parameterisation of an image of `height` x `width`; the caller disposes it. */
export function pixelParam(
  height: number,
  width: number,
  options: PixelParamOptions = {},
): Parameterization {
  checkSize(height, width);
  const size = height * width * 3;
  const shape: [number, number, number, number] = [1, height, width, 3];
  const color = options.decorrelate ? createColorDecorrelation() : undefined;
  return {
    height,
    width,
    size,
    toImage(flat) {
      checkFlat(flat, size);
      return tf.tidy(() => {
        const t = tf.reshape(flat, shape) as tf.Tensor4D;
        return color ? tf.sigmoid(color.forward(t)) : t;
      });
    },
    fromImage(image) {
      checkImage(image, height, width);
      return tf.tidy(() => tf.reshape(color ? color.inverse(logit(image)) : image, [size]));
    },
    dispose: () => color?.dispose(),
  };
}
