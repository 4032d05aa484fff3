/**
 * Convolutions whose input gradient is computed by a forward convolution. tfjs's WASM backend
 * runs Conv2D through XNNPACK but Conv2DBackpropInput through a plain loop that is several times
 * slower, and has no DepthwiseConv2dNativeBackpropInput at all; style transfer spends half its
 * time in that backward pass. The input gradient of a convolution is itself a convolution (the
 * transposed convolution): upsample dy with s-1 zeros between samples, pad it, and correlate it
 * with the kernel flipped in space and, for a full conv2d, with its in/out channels swapped.
 * Same values as tf.conv2d's own gradient (checked in tests).
 */
import * as tf from "@tensorflow/tfjs-core";

type Padding = "same" | "valid" | [[number, number], [number, number]];

/** A manifest padding as tf.conv2d takes it: "same", "valid" or explicit NHWC pairs. */
export function toTfPadding(padding: Padding): "same" | "valid" | tf.backend_util.ExplicitPadding {
  return typeof padding === "string" ? padding : [[0, 0], padding[0], padding[1], [0, 0]];
}

/** A full convolution (kernel [kh, kw, cin, cout]) or a depthwise one ([kh, kw, c, 1]). */
export type ConvKind = "conv2d" | "depthwise";

/** TensorFlow's leading padding along one axis of input size n, kernel k, stride s. */
function leadingPad(n: number, k: number, s: number, pad: "same" | "valid" | [number, number]) {
  if (pad === "valid") return 0;
  if (pad !== "same") return pad[0];
  const out = Math.ceil(n / s);
  return Math.floor(Math.max((out - 1) * s + k - n, 0) / 2);
}

/** Inserts s-1 zeros after every sample along the height (axis 1) or width (axis 2). */
function zeroUpsample(t: tf.Tensor4D, s: number, axis: 1 | 2): tf.Tensor4D {
  if (s === 1) return t;
  const [n, h, w, c] = t.shape;
  // [n, h, w, c] -> [n, h, 1, w*c] (height) or [n, h, w, 1*c] (width), then zeros beside it.
  const grouped = axis === 1 ? tf.reshape(t, [n, h, 1, w * c]) : t;
  const zeros = tf.zeros(
    axis === 1 ? [n, h, s - 1, w * c] : [n, h, w, (s - 1) * c],
    t.dtype,
  );
  const joined = tf.concat([grouped, zeros], axis === 1 ? 2 : 3);
  return tf.reshape(joined, axis === 1 ? [n, h * s, w, c] : [n, h, w * s, c]);
}

/**
 * The kernel of the transposed convolution: flipped in space and, for conv2d, with in/out
 * channels swapped ([kh, kw, cout, cin]). Caller disposes.
 */
export function flipKernel(kernel: tf.Tensor4D, kind: ConvKind = "conv2d"): tf.Tensor4D {
  return tf.tidy(() => {
    const flipped = tf.reverse(kernel, [0, 1]);
    return kind === "conv2d" ? tf.transpose(flipped, [0, 1, 3, 2]) : flipped;
  });
}

/** Options of conv2dInputGrad(). */
export interface InputGradOptions {
  /** conv2d (default) or depthwise with channel multiplier 1. */
  kind?: ConvKind;
  /** flipKernel(kernel, kind), when the caller keeps it across calls. */
  flipped?: tf.Tensor4D;
}

