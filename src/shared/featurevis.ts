/**
 * Feature visualisation by activation maximisation (Olah et al. 2017; the article's footnote 8):
 * "what does this network see?". Maximises a channel, a single neuron or a class logit of any
 * network, with the same parameterisations and transformation robustness as style transfer,
 * using Adam as lucid does (random transforms make the objective stochastic).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Net } from "./nets/net.ts";
import { createAdam } from "./optim/adam.ts";
import { createParameterization } from "./param/mod.ts";
import { createRng } from "./random.ts";
import { atLeastMinSize, type PreviewImage, toRgba } from "./render.ts";
import { standardTransforms } from "./transforms/mod.ts";
import type { ParamSpec, TransformsSpec } from "./types.ts";

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
  if (!Number.isInteger(size) || size < 32 || size > 1024) {
    throw new RangeError(`Size ${size} is out of range: expected 32 to 1024 px`);
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
  const param = createParameterization(
    opts.param ?? { kind: "fourier", decorrelate: true },
    size,
    size,
  );
  const transform = opts.transforms ? standardTransforms(opts.transforms) : undefined;
  const seed = opts.seed ?? 1;
  let stepSeed = seed;
  const init = createRng(seed ^ 0x5eed);
  const values = new Float32Array(param.size);
  // lucid's param.image: small Gaussian coefficients (sd 0.01), a grey-ish start.
  for (let i = 0; i < values.length; i++) values[i] = 0.01 * init.normal();
  let x = tf.tensor1d(values);
  const objective = tf.valueAndGrad((flat: tf.Tensor1D) =>
    tf.tidy(() => {
      const image = param.toImage(flat);
      const seen = transform ? atLeastMinSize(transform(image, createRng(stepSeed))) : image;
      const f = net.forward(seen, [target.layer])[target.layer];
      return tf.neg(activationOf(f, target));
    })
  );
  const optimizer = createAdam(async (flat) => {
    const { value, grad } = tf.tidy(() => objective(flat));
    const loss = (await value.data())[0];
    value.dispose();
    return { loss, grad: grad as tf.Tensor1D };
  }, { lr: opts.learningRate ?? 0.05 });
  let iteration = 0;
  let aborted = false;
  try {
    for (; iteration < iterations;) {
      await new Promise((r) => setTimeout(r, 0));
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      stepSeed = (seed * 1_000_003 + iteration) >>> 0;
      const step = await optimizer.step(x);
      x.dispose();
      x = step.x;
      iteration++;
      const event: VisEvent = { iteration, iterations, activation: -step.loss };
      const every = opts.previewEvery ?? 10;
      if (every > 0 && (iteration % every === 0 || iteration === iterations)) {
        const img = tf.tidy(() => param.toImage(x));
        event.preview = await toRgba(img);
        img.dispose();
      }
      yield event;
    }
    const image = tf.tidy(() => tf.clipByValue(param.toImage(x), 0, 1));
    const act = tf.tidy(() =>
      activationOf(net.forward(image, [target.layer])[target.layer], target)
    );
    const activation = (await act.data())[0];
    act.dispose();
    return { image, activation, iterations: iteration, aborted };
  } finally {
    optimizer.dispose();
    x.dispose();
    param.dispose();
  }
}
