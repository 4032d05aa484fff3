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
  /** Gaussian W2 colour distance to the style image. */
  colourW2: number;
  /**
   * The same to the whole painting, when scoreOutput() was given it: a judge's style image may
   * be a crop (the experiments judge the painting's centre square), which holds only part of its
   * palette, while colour statistics do not depend on where a pixel is.
   */
  colourW2Whole?: number;
  colourSliced: number;
  artifacts: SpectrumShares;
}

/**
 * Scores `output` (same size as `content`) against the style and content images with every
 * judge whose id differs from `exclude` (the optimised network never judges itself).
 */
export async function scoreOutput(
  judges: readonly Net[],
  images: {
    output: tf.Tensor4D;
    style: tf.Tensor4D;
    content: tf.Tensor4D;
    /** The whole painting, where `style` is a crop of it (colourW2Whole). */
    painting?: tf.Tensor4D;
  },
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
  const whole = images.painting && (await images.painting.data() as Float32Array);
  return {
    style,
    content,
    colourW2: gaussianW2(o, s),
    ...(whole ? { colourW2Whole: gaussianW2(o, whole) } : {}),
    colourSliced: slicedWasserstein(o, s),
    artifacts: artifactEnergy(o, c, h, w),
  };
}
