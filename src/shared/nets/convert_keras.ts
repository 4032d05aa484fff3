/**
 * Converts a Keras functional model (as read by tfjs_layers.ts) into Atelier's op graph, folding
 * every BatchNormalization into the convolution before it:
 *   y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta
 *     = conv'(x) + b'  with  k' = k * s,  b' = (b - mean) * s + beta,  s = gamma / sqrt(var + eps).
 * Layers that carry no computation at inference (Dropout, Reshape to [1, 1, c], Flatten after
 * global pooling) map to their input, since the graph keeps every tensor 4-D.
 */
import type { GraphNode } from "./manifest.ts";
import type { HostTensor, KerasLayer, TfjsLayersModel } from "./tfjs_layers.ts";

/** Result of converting a Keras model: graph, weights by name, and Keras layer -> node. */
export interface ConvertedGraph {
  graph: GraphNode[];
  weights: Map<string, HostTensor>;
  /** Keras layer name -> graph node whose output equals that layer's output. */
  nodeOf: Map<string, string>;
}

type Pad2 = [[number, number], [number, number]];

function inboundNames(layer: KerasLayer): string[] {
  const nodes = layer.inbound_nodes as unknown[][];
  if (!nodes || nodes.length === 0) return [];
  if (nodes.length !== 1) {
    throw new TypeError(`layer ${layer.name}: shared layers are not supported`);
  }
  return (nodes[0] as unknown[][]).map((n) => String(n[0]));
}

function pair(v: unknown, what: string): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  throw new TypeError(`${what}: expected a number or a pair, got ${JSON.stringify(v)}`);
}

function zeroPadding(v: unknown, what: string): Pad2 {
  if (typeof v === "number") return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) {
    const [a, b] = v;
    if (typeof a === "number" && typeof b === "number") return [[a, a], [b, b]];
    return [pair(a, what), pair(b, what)];
  }
  throw new TypeError(`${what}: unsupported padding ${JSON.stringify(v)}`);
}

