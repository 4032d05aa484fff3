/**
 * Judge metrics: distances computed by a network OTHER than the one optimised. Features that a
 * non-robust network uses to fool its own style loss do not transfer across architectures, so
 * a judge separates real stylisation from fake (Nakano 2019's finding, measured).
 */
import * as tf from "@tensorflow/tfjs-core";
import { gram } from "../losses/style.ts";
import type { Net } from "../nets/net.ts";

/** Four layers spread over the depth of each judge network (strides 2, 4, 8, 16). */
export const JUDGE_LAYERS: Record<string, string[]> = {
  "mobilenet-v1": ["conv_pw_1_relu", "conv_pw_3_relu", "conv_pw_5_relu", "conv_pw_11_relu"],
  "darknet-tiny": ["conv2", "conv6", "conv10", "conv14"],
  resnet50: ["res2c", "res3d", "res4f", "res5c"],
  vgg19: ["relu1_1", "relu2_1", "relu3_1", "relu4_1"],
};

/** The mid-depth layer each judge uses for the content distance. */
export const JUDGE_CONTENT_LAYER: Record<string, string> = {
  "mobilenet-v1": "conv_pw_5_relu",
  "darknet-tiny": "conv8",
  resnet50: "res3d",
  vgg19: "relu4_2",
};

/** Per-layer and mean values of a layer-balanced distance. */
export interface LayeredDistance {
  mean: number;
  perLayer: Record<string, number>;
}

function layersOf(judge: Net, layers?: readonly string[]): string[] {
  const l = layers ?? JUDGE_LAYERS[judge.manifest.architecture];
  if (!l) throw new RangeError(`No judge layers for architecture "${judge.manifest.architecture}"`);
  return [...l];
}

/**
 * Layer-balanced Gram distance: per layer ||G_out - G_style||² / ||G_style||² with
 * G = FᵀF / (C·H·W), averaged over the layers. Scale-free per layer, so shallow and deep
 * layers count equally. Images are [1, h, w, 3] RGB in [0, 1] (sizes may differ).
 */
export async function judgeStyleDistance(
  judge: Net,
  output: tf.Tensor4D,
  style: tf.Tensor4D,
  layers?: readonly string[],
): Promise<LayeredDistance> {
  const names = layersOf(judge, layers);
  const values = tf.tidy(() => {
    const fo = judge.forward(output, names);
    const fs = judge.forward(style, names);
    return tf.stack(names.map((n) => {
      const go = gram(fo[n]);
      const gs = gram(fs[n]);
      return tf.div(tf.sum(tf.squaredDifference(go, gs)), tf.maximum(tf.sum(tf.square(gs)), 1e-30));
    }));
  });
  const v = Array.from(await values.data());
  values.dispose();
  const perLayer = Object.fromEntries(names.map((n, i) => [n, v[i]]));
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, perLayer };
}

/**
 * Standardises each colour channel to mean 0.5, standard deviation 0.2 (clipped to [0, 1]), so
 * that a global per-channel colour change (x -> a·x + b) leaves the image unchanged.
 */
export function standardizeColour(image: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(image, [0, 1, 2], true);
    const z = tf.div(tf.sub(image, mean), tf.sqrt(tf.add(variance, 1e-8)));
    return tf.clipByValue(tf.add(tf.mul(z, 0.2), 0.5), 0, 1) as tf.Tensor4D;
  });
}

/**
 * Content distance: ||F_out - F_content||² / ||F_content||² at the judge's mid layer, on
 * colour-standardised images, so it measures structure and ignores global colour (which the
 * colour distances measure). Both images must have the same size.
 */
export async function judgeContentDistance(
  judge: Net,
  output: tf.Tensor4D,
  content: tf.Tensor4D,
  layer?: string,
): Promise<number> {
  const name = layer ?? JUDGE_CONTENT_LAYER[judge.manifest.architecture];
  if (!name) {
    throw new RangeError(`No content layer for architecture "${judge.manifest.architecture}"`);
  }
  if (output.shape[1] !== content.shape[1] || output.shape[2] !== content.shape[2]) {
    throw new RangeError(
      `Content distance needs equal sizes: [${output.shape}] vs [${content.shape}]`,
    );
  }
  const d = tf.tidy(() => {
    const a = judge.forward(standardizeColour(output), [name])[name];
    const b = judge.forward(standardizeColour(content), [name])[name];
    return tf.div(tf.sum(tf.squaredDifference(a, b)), tf.maximum(tf.sum(tf.square(b)), 1e-30));
  });
  const v = (await d.data())[0];
  d.dispose();
  return v;
}