/**
 * The gradient of tf.conv2d(x, kernel, strides, padding) (or tf.depthwiseConv2d) with respect
 * to x, for an upstream gradient dy [n, oh, ow, cout]. Caller disposes.
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  kernel: tf.Tensor4D,
  xShape: [number, number, number, number],
  strides: [number, number],
  padding: Padding,
  options: InputGradOptions = {},
): tf.Tensor4D {
  const kind = options.kind ?? "conv2d";
  const [, h, w] = xShape;
  const [kh, kw] = kernel.shape;
  const [sh, sw] = strides;
  const top = leadingPad(h, kh, sh, typeof padding === "string" ? padding : padding[0]);
  const left = leadingPad(w, kw, sw, typeof padding === "string" ? padding : padding[1]);
  return tf.tidy(() => {
    // dx[i] = sum_t u[i + before - t] W[t]ᵀ, u = dy upsampled by s: a valid correlation of u,
    // shifted by k-1-before and cut to n rows, with the flipped kernel.
    const u = zeroUpsample(zeroUpsample(dy, sh, 1), sw, 2);
    const [, uh, uw] = u.shape;
    const front = [kh - 1 - top, kw - 1 - left];
    const need = [h + kh - 1, w + kw - 1];
    const padded = tf.pad(u, [
      [0, 0],
      [Math.max(0, front[0]), Math.max(0, need[0] - front[0] - uh)],
      [Math.max(0, front[1]), Math.max(0, need[1] - front[1] - uw)],
      [0, 0],
    ]);
    // A negative front pad (more leading padding than the kernel reaches) is a crop.
    const cut = tf.slice(padded, [0, Math.max(0, -front[0]), Math.max(0, -front[1]), 0], [
      -1,
      need[0],
      need[1],
      -1,
    ]);
    const flipped = options.flipped ?? flipKernel(kernel, kind);
    return kind === "conv2d"
      ? tf.conv2d(cut as tf.Tensor4D, flipped, 1, "valid")
      : tf.depthwiseConv2d(cut as tf.Tensor4D, flipped, 1, "valid");
  });
}

/**
 * Whether the active backend should take conv2dForwardGrad() for this kind of convolution:
 * conv2d on WASM, where it measured 6x faster forward+backward on a 3x3 256-channel conv at
 * 64 px (645 ms vs 3811 ms); depthwise wherever the backend lacks the backprop kernel.
 */
export function preferForwardConvGrad(kind: ConvKind): boolean {
  if (kind === "conv2d") return tf.getBackend() === "wasm";
  try {
    return tf.getKernel("DepthwiseConv2dNativeBackpropInput", tf.getBackend()) === undefined;
  } catch {
    return true;
  }
}

/** Options of conv2dForwardGrad(). */
export interface ConvGradOptions {
  /** conv2d (default) or depthwise with channel multiplier 1. */
  kind?: ConvKind;
  /**
   * Returns flipKernel(kernel, kind), kept by the caller (a network flips each kernel once, on its
   * first backward pass, instead of on every one). Without it the kernel is flipped each time.
   */
  flipped?: () => tf.Tensor4D;
}

/**
 * tf.conv2d(x, kernel, strides, padding), or tf.depthwiseConv2d, with the input gradient of
 * conv2dInputGrad(). Caller disposes.
 */
export function conv2dForwardGrad(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  strides: [number, number],
  padding: Padding,
  options: ConvGradOptions = {},
): tf.Tensor4D {
  const kind = options.kind ?? "conv2d";
  if (kind === "depthwise" && (kernel.shape[3] !== 1 || kernel.shape[2] !== x.shape[3])) {
    throw new RangeError(
      `depthwise kernel [${kernel.shape}] for ${x.shape[3]} channels: expected multiplier 1`,
    );
  }
  const tfPadding = toTfPadding(padding);
  // customGrad passes the inputs, then a save function this gradient does not need.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor4D;
    return {
      value: kind === "conv2d"
        ? tf.conv2d(xi, kernel, strides, tfPadding)
        : tf.depthwiseConv2d(xi, kernel, strides, tfPadding),
      gradFunc: (dy: tf.Tensor) =>
        conv2dInputGrad(dy as tf.Tensor4D, kernel, xi.shape, strides, padding, {
          kind,
          flipped: options.flipped?.(),
        }),
    };
  });
  return f(x) as tf.Tensor4D;
}