/** Converts the layers of `model` into an Atelier graph with batch norm folded. */
export function convertKeras(model: TfjsLayersModel): ConvertedGraph {
  const graph: GraphNode[] = [];
  const weights = new Map<string, HostTensor>();
  const nodeOf = new Map<string, string>();
  const consumers = new Map<string, number>();
  for (const layer of model.layers) {
    for (const src of inboundNames(layer)) consumers.set(src, (consumers.get(src) ?? 0) + 1);
  }
  const byNode = new Map<string, GraphNode>();
  const push = (node: GraphNode) => {
    graph.push(node);
    byNode.set(node.name, node);
  };
  const weight = (name: string): HostTensor => {
    const w = model.weights.get(name);
    if (!w) throw new TypeError(`weight ${name} is missing from the weight files`);
    return w;
  };
  const activation = (layerName: string, nodeName: string, act: unknown): string => {
    if (act === undefined || act === "linear") return nodeName;
    if (act === "relu" || act === "relu6" || act === "softmax") {
      const name = `${layerName}__${act}`;
      push({ op: act, name, input: nodeName });
      return name;
    }
    throw new TypeError(`layer ${layerName}: unsupported activation ${String(act)}`);
  };

  for (const layer of model.layers) {
    const c = layer.config;
    const inputs = inboundNames(layer).map((n) => {
      const node = nodeOf.get(n);
      if (!node) throw new TypeError(`layer ${layer.name}: input ${n} was not converted`);
      return node;
    });
    const input = inputs[0];
    const what = `layer ${layer.name} (${layer.class_name})`;
    switch (layer.class_name) {
      case "InputLayer":
        nodeOf.set(layer.name, "input");
        break;
      case "ZeroPadding2D": {
        push({ op: "pad", name: layer.name, input, padding: zeroPadding(c.padding, what) });
        nodeOf.set(layer.name, layer.name);
        break;
      }
      case "Conv2D":
      case "DepthwiseConv2D": {
        if (pair(c.dilation_rate ?? 1, what).some((d) => d !== 1)) {
          throw new TypeError(`${what}: dilated convolutions are not supported`);
        }
        const depthwise = layer.class_name === "DepthwiseConv2D";
        const kernelName = `${layer.name}/${depthwise ? "depthwise_kernel" : "kernel"}`;
        const k = weight(kernelName);
        weights.set(kernelName, { shape: k.shape, data: k.data.slice() });
        let bias: string | undefined;
        if (c.use_bias) {
          bias = `${layer.name}/bias`;
          const b = weight(bias);
          weights.set(bias, { shape: b.shape, data: b.data.slice() });
        }
        const padding = c.padding === "same" ? "same" : "valid";
        push({
          op: depthwise ? "depthwiseConv2d" : "conv2d",
          name: layer.name,
          input,
          kernel: kernelName,
          ...(bias ? { bias } : {}),
          strides: pair(c.strides, what),
          padding,
        });
        nodeOf.set(layer.name, activation(layer.name, layer.name, c.activation));
        break;
      }
      case "BatchNormalization": {
        const conv = byNode.get(input);
        if (
          !conv || (conv.op !== "conv2d" && conv.op !== "depthwiseConv2d") ||
          consumers.get(inboundNames(layer)[0]) !== 1 ||
          nodeOf.get(inboundNames(layer)[0]) !== input
        ) {
          throw new TypeError(
            `${what}: batch norm must directly follow a convolution to be folded`,
          );
        }
        foldBatchNorm(conv, layer, weights, weight);
        nodeOf.set(layer.name, conv.name);
        break;
      }
      case "Activation":
        nodeOf.set(layer.name, activation(layer.name, input, c.activation));
        break;
      case "ReLU": {
        const max = c.max_value;
        if (max !== undefined && max !== null && max !== 6) {
          throw new TypeError(`${what}: only ReLU and ReLU6 are supported`);
        }
        push({ op: max === 6 ? "relu6" : "relu", name: layer.name, input });
        nodeOf.set(layer.name, layer.name);
        break;
      }
      case "LeakyReLU":
        push({ op: "leakyRelu", name: layer.name, input, alpha: Number(c.alpha ?? 0.3) });
        nodeOf.set(layer.name, layer.name);
        break;
      case "MaxPooling2D":
      case "AveragePooling2D":
        push({
          op: layer.class_name === "MaxPooling2D" ? "maxPool" : "avgPool",
          name: layer.name,
          input,
          size: pair(c.pool_size, what),
          strides: pair(c.strides ?? c.pool_size, what),
          padding: c.padding === "same" ? "same" : "valid",
        });
        nodeOf.set(layer.name, layer.name);
        break;
      case "GlobalAveragePooling2D":
        push({ op: "globalAvgPool", name: layer.name, input });
        nodeOf.set(layer.name, layer.name);
        break;
      case "Dense": {
        const kernel = `${layer.name}/kernel`;
        const k = weight(kernel);
        weights.set(kernel, { shape: k.shape, data: k.data.slice() });
        let bias: string | undefined;
        if (c.use_bias !== false) {
          bias = `${layer.name}/bias`;
          const b = weight(bias);
          weights.set(bias, { shape: b.shape, data: b.data.slice() });
        }
        push({ op: "dense", name: layer.name, input, kernel, ...(bias ? { bias } : {}) });
        nodeOf.set(layer.name, activation(layer.name, layer.name, c.activation));
        break;
      }
      case "Add":
        push({ op: "add", name: layer.name, inputs });
        nodeOf.set(layer.name, layer.name);
        break;
      case "Dropout":
      case "Reshape":
      case "Flatten":
        nodeOf.set(layer.name, input);
        break;
      default:
        throw new TypeError(`${what}: unsupported layer type`);
    }
  }
  return { graph, weights, nodeOf };
}

function foldBatchNorm(
  conv: GraphNode & { op: "conv2d" | "depthwiseConv2d" },
  bn: KerasLayer,
  weights: Map<string, HostTensor>,
  weight: (name: string) => HostTensor,
): void {
  const eps = Number(bn.config.epsilon ?? 1e-3);
  const center = bn.config.center !== false;
  const scaleOn = bn.config.scale !== false;
  const mean = weight(`${bn.name}/moving_mean`).data;
  const variance = weight(`${bn.name}/moving_variance`).data;
  const gamma = scaleOn ? weight(`${bn.name}/gamma`).data : undefined;
  const beta = center ? weight(`${bn.name}/beta`).data : undefined;
  const k = weights.get(conv.kernel)!;
  const outChannels = conv.op === "conv2d" ? k.shape[3] : k.shape[2] * k.shape[3];
  if (mean.length !== outChannels) {
    throw new TypeError(
      `layer ${bn.name}: batch norm has ${mean.length} channels, convolution ${conv.name} has ${outChannels}`,
    );
  }
  const s = new Float64Array(outChannels);
  for (let i = 0; i < outChannels; i++) {
    s[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + eps);
  }
  // Both kernel layouts ([kh, kw, in, out] and [kh, kw, in, mult] with out = in * mult + m) put
  // the output channel index at (flat index mod outChannels).
  for (let i = 0; i < k.data.length; i++) k.data[i] *= s[i % outChannels];
  const biasName = conv.bias ?? `${conv.name}/bias`;
  const old = weights.get(biasName)?.data;
  const b = new Float32Array(outChannels);
  for (let i = 0; i < outChannels; i++) {
    b[i] = ((old ? old[i] : 0) - mean[i]) * s[i] + (beta ? beta[i] : 0);
  }
  weights.set(biasName, { shape: [outChannels], data: b });
  conv.bias = biasName;
}
