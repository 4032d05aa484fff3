/**
 * Feature visualisation by activation maximisation (Olah et al. 2017; the article's footnote 8):
 * "what does this network see?". Maximises a channel, a single neuron or a class logit of any
 * network, with the same parameterisations and transformation robustness as style transfer,
 * using Adam as lucid does (random transforms make the objective stochastic).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Net } from "./nets/net.ts";
import { createView } from "./features.ts";
import type { PreviewImage } from "./image.ts";
import { initialFlat } from "./init.ts";
import { optimizeImage } from "./render.ts";
import { MAX_VIS_SIZE, MIN_SIZE, type ParamSpec, type TransformsSpec } from "./types.ts";

/** What to maximise: a whole channel, one neuron of it, or (layer "logits") a class. */
export interface VisTarget {
  layer: string;
  /** Channel index (for "logits": the class index). */
  channel: number;
  /** Neuron position as a fraction of the feature map (0..1); default: the whole channel. */
  neuron?: { x: number; y: number };
}

/** Options of visualize(). */
export interface VisualizeOptions {
  /** Output side in px (square). Default 128. */
  size?: number;
  iterations?: number;
  param?: ParamSpec;
  transforms?: TransformsSpec;
  seed?: number;
  learningRate?: number;
  signal?: AbortSignal;
  previewEvery?: number;
}

/** Progress of a visualisation. */
export interface VisEvent {
  iteration: number;
  iterations: number;
  /** The maximised activation (mean over the channel, the neuron, or the logit). */
  activation: number;
  preview?: PreviewImage;
}

/** The final image (caller disposes) and its activation without transforms. */
export interface VisResult {
  image: tf.Tensor4D;
  activation: number;
  iterations: number;
  aborted: boolean;
}

/** The target's activation in `features` (a scalar tensor). */
function activationOf(f: tf.Tensor4D, target: VisTarget): tf.Scalar {
  const [, h, w, c] = f.shape;
  if (!Number.isInteger(target.channel) || target.channel < 0 || target.channel >= c) {
    throw new RangeError(
      `Channel ${target.channel} is out of range: layer ${target.layer} has ${c}`,
    );
  }
  const ch = tf.slice(f, [0, 0, 0, target.channel], [1, h, w, 1]);
  if (!target.neuron) return tf.mean(ch);
  const y = Math.min(h - 1, Math.max(0, Math.floor(target.neuron.y * h)));
  const x = Math.min(w - 1, Math.max(0, Math.floor(target.neuron.x * w)));
  return tf.reshape(tf.slice(ch, [0, y, x, 0], [1, 1, 1, 1]), []);
}

/** Runs activation maximisation; yields progress, returns the final image. */
export async function* visualize(
  net: Net,
  target: VisTarget,
  opts: VisualizeOptions = {},
): AsyncGenerator<VisEvent, VisResult, void> {
  const size = opts.size ?? 128;
  const iterations = opts.iterations ?? 128;
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_VIS_SIZE) {
    throw new RangeError(
      `Size ${size} is out of range: expected ${MIN_SIZE} to ${MAX_VIS_SIZE} px`,
    );
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`Iterations ${iterations}: expected a positive integer`);
  }
  const info = net.layer(target.layer); // validates the name (and the head for "logits")
  if (!Number.isInteger(target.channel) || target.channel < 0 || target.channel >= info.channels) {
    throw new RangeError(
      `Channel ${target.channel} is out of range: layer ${target.layer} has ${info.channels}`,
    );
  }
  const paramSpec = opts.param ?? { kind: "fourier", decorrelate: true };
  const seed = opts.seed ?? 1;
  const view = createView(opts.transforms);
  let stepSeed = seed;
  const loop = optimizeImage({
    signal: opts.signal,
    previewEvery: opts.previewEvery,
    param: paramSpec,
    height: size,
    width: size,
    start: (param) => initialFlat(param, { init: "noise", param: paramSpec, seed }),
    // Adam, as lucid: random transforms make the objective stochastic.
    optimizer: { kind: "adam", learningRate: opts.learningRate ?? 0.05 },
    iterations,
    seed,
    begin: (s) => (stepSeed = s),
    objective: (image) => {
      const f = net.forward(view(image, stepSeed), [target.layer])[target.layer];
      const activation = activationOf(f, target);
      return { total: tf.neg(activation), terms: { activation } };
    },
  });
  try {
    for (;;) {
      const r = await loop.next();
      if (r.done) {
        const { image, iterations: done, aborted } = r.value;
        const act = tf.tidy(() =>
          activationOf(net.forward(image, [target.layer])[target.layer], target)
        );
        const activation = (await act.data().finally(() => act.dispose()))[0];
        return { image, activation, iterations: done, aborted };
      }
      const { iteration, loss, preview } = r.value;
      yield { iteration, iterations, activation: -loss, ...(preview ? { preview } : {}) };
    }
  } finally {
    await loop.return(undefined as never);
  }
}
