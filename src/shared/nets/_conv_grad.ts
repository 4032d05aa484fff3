/**
 * Convolutions whose input gradient is computed by a forward convolution. tfjs's WASM backend
 * runs Conv2D through XNNPACK but Conv2DBackpropInput through a plain loop that is several times
 * slower, and has no DepthwiseConv2dNativeBackpropInput at all; style transfer spends half its
 * time in that backward pass. The input gradient of a convolution is itself a convolution (the
 * transposed convolution): pad dy and correlate it with the kernel flipped in space and, for a
 * full conv2d, with its in/out channels swapped. For a stride s, the input rows split into s
 * phases per axis, each a stride-1 correlation of dy with every s-th tap, interleaved after:
 * the same sums as correlating a zero-upsampled dy, without the s² - 1 of every s² multiplies
 * that hit inserted zeros (a ResNet-50 1x1 stride-2 shortcut's input gradient: 2-20x faster;
 * the 7x7 stem's: 2.2x). Same values as tf.conv2d's own gradient (checked in tests).
 */
import * as tf from "@tensorflow/tfjs-core";
import { releaseGradientInputs } from "../ops/release_gradient.ts";
import { type AxisPadding, windowGeometry } from "./window.ts";

type Padding = "same" | "valid" | [[number, number], [number, number]];

/** A manifest padding as tf.conv2d takes it: "same", "valid" or explicit NHWC pairs. */
export function toTfPadding(padding: Padding): "same" | "valid" | tf.backend_util.ExplicitPadding {
  return typeof padding === "string" ? padding : [[0, 0], padding[0], padding[1], [0, 0]];
}

/** A full convolution (kernel [kh, kw, cin, cout]) or a depthwise one ([kh, kw, c, 1]). */
export type ConvKind = "conv2d" | "depthwise";

/** TensorFlow's leading padding along one axis of input size n, kernel k, stride s. */
function leadingPad(n: number, k: number, s: number, pad: AxisPadding) {
  return windowGeometry(n, k, s, pad).before;
}

/**
 * One phase of a strided convolution's input gradient along one axis. Input rows n = s·i + p
 * (phase p) receive dy[o]·W[t] from the taps t = r + s·m, r = (p + top) mod s, with
 * o = i + q - m, q = floor((p + top) / s): a valid correlation of dy, shifted by `front`, with
 * the m taps in reverse order, which in the flipped kernel are every s-th entry from `begin`.
 */
interface Phase {
  /** Taps of the sub-kernel (0: this phase gets no gradient, as off-stride rows of a 1x1). */
  taps: number;
  /** Index of the first tap in the flipped kernel; the taps are `begin + s·j`. */
  begin: number;
  /** dy padding before the first row (negative: rows cropped). */
  front: number;
  /** Output rows of this phase. */
  rows: number;
}

function phase(n: number, k: number, s: number, top: number, p: number): Phase {
  const r = (p + top) % s;
  const q = Math.floor((p + top) / s);
  const taps = Math.max(0, Math.ceil((k - r) / s));
  return {
    taps,
    begin: k - 1 - r - s * (taps - 1),
    front: taps - 1 - q,
    rows: Math.ceil((n - p) / s),
  };
}

