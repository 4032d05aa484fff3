/**
 * Arithmetic cost of a network pass, from the manifest's layer shapes: multiply-adds count as
 * two FLOPs. Used by the benchmark to report achieved GFLOP/s.
 */
import { type GraphNode, manifestLayer, type ModelManifest } from "./manifest.ts";
import { type AxisPadding, windowGeometry } from "./window.ts";

/** Output size of a windowed op along one axis. */
const outSize = (n: number, k: number, s: number, pad: AxisPadding) =>
  windowGeometry(n, k, s, pad).out;

/**
 * Forward FLOPs to compute `layers` (default: all feature layers) for an h x w input. Only the
 * nodes those layers need are counted, as Net.forward() runs only those.
 */
export function forwardFlops(
  manifest: ModelManifest,
  height: number,
  width: number,
  layers?: readonly string[],
): number {
  const shapes = new Map<string, [number, number, number]>([["input", [height, width, 3]]]);
  const weightShape = new Map(manifest.weights.map((w) => [w.name, w.shape]));
  const needed = neededNodes(manifest, layers);
  let flops = 0;
  for (const node of manifest.graph as GraphNode[]) {
    const [h, w, c] = shapes.get(node.op === "add" ? node.inputs[0] : node.input) ?? [0, 0, 0];
    let out: [number, number, number] = [h, w, c];
    switch (node.op) {
      case "conv2d":
      case "depthwiseConv2d": {
        const k = weightShape.get(node.kernel)!;
        const pad = typeof node.padding === "string" ? node.padding : undefined;
        const ho = outSize(h, k[0], node.strides[0], pad ?? node.padding[0] as [number, number]);
        const wo = outSize(w, k[1], node.strides[1], pad ?? node.padding[1] as [number, number]);
        const co = node.op === "conv2d" ? k[3] : k[2] * k[3];
        const perOut = node.op === "conv2d" ? k[0] * k[1] * k[2] : k[0] * k[1];
        out = [ho, wo, co];
        if (needed.has(node.name)) flops += 2 * perOut * ho * wo * co;
        break;
      }
      case "maxPool":
      case "avgPool":
        out = [
          outSize(h, node.size[0], node.strides[0], node.padding),
          outSize(w, node.size[1], node.strides[1], node.padding),
          c,
        ];
        if (needed.has(node.name)) flops += node.size[0] * node.size[1] * out[0] * out[1] * c;
        break;
      case "pad":
        out = [
          h + node.padding[0][0] + node.padding[0][1],
          w + node.padding[1][0] + node.padding[1][1],
          c,
        ];
        break;
      case "globalAvgPool":
        out = [1, 1, c];
        break;
      case "dense": {
        const k = weightShape.get(node.kernel)!;
        out = [1, 1, k[1]];
        if (needed.has(node.name)) flops += 2 * k[0] * k[1];
        break;
      }
      default:
        if (needed.has(node.name)) flops += h * w * c;
    }
    shapes.set(node.name, out);
  }
  return flops;
}

/** The graph nodes a pass to `layers` (default: all feature layers) runs, by name. */
function neededNodes(manifest: ModelManifest, layers?: readonly string[]): Set<string> {
  const byName = new Map(manifest.graph.map((n) => [n.name, n]));
  const wanted = (layers ?? manifest.layers.filter((l) => l.kind === "feature").map((l) => l.name))
    .map((name) => manifestLayer(manifest, name).node);
  const needed = new Set<string>();
  const stack = [...wanted];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === "input" || needed.has(n)) continue;
    needed.add(n);
    const node = byName.get(n)!;
    stack.push(...(node.op === "add" ? node.inputs : [node.input]));
  }
  return needed;
}

/** The style statistic a pass feeds, for its per-pixel cost (statisticFlops()). */
export interface StatisticCost {
  /** The style layers. */
  layers: readonly string[];
  /** The statistic (recipe.style.loss; "gram" when absent) and its sliced projections. */
  loss?: "gram" | "meancov" | "sliced";
  projections?: number;
}

/**
 * Forward FLOPs per input pixel of the style statistic over its layers: a c-channel layer at
 * stride s has 1/s² of a position per input pixel, where the Gram matrix (and mean + covariance's
 * covariance) adds c² multiply-adds and sliced Wasserstein's projection c per direction. For a
 * deep ResNet-50 stage (2,048 channels at stride 32) that is 8,192 FLOPs per pixel, as much as a
 * 256-channel stage at stride 4; MobileNet-v1's four style layers add 41% to its convolutions'.
 */
export function statisticFlops(manifest: ModelManifest, statistic: StatisticCost): number {
  let flops = 0;
  for (const name of statistic.layers) {
    const l = manifestLayer(manifest, name);
    const perPosition = statistic.loss === "sliced"
      ? l.channels * (statistic.projections ?? 64)
      : l.channels ** 2;
    flops += (2 * perPosition) / l.stride ** 2;
  }
  return flops;
}

/**
 * What one pass to `layers` costs, for the ETA's fixed-cost prior (eta.ts fixedCostPixels()):
 * the nodes it runs (each a kernel launch or more, whatever the image size) and its forward
 * FLOPs per input pixel (forwardFlops() at 256 x 256, over its pixels), plus its style
 * statistic's (statisticFlops()) when given.
 */
export function passCost(
  manifest: ModelManifest,
  layers?: readonly string[],
  statistic?: StatisticCost,
): { nodes: number; flopsPerPixel: number } {
  return {
    nodes: neededNodes(manifest, layers).size,
    flopsPerPixel: forwardFlops(manifest, 256, 256, layers) / 256 ** 2 +
      (statistic ? statisticFlops(manifest, statistic) : 0),
  };
}
