/**
 * Anti-aliased downsampling for pretrained networks (Zhang 2019, "Making Convolutional
 * Networks Shift-Invariant Again", ICML): a stride-2 convolution or pooling aliases, because
 * it subsamples without a low-pass first; that is one suspected source of the checkerboard
 * pattern that strided networks paint. Zhang's BlurPool runs the op at stride 1, blurs with a
 * fixed binomial filter and then subsamples, and keeps the pretrained weights, which is what
 * {@link blurSubsample} and {@link stride2Plan} let Net.forward() do for every stride-2 node.
 *
 * The blur is `[1, 2, 1] ⊗ [1, 2, 1] / 16`, separable, with reflect padding (Zhang's default),
 * built from slices, concats and adds (reflectPadAxis()): every op here has a correct gradient
 * on every tfjs backend (a depthwise conv has none on WASM, and tf.mirrorPad's is wrong at the
 * border).
 */
import * as tf from "@tensorflow/tfjs-core";
import { reflectPadAxis } from "../transforms/pad.ts";
import { windowGeometry } from "./window.ts";

type Padding = "same" | "valid" | [[number, number], [number, number]];

/** Where a stride-2 op's samples sit in its stride-1 output, per axis. */
export interface SubsamplePlan {
  /** Index of the first kept sample in the stride-1 output, [height, width]. */
  offset: [number, number];
  /** Output size of the original strided op, [height, width]. */
  size: [number, number];
  /** Stride of the original op per axis (1 or 2). */
  strides: [number, number];
}

/**
 * How to run an op of input size `[h, w]`, kernel `[kh, kw]`, `strides` (1 or 2 per axis) and
 * `padding` at stride 1 and subsample it back: the stride-2 op's output j reads the window
 * that starts at `2j − lead₂`, which the stride-1 op's output `2j − lead₂ + lead₁` reads too.
 */
export function stride2Plan(
  input: [number, number],
  kernel: [number, number],
  strides: [number, number],
  padding: Padding,
): SubsamplePlan {
  const axis = (i: 0 | 1) => {
    const pad = typeof padding === "string" ? padding : padding[i];
    const one = windowGeometry(input[i], kernel[i], 1, pad);
    const two = windowGeometry(input[i], kernel[i], strides[i], pad);
    return { offset: one.before - two.before, size: two.out };
  };
  const h = axis(0), w = axis(1);
  return { offset: [h.offset, w.offset], size: [h.size, w.size], strides };
}

/** `[1, 2, 1] / 4` along `axis` (1: height, 2: width) with reflect padding. */
function blurAxis(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  if (n < 2) return x;
  const p = reflectPadAxis(x, axis, 1);
  const part = (start: number) => {
    const begin = [0, 0, 0, 0];
    begin[axis] = start;
    const size = [...x.shape];
    return tf.slice(p, begin, size);
  };
  return tf.div(tf.add(tf.add(part(0), tf.mul(part(1), 2)), part(2)), 4) as tf.Tensor4D;
}

/** Samples `offset, offset + 2, …` (`size` of them) along `axis`, by reshape (has a gradient). */
function subsampleAxis(x: tf.Tensor4D, axis: 1 | 2, offset: number, size: number): tf.Tensor4D {
  const begin = [0, 0, 0, 0];
  begin[axis] = offset;
  const extent = [...x.shape];
  extent[axis] = 2 * size - 1;
  const cut = tf.slice(x, begin, extent);
  const pads: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
  pads[axis] = [0, 1];
  const even = tf.pad(cut, pads);
  const [b, h, w, c] = even.shape;
  const pairs = axis === 1 ? [b, size, 2, w, c] : [b, h, size, 2, c];
  const first = tf.slice(
    tf.reshape(even, pairs),
    [0, 0, 0, 0, 0],
    axis === 1 ? [b, size, 1, w, c] : [b, h, size, 1, c],
  );
  return tf.reshape(first, axis === 1 ? [b, size, w, c] : [b, h, size, c]) as tf.Tensor4D;
}

/**
 * Blur then subsample a stride-1 output `y` along the axes of stride 2 in `plan` (Zhang's
 * BlurPool with reflect padding). Differentiable. Caller disposes.
 */
export function blurSubsample(y: tf.Tensor4D, plan: SubsamplePlan): tf.Tensor4D {
  return tf.tidy(() => {
    let out = y;
    for (const axis of [1, 2] as const) {
      const i = axis - 1;
      if (plan.strides[i] === 1) continue;
      if (plan.strides[i] !== 2) {
        throw new RangeError(`Anti-aliasing handles strides 1 and 2, got ${plan.strides[i]}`);
      }
      out = subsampleAxis(blurAxis(out, axis), axis, plan.offset[i], plan.size[i]);
    }
    return out;
  });
}
