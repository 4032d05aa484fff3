/**
 * Max pooling with its gradient computed in JS on WASM. tfjs-wasm's MaxPoolGrad visits every
 * input position and searches again every window that contains it (ResNet-50's one stem pool:
 * 17 ms of a 256 px evaluation, single-threaded, against 0.2 ms for the pool itself); finding
 * each window's first maximum once and adding dy there is a tenth of that work. Same values as
 * tf.maxPool's gradient where a window's maximum is unique; where several entries tie, dy goes
 * to the first in row-major order, as in TensorFlow (tfjs-wasm's own kernel may pick another:
 * behind a ReLU only zeros tie, and the ReLU's gradient zeroes either; checked in tests).
 */
import * as tf from "@tensorflow/tfjs-core";

/** Whether the active backend takes maxPoolHostGrad(): WASM, by measurement (issue 13). */
export function preferHostMaxPoolGrad(): boolean {
  return tf.getBackend() === "wasm";
}

/**
 * d/dx of Σ maxPool(x) ⊙ dy, with `x` and `dy` as NHWC values: each window's first maximum
 * (padding never wins) receives the window's dy.
 */
export function maxPoolGradValues(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        best.fill(-Infinity);
        at.fill(-1);
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - top + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - left + kx;
            if (ix < 0 || ix >= w) continue;
            const base = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        const out = ((b * outHeight + oy) * outWidth + ox) * c;
        // A window of NaNs (or of padding only, which no shape here makes) routes nothing.
        for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += dy[out + ch];
      }
    }
  }
  return dx;
}

/** tf.maxPool(x, size, strides, padding) with maxPoolGradValues() as its gradient. */
export function maxPoolHostGrad(
  x: tf.Tensor4D,
  size: [number, number],
  strides: [number, number],
  padding: "same" | "valid",
): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    save([xi]);
    return {
      value: tf.maxPool(xi, size, strides, padding),
      gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => {
        const info = tf.backend_util.computePool2DInfo(
          input.shape as [number, number, number, number],
          size,
          strides,
          1,
          padding,
        );
        const values = maxPoolGradValues(
          input.dataSync() as Float32Array,
          dy.dataSync() as Float32Array,
          info,
        );
        return tf.tensor4d(values, input.shape as [number, number, number, number]);
      },
    };
  });
  return f(x) as tf.Tensor4D;
}
