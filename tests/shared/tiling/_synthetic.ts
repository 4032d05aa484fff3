/**
 * A small synthetic network for tiling tests, with every kind of node that changes a receptive
 * field: an explicit pad, a strided "valid" conv, a "same" conv beside a 1x1 shortcut joined by
 * an add, a "same" max pool, and a non-square [3, 1] kernel. Its fields are derived by hand in
 * receptive_field_test.ts; random weights make it a fast stand-in for a real net.
 */
import { tf } from "../../_tf.ts";
import type { GraphNode, ModelManifest } from "../../../src/shared/nets/manifest.ts";
import { Net } from "../../../src/shared/nets/net.ts";
import { createRng } from "../../../src/shared/random.ts";

const conv = (
  name: string,
  input: string,
  strides: [number, number],
  padding: "same" | "valid",
): GraphNode => ({
  op: "conv2d",
  name,
  input,
  kernel: `${name}/k`,
  bias: `${name}/b`,
  strides,
  padding,
});

/**
 * The synthetic graph with c1 in TensorFlow's "same" padding at stride 2, as MobileNet-v1's
 * stride-2 convolutions: its 3x3 window then pads 0 in front of an even row count and 1 in front
 * of an odd one.
 */
export function withSameStem(): GraphNode[] {
  return syntheticManifest().graph.map((n): GraphNode =>
    n.op === "conv2d" && n.name === "c1" ? { ...n, padding: "same" } : n
  );
}

/** The synthetic manifest; `graph` can be replaced to test refusals. */
export function syntheticManifest(graph?: GraphNode[]): ModelManifest {
  return {
    format: "atelier-net/1",
    id: "synthetic",
    name: "Synthetic",
    architecture: "synthetic",
    variant: "",
    description: "",
    licence: "none",
    source: { url: "" },
    preprocess: { kind: "none", order: "rgb", scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
    dtype: "float32",
    totalBytes: 0,
    headBytes: 0,
    layers: [
      { name: "block", node: "r1", channels: 6, stride: 2, kind: "feature" },
      { name: "pool", node: "p1", channels: 6, stride: 4, kind: "feature" },
      { name: "deep", node: "a4", channels: 5, stride: 4, kind: "feature" },
    ],
    graph: graph ?? [
      { op: "pad", name: "pad1", input: "input", padding: [[1, 1], [1, 1]] },
      conv("c1", "pad1", [2, 2], "valid"),
      { op: "relu", name: "a1", input: "c1" },
      conv("c2", "a1", [1, 1], "same"),
      conv("c3", "a1", [1, 1], "valid"),
      { op: "add", name: "add1", inputs: ["c2", "c3"] },
      { op: "relu", name: "r1", input: "add1" },
      { op: "maxPool", name: "p1", input: "r1", size: [2, 2], strides: [2, 2], padding: "same" },
      conv("c4", "p1", [1, 1], "same"),
      { op: "leakyRelu", name: "a4", input: "c4", alpha: 0.2 },
    ],
    weights: [
      { name: "c1/k", shape: [3, 3, 3, 4], group: "body" },
      { name: "c1/b", shape: [4], group: "body" },
      { name: "c2/k", shape: [3, 3, 4, 6], group: "body" },
      { name: "c2/b", shape: [6], group: "body" },
      { name: "c3/k", shape: [1, 1, 4, 6], group: "body" },
      { name: "c3/b", shape: [6], group: "body" },
      { name: "c4/k", shape: [3, 1, 6, 5], group: "body" },
      { name: "c4/b", shape: [5], group: "body" },
    ],
    shards: [{ path: "none.bin", bytes: 1, sha256: "0".repeat(64), group: "body" }],
  };
}

/** The synthetic net with seeded random weights, its graph replaced if given (caller disposes). */
export function syntheticNet(seed = 1, graph?: GraphNode[]): Net {
  const manifest = syntheticManifest(graph);
  const rng = createRng(seed);
  const weights = new Map<string, tf.Tensor>();
  for (const w of manifest.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const fanIn = w.shape.length === 4 ? w.shape[0] * w.shape[1] * w.shape[2] : 10;
    const v = Float32Array.from({ length: n }, () => rng.normal() / Math.sqrt(fanIn));
    weights.set(w.name, tf.tensor(v, w.shape));
  }
  return new Net(manifest, weights);
}
