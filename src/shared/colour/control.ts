/**
 * Colour control for a style-transfer run as two calls around the loop: prepareColour()
 * before (which images the loop should use) and finishColour() after (the picture to show).
 * Modes (a Recipe's `colour.mode`), after Gatys et al. 2016 and jcjohnson/neural-style:
 *
 * - "none": the images as given;
 * - "luminance": transfer on luminance only. The loop optimises grey images: the photo's Y
 *   and the painting's Y, the latter shifted and scaled to the photo's luminance mean and
 *   standard deviation (Gatys et al. 2016 §2.2); afterwards the output's Y is recombined with
 *   the photo's I and Q (YIQ);
 * - "match": the painting recoloured to the photo's colour mean and covariance (match.ts);
 * - "original": a plain post-process, the output's luminance with the photo's chroma in YUV
 *   (jcjohnson's -original_colors 1);
 * - "palette": the other direction of "match": paint in the painting's palette. The photo is
 *   recoloured to the paintings' pooled colour mean and covariance before the run (the loop's
 *   content target and start), and the output's colours are mapped to them again after it, so
 *   the optimisation spends itself on texture rather than on repainting the colours.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type ColourMatch,
  type ColourStats,
  colourStats,
  matchColour,
  pooledStats,
  recolour,
} from "./match.ts";
import { type ColourSpace, fromLuminanceChroma, toLuminanceChroma } from "./spaces.ts";

/** A Recipe's `colour` field. */
export interface ColourControlSpec {
  mode: "none" | "luminance" | "match" | "original" | "palette";
  match?: ColourMatch;
}

/** The images the run loop should use. Every tensor is new: the caller disposes all of them. */
export interface PreparedColour {
  content: tf.Tensor4D;
  styles: tf.Tensor4D[];
  /** "palette": the paintings' pooled colour statistics, which finishColour() maps to. */
  palette?: ColourStats;
}

/** `image` mapped to the colour statistics `palette`, clipped to [0, 1]. Caller disposes. */
async function toPalette(
  image: tf.Tensor4D,
  palette: ColourStats,
  method?: ColourMatch,
): Promise<tf.Tensor4D> {
  const own = await colourStats(image);
  return tf.tidy(() => tf.clipByValue(recolour(image, own, palette, method), 0, 1));
}

/** Luminance Y of an RGB image, repeated in three channels (a grey RGB image). */
function greyOf(image: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const y = tf.slice(toLuminanceChroma(image, "yiq"), [0, 0, 0, 0], [-1, -1, -1, 1]);
    return tf.tile(y, [1, 1, 1, 3]) as tf.Tensor4D;
  });
}

/**
 * Before the run: the content and style images the loop should use instead of the originals
 * (see the module note). `spec` undefined means "none". `weights` are the paintings' blend
 * weights ("palette" pools their colours with them; default equal).
 */
export async function prepareColour(
  content: tf.Tensor4D,
  styles: readonly tf.Tensor4D[],
  spec?: ColourControlSpec,
  weights?: readonly number[],
): Promise<PreparedColour> {
  const mode = spec?.mode ?? "none";
  switch (mode) {
    case "none":
    case "original":
      return { content: tf.clone(content), styles: styles.map((s) => tf.clone(s)) };
    case "match": {
      const matched = [];
      for (const s of styles) matched.push(await matchColour(s, content, { method: spec?.match }));
      return { content: tf.clone(content), styles: matched };
    }
    case "palette": {
      const palette = pooledStats(await Promise.all(styles.map(colourStats)), weights);
      return {
        content: await toPalette(content, palette, spec?.match),
        styles: styles.map((s) => tf.clone(s)),
        palette,
      };
    }
    case "luminance":
      return tf.tidy(() => {
        const yc = greyOf(content);
        const { mean: mc, variance: vc } = tf.moments(tf.slice(yc, [0, 0, 0, 0], [-1, -1, -1, 1]));
        const out = styles.map((s) => {
          const ys = greyOf(s);
          const { mean: ms, variance: vs } = tf.moments(
            tf.slice(ys, [0, 0, 0, 0], [-1, -1, -1, 1]),
          );
          // Gatys et al. 2016 §2.2: L_S' = σ_C/σ_S (L_S − μ_S) + μ_C.
          const k = tf.div(tf.sqrt(vc), tf.add(tf.sqrt(vs), 1e-8));
          return tf.add(tf.mul(tf.sub(ys, ms), k), mc) as tf.Tensor4D;
        });
        return { content: yc, styles: out };
      });
    default:
      throw new RangeError(
        `Unknown colour mode "${mode}": expected none, luminance, match, original or palette`,
      );
  }
}

/**
 * Output luminance with the content's chroma: Y from `output`, the two chroma channels from
 * `content`, in `space`, clipped to [0, 1] unless `clip` is false. Caller disposes.
 */
export function keepContentChroma(
  output: tf.Tensor4D,
  content: tf.Tensor4D,
  options: { space?: ColourSpace; clip?: boolean } = {},
): tf.Tensor4D {
  const space = options.space ?? "yiq";
  return tf.tidy(() => {
    const y = tf.slice(toLuminanceChroma(output, space), [0, 0, 0, 0], [-1, -1, -1, 1]);
    const chroma = tf.slice(toLuminanceChroma(content, space), [0, 0, 0, 1], [-1, -1, -1, 2]);
    const rgb = fromLuminanceChroma(tf.concat([y, chroma], 3) as tf.Tensor4D, space);
    return options.clip === false ? rgb : tf.clipByValue(rgb, 0, 1);
  });
}

/**
 * After the run: the picture to show. "luminance" recombines in YIQ and "original" in YUV,
 * "palette" maps the output's colours to `prepared.palette` (see the module note); the others
 * return a copy of `output`. `output` and `content` must be the same size. Caller disposes.
 */
export async function finishColour(
  output: tf.Tensor4D,
  content: tf.Tensor4D,
  spec?: ColourControlSpec,
  prepared?: Pick<PreparedColour, "palette">,
): Promise<tf.Tensor4D> {
  const mode = spec?.mode ?? "none";
  if (mode === "none" || mode === "match") return tf.clone(output);
  if (mode === "palette") {
    if (!prepared?.palette) {
      throw new RangeError("finishColour() palette needs the palette prepareColour() returned");
    }
    return await toPalette(output, prepared.palette, spec?.match);
  }
  if (output.shape.some((d, i) => d !== content.shape[i])) {
    throw new RangeError(
      `finishColour() got output [${output.shape}] and content [${content.shape}]: expected one size`,
    );
  }
  return keepContentChroma(output, content, { space: mode === "luminance" ? "yiq" : "yuv" });
}
