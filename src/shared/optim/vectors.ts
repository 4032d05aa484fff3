/**
 * The whole-image vectors of an optimiser, in one of two places (issue 14): tfjs tensors in the
 * backend's memory (`deviceVectors`, what L-BFGS always used), or Float32Arrays in JS memory
 * (`hostVectors`), outside WASM's heap, which a 4096 px run on WASM needs. The host ops compute
 * what tfjs's WASM kernels compute, bit for bit: elementwise ops in float32 (a product or sum of
 * two float32 values rounded once from float64 is the correctly rounded float32 result, since
 * 53 >= 2·24 + 2 bits), a scalar operand rounded to float32 as a tfjs scalar is, and sums
 * accumulated in float32 from the first element to the last, as WASM's Sum kernel does. So an
 * L-BFGS run over host vectors takes the iterates of one over WASM tensors (tested); on other
 * backends (the CPU backend sums in float64, GPUs in trees) they agree to float32 rounding.
 */
import * as tf from "@tensorflow/tfjs-core";
import { dot, maxAbs } from "./optimizer.ts";

/** The vector operations an optimiser needs. Every result is new; inputs are never changed. */
export interface VectorOps<V> {
  /** Σ a_i b_i. */
  dot(a: V, b: V): Promise<number>;
  /** max |a_i|, NaN when any entry is not finite. */
  maxAbs(a: V): Promise<number>;
  /** a + c·b, with c rounded to float32. */
  addScaled(a: V, b: V, c: number): V;
  /** a - b. */
  sub(a: V, b: V): V;
  /** c·a, with c rounded to float32. */
  scale(a: V, c: number): V;
  /** -a. */
  neg(a: V): V;
  /** A vector the caller owns with a's values (host vectors are never changed: a itself). */
  clone(a: V): V;
  /** Frees a vector (host vectors: nothing to do). */
  dispose(a: V): void;
  /** The values in JS memory (a host vector is returned as is: do not change it). */
  toHost(a: V): Promise<Float32Array>;
  /** A vector of these values (a host vector is the array itself: do not change it). */
  fromHost(a: Float32Array): V;
}

/** Vectors as tensors of the running backend: the ops L-BFGS has always used. */
export const deviceVectors: VectorOps<tf.Tensor1D> = {
  dot,
  maxAbs,
  addScaled: (a, b, c) => tf.tidy(() => tf.add(a, tf.mul(b, c)) as tf.Tensor1D),
  sub: (a, b) => tf.sub(a, b) as tf.Tensor1D,
  scale: (a, c) => tf.mul(a, c) as tf.Tensor1D,
  neg: (a) => tf.neg(a) as tf.Tensor1D,
  clone: (a) => tf.clone(a),
  dispose: (a) => a.dispose(),
  toHost: async (a) => await a.data() as Float32Array,
  fromHost: (a) => tf.tensor1d(a),
};

const f32 = Math.fround;

/** Vectors as Float32Arrays in JS memory, with WASM's float32 arithmetic (module comment). */
export const hostVectors: VectorOps<Float32Array> = {
  dot(a, b) {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum = f32(sum + f32(a[i] * b[i]));
    return Promise.resolve(sum);
  },
  maxAbs(a) {
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      const v = Math.abs(a[i]);
      if (!Number.isFinite(v)) return Promise.resolve(NaN);
      if (v > max) max = v;
    }
    return Promise.resolve(max);
  },
  addScaled(a, b, c) {
    const k = f32(c), out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] + f32(b[i] * k);
    return out;
  },
  sub(a, b) {
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
    return out;
  },
  scale(a, c) {
    const k = f32(c), out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] * k;
    return out;
  },
  neg(a) {
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = -a[i];
    return out;
  },
  clone: (a) => a,
  dispose() {},
  toHost: (a) => Promise.resolve(a),
  fromHost: (a) => a,
};
