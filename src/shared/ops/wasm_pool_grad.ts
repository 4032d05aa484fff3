/**
 * Faster MaxPoolGrad and AvgPoolGrad kernels for tfjs's WASM backend. Its own kernels visit every
 * input position and search again every window that contains it: 17-21 ms for ResNet-50's one
 * stem pool at 256 px and for Darknet-tiny's six pools (13% of its evaluation), single-threaded,
 * against under a millisecond for the pools themselves (`deno task bench --profile`, issue 13).
 * These visit each window once, in JS, reading and writing the backend's heap in place: a max
 * window adds its dy to its first maximum in row-major order (as tfjs's CPU kernel and
 * TensorFlow do; padding never wins; NaN compares greater than nothing), an average window adds dy / (window area) to each of its
 * pixels inside the image (tfjs's gradient divides by the whole window's area, also for "same"
 * padding). Values equal the CPU backend's (tests).
 */
import * as tf from "@tensorflow/tfjs-core";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** The parts of tfjs's WASM backend these kernels use: its heap and tensors' offsets in it. */
interface WasmHeap {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): Info;
}

/** A tensor's float32 values in the WASM heap, as a view (no copy). */
function heapView(backend: WasmHeap, t: Info): Float32Array {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error("pool gradient: tensor not in the WASM backend");
  const n = t.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(backend.wasm.HEAPF32.buffer, data.memoryOffset, n);
}

/**
 * Adds the pool gradient of `dy` into `dx` (zeroed NHWC values of the pool's input, `x` its
 * values): `max`, each window's dy to its first maximum (its first pixel, then any later one
 * that compares greater); `avg`, dy / (kh·kw) to each of its pixels inside the image.
 */
export function poolGradInto(
  kind: "max" | "avg",
  dx: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { effectiveFilterHeight: kh, effectiveFilterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  const scale = 1 / (kh * kw);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = Math.max(0, oy * sh - top);
      const y1 = Math.min(h, oy * sh - top + kh);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = Math.max(0, ox * sw - left);
        const x1 = Math.min(w, ox * sw - left + kw);
        const out = ((b * outHeight + oy) * outWidth + ox) * c;
        if (kind === "avg") {
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const base = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) dx[base + ch] += dy[out + ch] * scale;
            }
          }
          continue;
        }
        // The window's first pixel, then every later one that compares greater (a window with
        // no pixel inside the image has no output: the pool's windows all overlap it).
        let first = true;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const base = ((b * h + iy) * w + ix) * c;
            if (first) {
              for (let ch = 0; ch < c; ch++) {
                best[ch] = x[base + ch];
                at[ch] = base + ch;
              }
              first = false;
              continue;
            }
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        if (!first) { for (let ch = 0; ch < c; ch++) dx[at[ch]] += dy[out + ch]; }
      }
    }
  }
}

let installed = false;

/**
 * Replaces the WASM backend's MaxPoolGrad and AvgPoolGrad kernels with poolGradInto().
 * Idempotent; a no-op where the WASM backend is not registered. Call it once at start-up, in the
 * place that registers backends (it changes a global kernel registry).
 */
export function installWasmPoolGrads(): void {
  if (installed) return;
  const max = tf.getKernel("MaxPoolGrad", "wasm");
  const avg = tf.getKernel("AvgPoolGrad", "wasm");
  if (!max || !avg) return;
  installed = true;
  const kernel = (kind: "max" | "avg") => (args: KernelArgs) => {
    const backend = args.backend as unknown as WasmHeap;
    const { dy, input } = args.inputs as { dy: Info; input: Info };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: "valid" | "same" | number;
      dimRoundingMode?: "floor" | "round" | "ceil";
    };
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const out = backend.makeOutput(input.shape, "float32");
    // Views after makeOutput(): an allocation can grow the heap and detach older views.
    const dx = heapView(backend, out);
    dx.fill(0);
    poolGradInto(kind, dx, heapView(backend, input), heapView(backend, dy), info);
    return out;
  };
  for (const [config, kind] of [[max, "max"], [avg, "avg"]] as const) {
    tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel({ ...config, kernelFunc: kernel(kind) as tf.KernelFunc });
  }
}
