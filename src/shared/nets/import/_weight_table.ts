/**
 * The checked view of a state dict that the architecture builders read from: it knows the
 * source layout (torch [out, in, kh, kw] or Keras [kh, kw, in, out]), refuses missing and
 * unexpected keys up front (naming them), checks every shape against what the architecture
 * expects (naming key, expected and actual shape), and folds batch norm into convolutions.
 */
import type { HostTensor } from "../tfjs_layers.ts";

/** Source layout of the weights. */
export type Layout = "torch" | "keras";

/** Keys of one batch-norm layer, and its epsilon. */
export interface BnKeys {
  gamma: string;
  beta: string;
  mean: string;
  variance: string;
  eps: number;
}

/** A convolution ready for the graph: kernel [kh, kw, in, out] and bias, batch norm folded. */
export interface FoldedConv {
  kernel: HostTensor;
  bias: HostTensor;
}

/** The state dict does not fit the architecture; the message names the keys at fault. */
export class WeightMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeightMismatchError";
  }
}

const list = (keys: string[]) =>
  keys.slice(0, 12).join(", ") + (keys.length > 12 ? `, ... (${keys.length} in all)` : "");

const fmt = (shape: (number | undefined)[]) => `[${shape.map((d) => d ?? "*").join(", ")}]`;

/** A state dict checked against an architecture's key list. */
export class WeightTable {
  readonly layout: Layout;
  readonly #tensors: Map<string, HostTensor>;
  readonly #what: string;

  /**
   * Checks that `tensors` has every `required` key and nothing beyond `required` and
   * `optional`; throws a WeightMismatchError listing the missing and the unexpected keys.
   */
  constructor(
    tensors: Map<string, HostTensor>,
    opts: { layout: Layout; required: string[]; optional?: string[]; what: string },
  ) {
    this.layout = opts.layout;
    this.#tensors = tensors;
    this.#what = opts.what;
    const allowed = new Set([...opts.required, ...(opts.optional ?? [])]);
    const missing = opts.required.filter((k) => !tensors.has(k));
    const extra = [...tensors.keys()].filter((k) => !allowed.has(k));
    const problems: string[] = [];
    if (missing.length) problems.push(`missing keys: ${list(missing)}`);
    if (extra.length) problems.push(`unexpected keys: ${list(extra)}`);
    if (problems.length) throw new WeightMismatchError(`${opts.what}: ${problems.join("; ")}`);
  }

  has(key: string): boolean {
    return this.#tensors.has(key);
  }

  /** The tensor under `key`, checked against `shape` (undefined entries match anything). */
  get(key: string, shape: (number | undefined)[]): HostTensor {
    const t = this.#tensors.get(key);
    if (!t) throw new WeightMismatchError(`${this.#what}: missing key ${key}`);
    const ok = t.shape.length === shape.length &&
      shape.every((d, i) => d === undefined || d === t.shape[i]);
    if (!ok) {
      throw new WeightMismatchError(
        `${this.#what}: ${key} has shape ${fmt(t.shape)}, expected ${fmt(shape)}`,
      );
    }
    return t;
  }

  /**
   * A convolution with `inC` input channels and a kh x kw window, optional bias, optional
   * batch norm folded in: k' = k * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps).
   */
  conv(
    kernelKey: string,
    opts: { inC: number; size: number; bias?: string; bn?: BnKeys },
  ): FoldedConv {
    const { inC, size } = opts;
    const raw = this.layout === "torch"
      ? this.get(kernelKey, [undefined, inC, size, size])
      : this.get(kernelKey, [size, size, inC, undefined]);
    const kernel = this.layout === "torch"
      ? torchToHwio(raw)
      : { shape: raw.shape, data: raw.data.slice() };
    const out = kernel.shape[3];
    const bias = new Float32Array(out);
    if (opts.bias && this.has(opts.bias)) bias.set(this.get(opts.bias, [out]).data);
    if (opts.bn) {
      const v = (k: string) => this.get(k, [out]).data;
      const [gamma, beta, mean, variance] = [
        opts.bn.gamma,
        opts.bn.beta,
        opts.bn.mean,
        opts.bn.variance,
      ].map(v);
      const s = new Float64Array(out);
      for (let o = 0; o < out; o++) s[o] = gamma[o] / Math.sqrt(variance[o] + opts.bn.eps);
      for (let i = 0; i < kernel.data.length; i++) kernel.data[i] *= s[i % out];
      for (let o = 0; o < out; o++) bias[o] = (bias[o] - mean[o]) * s[o] + beta[o];
    }
    return { kernel, bias: { shape: [out], data: bias } };
  }

  /**
   * A dense layer with `inC` inputs as [in, out] plus bias. `flatten` gives the [h, w, c] of a
   * feature map flattened before it: torch flattens NCHW, the graph NHWC, so rows are permuted.
   */
  dense(
    kernelKey: string,
    biasKey: string,
    opts: { inC: number; flatten?: [number, number, number] },
  ): FoldedConv {
    const raw = this.layout === "torch"
      ? this.get(kernelKey, [undefined, opts.inC])
      : this.get(kernelKey, [opts.inC, undefined]);
    const out = this.layout === "torch" ? raw.shape[0] : raw.shape[1];
    const inC = opts.inC;
    const data = new Float32Array(inC * out);
    if (this.layout === "keras") data.set(raw.data);
    else {
      const [h, w, c] = opts.flatten ?? [1, 1, inC];
      // Row r of ours is NHWC index (y, x, ch); torch's column is NCHW index ch*h*w + y*w + x.
      for (let y = 0, r = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < c; ch++, r++) {
            const col = ch * h * w + y * w + x;
            for (let o = 0; o < out; o++) data[r * out + o] = raw.data[o * inC + col];
          }
        }
      }
    }
    const bias = this.get(biasKey, [out]);
    return { kernel: { shape: [inC, out], data }, bias: { shape: [out], data: bias.data.slice() } };
  }
}

/** torch [out, in, kh, kw] -> [kh, kw, in, out]. */
function torchToHwio(t: HostTensor): HostTensor {
  const [o, i, h, w] = t.shape;
  const data = new Float32Array(t.data.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          data[((y * w + x) * i + b) * o + a] = t.data[((a * i + b) * h + y) * w + x];
        }
      }
    }
  }
  return { shape: [h, w, i, o], data };
}
