/**
 * Receptive field and cumulative stride ("jump") of a network's layers, read from the manifest's
 * op graph (Araujo et al., "Computing Receptive Fields of Convolutional Neural Networks", Distill
 * 2019). Tiling needs both: a tile's crop must start on a multiple of the deepest jump so that its
 * feature grid is the whole image's, and must reach past its core by the field's extent so that
 * the core's features see real neighbouring pixels instead of the crop's zero padding.
 */
import { type GraphNode, manifestLayer, type ModelManifest } from "../nets/manifest.ts";
import { type AxisPadding, sameFronts, sizeDependentPadding } from "../nets/window.ts";

/** Per axis [height, width]. */
export type Pair = [number, number];

/**
 * Where a layer's feature at index 0 looks in the input, per axis: input pixels `lo..hi`
 * (inclusive; negative where it reads padding); feature `i` reads `lo + i·jump .. hi + i·jump`.
 * Where a "same" padding depends on the input's size, `lo..hi` spans every size's window.
 */
export interface ReceptiveField {
  /** Cumulative stride: input pixels between neighbouring features. */
  jump: Pair;
  lo: Pair;
  hi: Pair;
  /** Receptive field size, `hi - lo + 1`. */
  size: Pair;
}

/**
 * Leading padding of a windowed op along one axis (TensorFlow's rules), as the least and the
 * most over input sizes. TensorFlow's "same" at a stride s > 1 can depend on n mod s (MobileNet-v1's
 * 3x3 stride-2 convolutions pad 0 in front of an even row count, 1 in front of an odd one). A
 * crop has another size than the image, so tiled passes give such convolutions the whole image's
 * padding (ForwardOptions.sameAs); the field then spans both cases. Pools cannot take an
 * explicit padding that behaves like theirs, so a size-dependent pool is refused.
 */
function leading(
  node: GraphNode,
  k: number,
  s: number,
  pad: AxisPadding,
): [number, number] {
  if (pad === "valid") return [0, 0];
  if (pad !== "same") return [pad[0], pad[0]];
  sizeDependentPadding(node, k, s, pad); // refuses a pooling's
  return sameFronts(k, s);
}

/** Receptive field of every node output needed for `layers` (default: all feature layers). */
export function receptiveFields(
  manifest: ModelManifest,
  layers?: readonly string[],
): Record<string, ReceptiveField> {
  const wanted = layers ?? manifest.layers.filter((l) => l.kind === "feature").map((l) => l.name);
  const weightShape = new Map(manifest.weights.map((w) => [w.name, w.shape]));
  const byNode = new Map<string, ReceptiveField>([
    ["input", { jump: [1, 1], lo: [0, 0], hi: [0, 0], size: [1, 1] }],
  ]);
  const windowed = (node: GraphNode, x: ReceptiveField, k: Pair, s: Pair, pad: GraphNode) => {
    const padOf = (axis: 0 | 1) => {
      const p = (pad as { padding: "same" | "valid" | [Pair, Pair] }).padding;
      return typeof p === "string" ? p : p[axis];
    };
    const out: ReceptiveField = { jump: [0, 0], lo: [0, 0], hi: [0, 0], size: [0, 0] };
    for (const a of [0, 1] as const) {
      const [least, most] = leading(node, k[a], s[a], padOf(a));
      // Output 0 reads inputs -p .. k-1-p (over every p a size-dependent padding takes).
      out.lo[a] = x.lo[a] - most * x.jump[a];
      out.hi[a] = x.hi[a] + (k[a] - 1 - least) * x.jump[a];
      out.jump[a] = x.jump[a] * s[a];
    }
    return out;
  };
  for (const node of manifest.graph) {
    const input = node.op === "add" ? node.inputs : [node.input];
    const xs = input.map((n) => byNode.get(n));
    if (xs.some((x) => !x)) continue; // after a global pool: no spatial field
    const x = xs[0]!;
    let out: ReceptiveField | undefined;
    switch (node.op) {
      case "conv2d":
      case "depthwiseConv2d": {
        const k = weightShape.get(node.kernel)!;
        out = windowed(node, x, [k[0], k[1]], node.strides, node);
        break;
      }
      case "maxPool":
      case "avgPool":
        out = windowed(node, x, node.size, node.strides, node);
        break;
      case "pad": {
        const [t, l] = [node.padding[0][0], node.padding[1][0]];
        out = {
          jump: [...x.jump],
          lo: [x.lo[0] - t * x.jump[0], x.lo[1] - l * x.jump[1]],
          hi: [x.hi[0] - t * x.jump[0], x.hi[1] - l * x.jump[1]],
          size: [0, 0],
        };
        break;
      }
      case "add": {
        for (const y of xs) {
          if (y!.jump[0] !== x.jump[0] || y!.jump[1] !== x.jump[1]) {
            throw new RangeError(`Node "${node.name}" adds inputs of different strides`);
          }
        }
        out = {
          jump: [...x.jump],
          lo: [Math.min(...xs.map((y) => y!.lo[0])), Math.min(...xs.map((y) => y!.lo[1]))],
          hi: [Math.max(...xs.map((y) => y!.hi[0])), Math.max(...xs.map((y) => y!.hi[1]))],
          size: [0, 0],
        };
        break;
      }
      case "relu":
      case "relu6":
      case "leakyRelu":
        out = { ...x };
        break;
        // softmax, globalAvgPool and dense mix the whole map: no local field.
    }
    if (out) {
      out.size = [out.hi[0] - out.lo[0] + 1, out.hi[1] - out.lo[1] + 1];
      byNode.set(node.name, out);
    }
  }
  const result: Record<string, ReceptiveField> = {};
  for (const name of wanted) {
    const field = byNode.get(manifestLayer(manifest, name).node);
    if (!field) {
      throw new RangeError(`Layer "${name}" of ${manifest.id} mixes the whole image: not tileable`);
    }
    result[name] = field;
  }
  return result;
}

/** What tiling needs from the fields of the layers it reads. */
export interface Halo {
  /** Pixels a crop must reach before its core (top, left) and after it (bottom, right). */
  before: Pair;
  after: Pair;
  /** Crop starts and core edges are multiples of this: the deepest layer's jump (lcm). */
  align: Pair;
}

const gcd = (a: number, b: number): number => b === 0 ? a : gcd(b, a % b);

/**
 * The halo that makes tiled features exact for `layers`: a core `[a, b)` (a, b multiples of
 * every jump) owns the features `a/j .. b/j - 1`, which read input pixels `a + lo .. b - j + hi`.
 */
export function haloFor(fields: Record<string, ReceptiveField>): Halo {
  const all = Object.values(fields);
  if (all.length === 0) throw new RangeError("haloFor() got no layers: expected at least one");
  const out: Halo = { before: [0, 0], after: [0, 0], align: [1, 1] };
  for (const f of all) {
    for (const a of [0, 1] as const) {
      out.before[a] = Math.max(out.before[a], -f.lo[a]);
      out.after[a] = Math.max(out.after[a], f.hi[a] - f.jump[a] + 1);
      out.align[a] = out.align[a] * f.jump[a] / gcd(out.align[a], f.jump[a]);
    }
  }
  return out;
}