/** dy padded (or cropped) for one phase along height and width: a valid conv then gives it. */
function phaseInput(dy: tf.Tensor4D, ph: Phase, pw: Phase): tf.Tensor4D {
  const [, oh, ow] = dy.shape;
  const need = [ph.rows + ph.taps - 1, pw.rows + pw.taps - 1];
  const front = [ph.front, pw.front];
  const pads: [number, number][] = [
    [0, 0],
    [Math.max(0, front[0]), Math.max(0, need[0] - front[0] - oh)],
    [Math.max(0, front[1]), Math.max(0, need[1] - front[1] - ow)],
    [0, 0],
  ];
  // Pad and crop only where they change something: each is a single-threaded copy on WASM
  // (issue 13: a stride-1 "same" conv pads dy and then kept all of it).
  const padded = pads.some(([a, b]) => a !== 0 || b !== 0) ? tf.pad(dy, pads) : dy;
  const begin = [Math.max(0, -front[0]), Math.max(0, -front[1])];
  if (
    begin[0] === 0 && begin[1] === 0 && padded.shape[1] === need[0] && padded.shape[2] === need[1]
  ) return padded;
  return tf.slice(padded, [0, begin[0], begin[1], 0], [-1, need[0], need[1], -1]);
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

/**
 * Whether a strided conv2d's input gradient takes one convolution over every phase at once
 * (blockKernel()) instead of one per phase interleaved by Pack: where the input has few channels
 * (an RGB image), Pack copies a few floats at a time in JS on WASM (ResNet-50's 7x7 stride-2
 * stem: two Packs of [1, 85, 128, 3], 11 ms of a 256 px evaluation, single-threaded), while the
 * zero taps a shared window adds cost little there (49 of 64 taps live for 7x7 stride 2). Not
 * where a phase has no taps (1x1 strided shortcuts): its zeros would be most of the work.
 */
export function takesBlockGrad(
  kernelShape: readonly number[],
  strides: readonly [number, number],
): boolean {
  const [kh, kw, cin] = kernelShape;
  const [sh, sw] = strides;
  return sh === sw && sh > 1 && cin <= 4 && kh >= sh && kw >= sw;
}

/** The phases of one axis in one shared window: each phase's taps start at `offset[p]`. */
interface Block {
  phases: Phase[];
  /** dy padding before the first row, for every phase at once (negative: rows cropped). */
  front: number;
  offsets: number[];
  /** Taps of the shared window. */
  taps: number;
}

function block(n: number, k: number, s: number, top: number): Block {
  const phases = Array.from({ length: s }, (_, p) => phase(n, k, s, top, p));
  const front = Math.max(...phases.map((p) => p.front));
  const offsets = phases.map((p) => front - p.front);
  const taps = Math.max(...phases.map((p, i) => offsets[i] + p.taps));
  return { phases, front, offsets, taps };
}

/**
 * The kernel of every phase of a stride-s input gradient in one window: [th, tw, cout, s²·cin],
 * phase (a, b)'s sub-kernel (every s-th tap of the flipped kernel) at its offset in output
 * channels (a·s + b)·cin to (a·s + b + 1)·cin, zeros elsewhere: the channel order
 * tf.depthToSpace(·, s) interleaves into rows s·i + a, columns s·j + b. `flipped`: flipKernel()
 * of a conv2d kernel [kh, kw, cout, cin]. Caller disposes.
 */
export function blockKernel(
  flipped: tf.Tensor4D,
  xShape: readonly number[],
  strides: readonly [number, number],
  padding: Padding,
): tf.Tensor4D {
  const [kh, kw, cout, cin] = flipped.shape;
  const [, h, w] = xShape;
  const s = strides[0];
  const bh = block(
    h,
    kh,
    s,
    leadingPad(h, kh, s, typeof padding === "string" ? padding : padding[0]),
  );
  const bw = block(
    w,
    kw,
    s,
    leadingPad(w, kw, s, typeof padding === "string" ? padding : padding[1]),
  );
  // Tensor ops, no read back: a backend with no synchronous read (Deno's WebGPU) builds it too.
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    for (let a = 0; a < s; a++) {
      const ph = bh.phases[a];
      for (let b = 0; b < s; b++) {
        const pw = bw.phases[b];
        if (ph.taps === 0 || pw.taps === 0) {
          parts.push(tf.zeros([bh.taps, bw.taps, cout, cin]));
          continue;
        }
        const sub = tf.stridedSlice(
          flipped,
          [ph.begin, pw.begin, 0, 0],
          [ph.begin + s * (ph.taps - 1) + 1, pw.begin + s * (pw.taps - 1) + 1, cout, cin],
          [s, s, 1, 1],
        ) as tf.Tensor4D;
        parts.push(tf.pad(sub, [
          [bh.offsets[a], bh.taps - bh.offsets[a] - ph.taps],
          [bw.offsets[b], bw.taps - bw.offsets[b] - pw.taps],
          [0, 0],
          [0, 0],
        ]));
      }
    }
    return tf.concat(parts, 3);
  });
}

/** Options of conv2dInputGrad(). */
export interface InputGradOptions {
  /** conv2d (default) or depthwise with channel multiplier 1. */
  kind?: ConvKind;
  /** flipKernel(kernel, kind), when the caller keeps it across calls. */
  flipped?: tf.Tensor4D;
  /**
   * Keeps derived kernels across calls: returns the tensor kept under `key` for this conv, or
   * keeps and returns make()'s (blockKernel(), where takesBlockGrad()). Without it they are made
   * each time.
   */
  kernelCache?: KernelCache;
}

