/**
 * Accumulates an atelier-net graph, its weights, the user-visible layer table and the head
 * weight names while an architecture builder walks a checked state dict.
 */
import type { GraphNode, LayerInfo } from "../manifest.ts";
import { inferShapes } from "../pack.ts";
import type { HostTensor } from "../tfjs_layers.ts";
import type { FoldedConv } from "./_weight_table.ts";

type Pad2 = [[number, number], [number, number]];

/** What a builder hands to the packer. */
export interface BuiltGraph {
  graph: GraphNode[];
  weights: Map<string, HostTensor>;
  headWeights: Set<string>;
  layers: LayerInfo[];
}

export class GraphBuilder {
  readonly graph: GraphNode[] = [];
  readonly weights = new Map<string, HostTensor>();
  readonly headWeights = new Set<string>();
  readonly #picks: { name: string; node: string; source?: string; kind: "feature" | "logits" }[] =
    [];

  conv(
    name: string,
    input: string,
    w: FoldedConv,
    strides: number,
    padding: "same" | "valid" | Pad2,
  ): string {
    this.weights.set(`${name}/kernel`, w.kernel);
    this.weights.set(`${name}/bias`, w.bias);
    this.graph.push({
      op: "conv2d",
      name,
      input,
      kernel: `${name}/kernel`,
      bias: `${name}/bias`,
      strides: [strides, strides],
      padding,
    });
    return name;
  }

  dense(name: string, input: string, w: FoldedConv): string {
    this.weights.set(`${name}/kernel`, w.kernel);
    this.weights.set(`${name}/bias`, w.bias);
    this.headWeights.add(`${name}/kernel`).add(`${name}/bias`);
    this.graph.push({ op: "dense", name, input, kernel: `${name}/kernel`, bias: `${name}/bias` });
    return name;
  }

  relu(name: string, input: string): string {
    this.graph.push({ op: "relu", name, input });
    return name;
  }

  pad(name: string, input: string, p: number): string {
    this.graph.push({ op: "pad", name, input, padding: [[p, p], [p, p]] });
    return name;
  }

  pool(name: string, input: string, size: number, strides: number): string {
    this.graph.push({
      op: "maxPool",
      name,
      input,
      size: [size, size],
      strides: [strides, strides],
      padding: "valid",
    });
    return name;
  }

  add(name: string, inputs: string[]): string {
    this.graph.push({ op: "add", name, inputs });
    return name;
  }

  globalAvgPool(name: string, input: string): string {
    this.graph.push({ op: "globalAvgPool", name, input });
    return name;
  }

  /** Exposes `node` to users as layer `name`; `source` is the source model's name for it. */
  expose(name: string, node: string, source?: string, kind: "feature" | "logits" = "feature") {
    this.#picks.push({ name, node, source, kind });
  }

  build(): BuiltGraph {
    const shapes = inferShapes(this.graph, this.weights);
    const layers: LayerInfo[] = this.#picks.map((p) => {
      const s = shapes.get(p.node)!;
      return {
        name: p.name,
        node: p.node,
        ...(p.source ? { source: p.source } : {}),
        channels: s.channels,
        stride: s.stride,
        kind: p.kind,
      };
    });
    return { graph: this.graph, weights: this.weights, headWeights: this.headWeights, layers };
  }
}
