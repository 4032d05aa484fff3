/**
 * Depthwise convolution from ops whose gradients every backend has. tfjs's WASM backend has no
 * DepthwiseConv2dNativeBackpropInput kernel, so backprop through MobileNet fails there; this
 * form sums the kernel's taps as shifted, strided slices of the padded input times per-channel
 * weights (pad, slice, reshape, mul, add all differentiate on WASM). Same result as
 * tf.depthwiseConv2d with TensorFlow's padding rules (checked in tests).
 */
import * as tf from "@tensorflow/tfjs-core";

type Padding = "same" | "valid" | [[number, number], [number, number]];

/** TensorFlow's output size and leading padding along one axis. */
function axis(n: number, k: number, s: number, pad: "same" | "valid" | [number, number]) {
  if (pad === "same") {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  if (pad === "valid") return { out: Math.floor((n - k) / s) + 1, before: 0, after: 0 };
  return { out: Math.floor((n + pad[0] + pad[1] - k) / s) + 1, before: pad[0], after: pad[1] };
}

/** Whether the active backend can backprop through tf.depthwiseConv2d itself. */
export function hasDepthwiseGrad(): boolean {
  try {
    return tf.getKernel("DepthwiseConv2dNativeBackpropInput", tf.getBackend()) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Depthwise convolution with channel multiplier 1: x [1, h, w, c], kernel [kh, kw, c, 1].
 * Caller disposes the result.
 */
export function depthwiseBySlices(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  strides: [number, number],
  padding: Padding,
): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  const [kh, kw, kc, mult] = kernel.shape;
  if (mult !== 1 || kc !== c) {
    throw new RangeError(
      `depthwiseBySlices: kernel [${kernel.shape}] for ${c} channels, multiplier 1`,
    );
  }
  const [sh, sw] = strides;
  const ay = axis(h, kh, sh, typeof padding === "string" ? padding : padding[0]);
  const ax = axis(w, kw, sw, typeof padding === "string" ? padding : padding[1]);
  return tf.tidy(() => {
    // Pad so that every tap's strided window of out*s rows fits.
    const needH = (kh - 1) + ay.out * sh;
    const needW = (kw - 1) + ax.out * sw;
    const padded = tf.pad(x, [
      [0, 0],
      [ay.before, Math.max(0, needH - h - ay.before)],
      [ax.before, Math.max(0, needW - w - ax.before)],
      [0, 0],
    ]);
    let sum: tf.Tensor4D | undefined;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let tap = tf.slice(padded, [0, i, j, 0], [1, ay.out * sh, ax.out * sw, c]) as tf.Tensor4D;
        if (sh > 1 || sw > 1) {
          // Keep every s-th row and column: [out, s] blocks, first of each.
          const blocks = tf.reshape(tap, [ay.out, sh, ax.out, sw, c]);
          tap = tf.reshape(
            tf.slice(blocks, [0, 0, 0, 0, 0], [ay.out, 1, ax.out, 1, c]),
            [1, ay.out, ax.out, c],
          );
        }
        const weight = tf.reshape(tf.slice(kernel, [i, j, 0, 0], [1, 1, c, 1]), [c]);
        const term: tf.Tensor4D = tf.mul(tap, weight);
        sum = sum ? tf.add(sum, term) as tf.Tensor4D : term;
      }
    }
    return sum!;
  });
}
