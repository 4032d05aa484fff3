/**
 * TensorFlow's geometry of a windowed op (convolution, pooling) along one axis: the one
 * definition that the forward pass, its gradients, the FLOP count and the tiler's receptive
 * fields all read.
 */

/** A manifest's padding along one axis: TensorFlow's "same" or "valid", or explicit [before, after]. */
export type AxisPadding = "same" | "valid" | [number, number];

/** What a window of `k` taps at stride `s` does to `n` inputs along one axis. */
export interface WindowGeometry {
  /** Zero rows before the input (output 0 reads inputs -before .. k-1-before). */
  before: number;
  /** Zero rows after it. */
  after: number;
  /** Output size. */
  out: number;
}

/**
 * The padding and output size of a window of `k` taps at stride `s` over `n` inputs. TensorFlow's
 * "same" pads (ceil(n/s) - 1)·s + k - n in all, the smaller half in front, so at s > 1 the front
 * can depend on n mod s (a 3x3 stride-2 convolution pads 0 in front of an even count, 1 in front
 * of an odd one).
 */
export function windowGeometry(n: number, k: number, s: number, pad: AxisPadding): WindowGeometry {
  if (pad === "valid") return { before: 0, after: 0, out: Math.floor((n - k) / s) + 1 };
  if (pad === "same") {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    const before = Math.floor(total / 2);
    return { before, after: total - before, out };
  }
  return { before: pad[0], after: pad[1], out: Math.floor((n + pad[0] + pad[1] - k) / s) + 1 };
}

/**
 * The least and the most front padding of "same" over every input size (equal unless the front
 * depends on n mod s).
 */
export function sameFronts(k: number, s: number): [number, number] {
  const fronts = Array.from(
    { length: s },
    (_, r) => windowGeometry(64 * s + r, k, s, "same").before,
  );
  return [Math.min(...fronts), Math.max(...fronts)];
}

/**
 * Whether a window's padding along one axis depends on the input's size ("same" whose front
 * varies with n mod s), which a tile's crop must then take from the whole image
 * (ForwardOptions.sameAs). Convolutions can, as an explicit padding; a pooling cannot (its
 * padding is never summed, so no explicit zero padding reproduces it): a RangeError naming it.
 */
export function sizeDependentPadding(
  node: { name: string; op: string },
  k: number,
  s: number,
  pad: AxisPadding,
): boolean {
  if (pad !== "same") return false;
  const [least, most] = sameFronts(k, s);
  if (least === most) return false;
  if (node.op !== "conv2d" && node.op !== "depthwiseConv2d") {
    throw new RangeError(
      `Node "${node.name}": "same" padding with window ${k} and stride ${s} depends on the ` +
        `input size, so tiles cannot reproduce it: expected explicit or "valid" padding`,
    );
  }
  return true;
}