/** A caller's store of kernels derived from one conv's kernel (see InputGradOptions). */
export type KernelCache = (key: string, make: () => tf.Tensor4D) => tf.Tensor4D;

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
    // dx[i] = sum_t dy[o] W[t] over o·s + t - top = i. A stride s splits dx into s phases per
    // axis, each a stride-1 correlation of dy with every s-th tap of the flipped kernel, so no
    // multiply touches the zeros a zero-upsampled dy would hold (s² fewer multiply-adds).
    if (kind === "conv2d" && takesBlockGrad(kernel.shape, strides)) {
      // Every phase in one convolution over dy padded once, interleaved by DepthToSpace.
      const bh = block(h, kh, sh, top);
      const bw = block(w, kw, sw, left);
      const rows = Math.ceil(h / sh);
      const cols = Math.ceil(w / sw);
      // The window depends on the leading padding, which "same" sets by the input's size.
      const make = () =>
        blockKernel(options.flipped ?? flipKernel(kernel, kind), xShape, strides, padding);
      const k = options.kernelCache?.(`block ${top} ${left}`, make) ?? make();
      const window: Phase = { taps: bh.taps, begin: 0, front: bh.front, rows };
      const windowW: Phase = { taps: bw.taps, begin: 0, front: bw.front, rows: cols };
      const y = tf.conv2d(phaseInput(dy, window, windowW), k, 1, "valid");
      const dx = tf.depthToSpace(y, sh) as tf.Tensor4D;
      return rows * sh === h && cols * sw === w ? dx : tf.slice(dx, [0, 0, 0, 0], [-1, h, w, -1]);
    }
    const flipped = options.flipped ?? flipKernel(kernel, kind);
    const conv = (x: tf.Tensor4D, k: tf.Tensor4D) =>
      kind === "conv2d" ? tf.conv2d(x, k, 1, "valid") : tf.depthwiseConv2d(x, k, 1, "valid");
    const part = (ph: Phase, pw: Phase): tf.Tensor4D => {
      const rows = Math.ceil(h / sh);
      const cols = Math.ceil(w / sw);
      if (ph.taps === 0 || pw.taps === 0 || ph.rows <= 0 || pw.rows <= 0) {
        // tf.fill runs in the backend; tf.zeros would upload a JS array of zeros (issue 13).
        return tf.fill([dy.shape[0], rows, cols, kernel.shape[2]], 0);
      }
      // The whole kernel when every tap belongs to this phase (always for stride 1, and for the
      // one live phase of a 1x1 strided conv): WASM's StridedSlice is a slow copy.
      const whole = ph.taps === kh && pw.taps === kw;
      const sub = whole ? flipped : tf.stridedSlice(
        flipped,
        [ph.begin, pw.begin, 0, 0],
        [
          ph.begin + sh * (ph.taps - 1) + 1,
          pw.begin + sw * (pw.taps - 1) + 1,
          flipped.shape[2],
          flipped.shape[3],
        ],
        [sh, sw, 1, 1],
      ) as tf.Tensor4D;
      const y = conv(phaseInput(dy, ph, pw), sub);
      // Every phase is padded to ceil(n / s) rows so that the phases interleave by reshapes.
      return sh === 1 && sw === 1 ? y : tf.pad(y, [
        [0, 0],
        [0, rows - ph.rows],
        [0, cols - pw.rows],
        [0, 0],
      ]);
    };
    if (sh === 1 && sw === 1) return part(phase(h, kh, 1, top, 0), phase(w, kw, 1, left, 0));
    // dx[s·i + a, s·j + b] = part(a, b)[i, j]: stack the width phases beside each pixel, then
    // the height phases beside each row, and cut the ceil(n / s)·s rows back to n.
    const rows = Array.from({ length: sh }, (_, a) => {
      const ph = phase(h, kh, sh, top, a);
      const cols = Array.from({ length: sw }, (_, b) => part(ph, phase(w, kw, sw, left, b)));
      const [n, r, c, ch] = cols[0].shape;
      return tf.reshape(tf.stack(cols, 3), [n, r, c * sw, ch]);
    });
    const [n, r, c, ch] = rows[0].shape;
    const dx = tf.reshape(tf.stack(rows, 2), [n, r * sh, c, ch]) as tf.Tensor4D;
    // (A slice of the whole tensor is still a copy on WASM.)
    return r * sh === h && c === w ? dx : tf.slice(dx, [0, 0, 0, 0], [-1, h, w, -1]);
  });
}

/**
 * Which input gradient a conv2d takes: "auto" (the measured choice per backend below),
 * "forward" (conv2dForwardGrad) or "tfjs" (tfjs's Conv2DBackpropInput kernel). Only the
 * benchmarks force one, to measure both (src/shared/bench.ts).
 */
export type ConvGradMode = "auto" | "forward" | "tfjs";
let convGradMode: ConvGradMode = "auto";

/** Sets the conv2d gradient mode for every network; returns the previous one. */
export function setConvGradMode(mode: ConvGradMode): ConvGradMode {
  const previous = convGradMode;
  convGradMode = mode;
  return previous;
}

