/**
 * All metrics of one output at once, as the experiment report and the studio show them.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Net } from "../nets/net.ts";
import { artifactEnergy, type SpectrumShares } from "./artifacts.ts";
import { gaussianW2, slicedWasserstein } from "./colour.ts";
import { judgeContentDistance, judgeStyleDistance, type LayeredDistance } from "./judge.ts";

/** Metrics of one output image. */
export interface OutputScore {
  /** Judge id -> layer-balanced Gram distance to the style image. */
  style: Record<string, LayeredDistance>;
  /** Judge id -> content distance to the content photo at the judge's mid layer. */
  content: Record<string, number>;
  colourW2: number;
  colourSliced: number;
  artifacts: SpectrumShares;
}

/**
 * Scores `output` (same size as `content`) against the style and content images with every
 * judge whose id differs from `exclude` (the optimised network never judges itself).
 */
export async function scoreOutput(
  judges: readonly Net[],
  images: { output: tf.Tensor4D; style: tf.Tensor4D; content: tf.Tensor4D },
  opts: { exclude?: string } = {},
): Promise<OutputScore> {
  const style: Record<string, LayeredDistance> = {};
  const content: Record<string, number> = {};
  for (const judge of judges) {
    if (judge.id === opts.exclude) continue;
    style[judge.id] = await judgeStyleDistance(judge, images.output, images.style);
    content[judge.id] = await judgeContentDistance(judge, images.output, images.content);
  }
  const [o, s, c] = await Promise.all(
    [images.output, images.style, images.content].map((t) => t.data() as Promise<Float32Array>),
  );
  const [, h, w] = images.output.shape;
  return {
    style,
    content,
    colourW2: gaussianW2(o, s),
    colourSliced: slicedWasserstein(o, s),
    artifacts: artifactEnergy(o, c, h, w),
  };
}