/**
 * conv2d backends that take conv2dForwardGrad() under "auto", by measurement (the studio's
 * Benchmark view with "both ways", README "Conv gradient per backend"): WASM (6x on a 3x3
 * 256-channel conv at 64 px in the CLI; ResNet-50 evaluations 2.2x faster in Chromium), WebGL
 * (ResNet-50 1.6-2.2x faster, the small nets even, on SwiftShader) and WebGPU: on a real GPU (an
 * NVIDIA H200 under Deno's WebGPU, 2026-12-04, bench/webgpu_h200.md) the two take about the
 * same time (tfjs / forward 0.86-1.13 over three networks at 256 to 1024 px, geometric mean
 * 0.97; 0.89 for MobileNet-v1 and 1.38 for ResNet-50 at 2048 px), and the forward one's
 * evaluations peak at 0.46-0.80x the tfjs kernels' memory (ResNet-50 at 2048 px: 6.3 against
 * 13.8 GiB), which decides where a run must tile; the planner's per-pixel costs are measured
 * with it (WASM). On SwiftShader neither was consistently faster.
 */
const FORWARD_CONV_GRAD_BACKENDS = new Set(["wasm", "webgl", "webgpu"]);

/**
 * Whether the active backend should take conv2dForwardGrad() for this kind of convolution:
 * conv2d per the mode (setConvGradMode); depthwise wherever the backend lacks the backprop
 * kernel.
 */
export function preferForwardConvGrad(kind: ConvKind): boolean {
  if (kind === "conv2d") {
    if (convGradMode !== "auto") return convGradMode === "forward";
    return FORWARD_CONV_GRAD_BACKENDS.has(tf.getBackend());
  }
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
  /** InputGradOptions.kernelCache, for the kernels the input gradient derives. */
  kernelCache?: KernelCache;
  /**
   * Added to the output inside the op ([cout], no gradient taken for it). Under tf.grad every
   * tensor of the forward pass lives until the forward pass ends (then those saved for the
   * gradient, and every gradient, until the backward pass ends), so a separate tf.add would hold
   * the bias-free output too: one activation-sized tensor per convolution at the forward pass's
   * peak (issue 13: part of the 1.2 GB one ResNet-50 pass at 512 px held).
   */
  bias?: tf.Tensor;
  /**
   * ReLU on the output inside the op, for the same reason: the pre-ReLU tensor is not held in the
   * forward pass, the gradient saves the output (which the next op holds anyway) instead of the
   * ReLU's input, and the masked dy is freed here instead of held to the end of the backward
   * pass. The mask is y > 0, exactly where the pre-ReLU value is > 0, as in tfjs's own Relu
   * gradient (step(x)).
   */
  relu?: boolean;
}

/**
 * tf.conv2d(x, kernel, strides, padding), or tf.depthwiseConv2d, with the input gradient of
 * conv2dInputGrad(), then `bias` and `relu` if given. Caller disposes.
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
  const { bias, relu } = options;
  // customGrad passes the inputs, then a save function; the forward's intermediates (the
  // output before bias and ReLU) are freed when it returns, only `value` is kept.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    // One fused kernel for conv, bias and ReLU: on WASM XNNPACK applies both on the (threaded)
    // output tiles, where a separate Add and Relu are single-threaded passes over the output.
    // The kernel is run directly: tf.fused.conv2d() falls back to three ops under a gradient
    // tape for any activation but "linear", and this op's gradient is its own (customGrad).
    // tfjs's fused depthwise conv takes no explicit padding: that case stays unfused.
    const activation = relu ? "relu" : "linear";
    let y: tf.Tensor4D;
    if (kind === "conv2d" || typeof tfPadding === "string") {
      const inputs: tf.NamedTensorMap = bias
        ? { x: xi, filter: kernel, bias }
        : { x: xi, filter: kernel };
      y = tf.engine().runKernel(
        kind === "conv2d" ? "FusedConv2D" : "FusedDepthwiseConv2D",
        inputs,
        {
          strides,
          pad: tfPadding,
          dataFormat: "NHWC",
          dilations: [1, 1],
          activation,
        } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor4D;
    } else {
      y = tf.depthwiseConv2d(xi, kernel, strides, tfPadding);
      if (bias) y = tf.add(y, bias);
      if (relu) y = tf.relu(y);
    }
    if (relu) save([y]);
    return {
      value: y,
      // tfjs runs a custom gradient outside any tidy of its own: the masked dy is freed here.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = tf.tidy(() =>
          conv2dInputGrad(
            (relu ? tf.mul(dy, tf.step(saved[0])) : dy) as tf.Tensor4D,
            kernel,
            xi.shape,
            strides,
            padding,
            { kind, flipped: options.flipped?.(), kernelCache: options.kernelCache },
          )
        );
        releaseGradientInputs(dy, saved, y.id);
        return dx;
      },
    };
  });
  return f(x) as tf.Tensor4D;
}
