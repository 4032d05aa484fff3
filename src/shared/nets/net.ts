/**
 * A loaded network: executes the manifest's op graph with tfjs-core ops. Input is NHWC RGB in
 * [0, 1], any size >= 32 px; each net applies its own preprocessing. Only the nodes needed for
 * the requested layers run, so style transfer never touches the classifier head.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GraphNode, LayerInfo, ModelManifest } from "./manifest.ts";
import { MIN_SIZE } from "../types.ts";
import {
  conv2dForwardGrad,
  type ConvKind,
  flipKernel,
  preferForwardConvGrad,
  toTfPadding,
} from "./_conv_grad.ts";
import { blurSubsample, stride2Plan } from "./_antialias.ts";
import { sizeDependentPadding, windowGeometry } from "./window.ts";
import { addRelu } from "./_add_relu.ts";

/** Explicit [[top, bottom], [left, right]] padding of a convolution. */
type ExplicitPads = [[number, number], [number, number]];

export { type ConvGradMode, setConvGradMode } from "./_conv_grad.ts";

/** Options of Net construction. */
export interface NetOptions {
  /** Replace every max pooling by average pooling (Gatys et al. 2016 for VGG). */
  pooling?: "max" | "avg";
  /** sha256 of the manifest.json bytes, recorded in recipes. */
  manifestSha256?: string;
  /** Anti-alias every stride-2 op (Zhang 2019, see _antialias.ts); forward() can override. */
  antialias?: boolean;
}

/** Options of Net.forward(). */
export interface ForwardOptions {
  /** Anti-alias every stride-2 op for this call (default: the Net's setting). */
  antialias?: boolean;
  /** Pooling of every max-pool node for this call (default: the Net's setting). */
  pooling?: "max" | "avg";
  /**
   * The [height, width] of the whole image when `image` is a tile's crop of it that starts on a
   * multiple of the network's deepest jump: every convolution whose "same" padding depends on
   * its input's size (MobileNet-v1's stride-2 ones) is padded as in the whole image, so the
   * crop's feature grids are the image's (tiling/receptive_field.ts).
   */
  sameAs?: [number, number];
}

/** Feature maps by layer name; the caller disposes them. */
export type Features = Record<string, tf.Tensor4D>;

/** A feature network built from an atelier-net manifest and its weights. */
export class Net {
  readonly manifest: ModelManifest;
  readonly pooling: "max" | "avg";
  readonly manifestSha256?: string;
  readonly antialias: boolean;
  readonly #weights: Map<string, tf.Tensor>;
  /** Flipped kernels for conv2dForwardGrad(), by kernel name (WASM only). */
  readonly #flips = new Map<string, tf.Tensor4D>();
  readonly #mean: tf.Tensor1D;
  readonly #std: tf.Tensor1D;
  /** The BGR order is in the first kernels, not in preprocess() (#foldChannelOrder). */
  readonly #bgrFolded: boolean;
  readonly #layers: Map<string, LayerInfo>;
  readonly #nodes: Map<string, GraphNode>;
  #disposed = false;

  /** Takes ownership of `weights` (disposed with the net). */
  constructor(manifest: ModelManifest, weights: Map<string, tf.Tensor>, opts: NetOptions = {}) {
    this.manifest = manifest;
    this.pooling = opts.pooling ?? "max";
    this.manifestSha256 = opts.manifestSha256;
    this.antialias = opts.antialias ?? false;
    this.#weights = weights;
    this.#layers = new Map(manifest.layers.map((l) => [l.name, l]));
    this.#nodes = new Map(manifest.graph.map((n) => [n.name, n]));
    const p = manifest.preprocess;
    this.#bgrFolded = p.order === "bgr" && this.#foldChannelOrder();
    // With the order folded into the first convolutions, the input stays RGB: mean and std too.
    const order = <T>(v: T[]) => this.#bgrFolded ? [...v].reverse() : v;
    this.#mean = tf.tensor1d(order(p.mean));
    this.#std = tf.tensor1d(order(p.std));
  }

  /**
   * For a BGR network, reverses the input channels of the kernels of the convolutions that read
   * the input (directly or through zero padding, which commutes with a channel permutation)
   * instead of reversing every image: Σ_c K[c]·x[2−c] = Σ_c K[2−c]·x[c]. The Reverse kernel
   * and its gradient were a single-threaded ~10 ms of a ResNet-50 evaluation at 256 px on
   * WASM (issue 13). False, changing nothing, when some reader is not a plain convolution or its
   * kernel is not loaded.
   */
  #foldChannelOrder(): boolean {
    const convs: string[] = [];
    const stack = ["input"];
    while (stack.length) {
      const from = stack.pop()!;
      for (const node of this.manifest.graph) {
        const inputs = node.op === "add" ? node.inputs : [node.input];
        if (!inputs.includes(from)) continue;
        // A requested layer there would come out in the other channel order.
        if (this.manifest.layers.some((l) => l.node === node.name)) return false;
        if (node.op === "pad") stack.push(node.name);
        else if (node.op === "conv2d" && this.#weights.has(node.kernel)) convs.push(node.kernel);
        else return false;
      }
    }
    if (!convs.length) return false;
    for (const name of new Set(convs)) {
      const kernel = this.#weights.get(name)!;
      this.#weights.set(name, tf.reverse(kernel, 2));
      kernel.dispose();
    }
    return true;
  }

  get id(): string {
    return this.manifest.id;
  }

  /** Layers users can pick, in depth order. */
  get layers(): LayerInfo[] {
    return this.manifest.layers;
  }

  /** Whether the classifier head is loaded (needed for "logits"). */
  get hasHead(): boolean {
    return this.manifest.weights.every((w) => w.group !== "head" || this.#weights.has(w.name));
  }

  /** Looks up a layer by name; throws a RangeError listing the valid names. */
  layer(name: string): LayerInfo {
    const info = this.#layers.get(name);
    if (!info) {
      throw new RangeError(
        `Unknown layer "${name}" for network ${this.id}: expected one of ${
          [...this.#layers.keys()].join(", ")
        }`,
      );
    }
    if (info.kind === "logits" && !this.hasHead) {
      throw new RangeError(
        `Layer "${name}" of network ${this.id} needs the classifier head: load it with groups ["body", "head"]`,
      );
    }
    return info;
  }

  /**
   * Converts an RGB [0, 1] image to the network's input space (left in RGB order when the
   * network's BGR order is folded into its first kernels).
   */
  preprocess(image: tf.Tensor4D): tf.Tensor4D {
    const p = this.manifest.preprocess;
    return tf.tidy(() => {
      let x: tf.Tensor4D = p.scale === 1 ? image : tf.mul(image, p.scale);
      if (p.order === "bgr" && !this.#bgrFolded) x = tf.reverse(x, -1);
      return tf.div(tf.sub(x, this.#mean), this.#std);
    });
  }

  /**
   * Runs the network and returns the named layers' outputs (caller disposes). Differentiable
   * with respect to `image`; safe to call inside tf.grad.
   */
  forward(
    image: tf.Tensor4D,
    layerNames: readonly string[],
    opts: ForwardOptions = {},
  ): Features {
    if (this.#disposed) throw new Error(`Network ${this.id} has been disposed`);
    const [n, h, w, c] = image.shape;
    if (image.rank !== 4 || n !== 1 || c !== 3) {
      throw new RangeError(`Expected an image of shape [1, h, w, 3], got [${image.shape}]`);
    }
    if (h < MIN_SIZE || w < MIN_SIZE) {
      throw new RangeError(`Image is ${w}x${h}: networks need at least ${MIN_SIZE} px per side`);
    }
    const targets = layerNames.map((l) => this.layer(l));
    const needed = this.#needed(targets.map((t) => t.node));
    const antialias = opts.antialias ?? this.antialias;
    const pooling = opts.pooling ?? this.pooling;
    const readers = this.#readers(needed, targets.map((t) => t.node));
    const fused = this.#fusedRelus(needed, readers, antialias);
    const fusedConvs = new Set(fused.values());
    const pads = this.#foldedPads(needed, readers, antialias);
    if (opts.sameAs) {
      for (const [name, p] of this.#samePads(needed, opts.sameAs)) pads.convs.set(name, p);
    }
    return tf.tidy(() => {
      const values = new Map<string, tf.Tensor4D>();
      values.set("input", this.preprocess(image));
      for (const node of this.manifest.graph) {
        if (!needed.has(node.name)) continue;
        const conv = fused.get(node.name);
        if (conv) {
          values.set(node.name, values.get(conv)!);
          continue;
        }
        if (node.op === "pad" && pads.pads.has(node.name)) {
          values.set(node.name, values.get(node.input)!);
          continue;
        }
        const y = antialias ? this.#antialiased(node, values, pooling) : undefined;
        const padding = pads.convs.get(node.name);
        values.set(
          node.name,
          y ?? this.#run(node, values, pooling, fusedConvs.has(node.name), padding),
        );
      }
      const out: Features = {};
      for (const t of targets) out[t.name] = values.get(t.node)!;
      return out;
    });
  }

  /** Frees all weight tensors. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#weights.values()) t.dispose();
    this.#weights.clear();
    for (const t of this.#flips.values()) t.dispose();
    this.#flips.clear();
    this.#mean.dispose();
    this.#std.dispose();
  }

  /**
   * ReLU nodes that run inside the convolution or sum before them (conv2dForwardGrad's `relu`,
   * addRelu()), by ReLU name, with that node's name: those whose input nothing else reads (not
   * another node, not a requested layer). Under tf.grad each fusion frees an activation-sized
   * tensor of the forward pass and the masked gradient of the backward pass, which tfjs holds to
   * the end of each (issue 13: ResNet-50's 33 conv-ReLU and 16 sum-ReLU pairs). Not for strided
   * convolutions of an anti-aliased pass, whose ReLU follows the blur.
   */
  #fusedRelus(
    needed: Set<string>,
    readers: Map<string, string[]>,
    antialias: boolean,
  ): Map<string, string> {
    const fused = new Map<string, string>();
    for (const name of needed) {
      const node = this.#nodes.get(name)!;
      if (node.op !== "relu" || readers.get(node.input)?.length !== 1) continue;
      const before = this.#nodes.get(node.input);
      if (before?.op === "add") fused.set(name, before.name);
      if (before?.op !== "conv2d" && before?.op !== "depthwiseConv2d") continue;
      if (antialias && before.strides.some((s) => s !== 1)) continue;
      fused.set(name, before.name);
    }
    return fused;
  }

  /**
   * Zero paddings that run inside the convolution after them, as its explicit padding (`pads`:
   * their names; `convs`: those convolutions' paddings): pads whose only reader is a "valid"
   * conv2d, not a requested layer. The pad and its gradient (a crop) are single-threaded copies on WASM, and
   * the conv's input gradient then comes out at the unpadded size (ResNet-50's 7x7 stem: about
   * 5 ms of a 256 px evaluation; issue 13). Not for strided convolutions of an anti-aliased
   * pass.
   */
  #foldedPads(
    needed: Set<string>,
    readers: Map<string, string[]>,
    antialias: boolean,
  ): { pads: Set<string>; convs: Map<string, ExplicitPads> } {
    const folded = { pads: new Set<string>(), convs: new Map<string, ExplicitPads>() };
    for (const name of needed) {
      const pad = this.#nodes.get(name)!;
      const by = readers.get(name) ?? [];
      if (pad.op !== "pad" || by.length !== 1) continue;
      const conv = this.#nodes.get(by[0]);
      if (conv?.op !== "conv2d" || conv.padding !== "valid") continue;
      if (antialias && conv.strides.some((s) => s !== 1)) continue;
      folded.pads.add(pad.name);
      folded.convs.set(conv.name, pad.padding);
    }
    return folded;
  }

  /**
   * Explicit paddings, by node, of the convolutions among `needed` whose "same" padding depends
   * on the input's size, as they pad in an image of `[height, width]` (ForwardOptions.sameAs).
   * A pooling of that kind is refused (sizeDependentPadding()).
   */
  #samePads(needed: Set<string>, [height, width]: [number, number]): Map<string, ExplicitPads> {
    const sizes = new Map<string, [number, number]>([["input", [height, width]]]);
    const resolved = new Map<string, ExplicitPads>();
    for (const node of this.manifest.graph) {
      const n = sizes.get(node.op === "add" ? node.inputs[0] : node.input);
      // Not run (its inputs are needed too, so every needed node's size is known), or after a
      // global pool.
      if (!needed.has(node.name) || !n) continue;
      let out: [number, number] | undefined = n;
      if (node.op === "pad") {
        out = [0, 1].map((a) => n[a] + node.padding[a][0] + node.padding[a][1]) as [number, number];
      } else if ("strides" in node) {
        const k = "size" in node ? node.size : this.#weight<tf.Rank.R4>(node.kernel).shape;
        const axes = ([0, 1] as const).map((a) => {
          const pad = typeof node.padding === "string" ? node.padding : node.padding[a];
          const g = windowGeometry(n[a], k[a], node.strides[a], pad);
          return { g, varies: sizeDependentPadding(node, k[a], node.strides[a], pad) };
        });
        out = [axes[0].g.out, axes[1].g.out];
        if (axes.some((x) => x.varies)) {
          resolved.set(node.name, [
            [axes[0].g.before, axes[0].g.after],
            [axes[1].g.before, axes[1].g.after],
          ]);
        }
      } else if (node.op === "globalAvgPool" || node.op === "dense") {
        out = undefined;
      }
      if (out) sizes.set(node.name, out);
    }
    return resolved;
  }

  /**
   * Who reads each node's output in a pass over `needed`: the nodes among them, and "(layer)"
   * for each requested layer (`targets`, node names).
   */
  #readers(needed: Set<string>, targets: string[]): Map<string, string[]> {
    const readers = new Map<string, string[]>(targets.map((t) => [t, ["(layer)"]]));
    for (const name of needed) {
      const node = this.#nodes.get(name)!;
      for (const input of node.op === "add" ? node.inputs : [node.input]) {
        readers.set(input, [...readers.get(input) ?? [], name]);
      }
    }
    return readers;
  }

  #needed(outputs: string[]): Set<string> {
    const needed = new Set<string>();
    const stack = [...outputs];
    while (stack.length) {
      const name = stack.pop()!;
      if (name === "input" || needed.has(name)) continue;
      const node = this.#nodes.get(name);
      if (!node) throw new RangeError(`Network ${this.id}: graph has no node "${name}"`);
      needed.add(name);
      if (node.op === "add") stack.push(...node.inputs);
      else stack.push(node.input);
    }
    return needed;
  }

  /**
   * A kernel derived from a conv's (its flipKernel(), _conv_grad.ts's KernelCache), made on the
   * first backward pass that needs it and kept until dispose().
   */
  #derived(key: string, make: () => tf.Tensor4D): tf.Tensor4D {
    let t = this.#flips.get(key);
    if (!t) {
      t = tf.keep(make());
      this.#flips.set(key, t);
    }
    return t;
  }

  #flipped(name: string, kernel: tf.Tensor4D, kind: ConvKind): tf.Tensor4D {
    return this.#derived(name, () => flipKernel(kernel, kind));
  }

  /**
   * A stride-2 conv or pool run at stride 1, blurred and subsampled (_antialias.ts); undefined
   * for every other node, which then runs as usual.
   */
  #antialiased(
    node: GraphNode,
    values: Map<string, tf.Tensor4D>,
    pooling: "max" | "avg",
  ): tf.Tensor4D | undefined {
    if (
      !("strides" in node) || node.strides.every((s) => s === 1) ||
      node.strides.some((s) => s > 2)
    ) return undefined;
    const [, h, w] = values.get(node.input)!.shape;
    const kernel = "size" in node
      ? node.size
      : this.#weight<tf.Rank.R4>(node.kernel).shape.slice(0, 2) as [number, number];
    const plan = stride2Plan([h, w], kernel, node.strides, node.padding);
    return blurSubsample(this.#run({ ...node, strides: [1, 1] }, values, pooling), plan);
  }

  #weight<R extends tf.Rank>(name: string): tf.Tensor<R> {
    const t = this.#weights.get(name);
    if (!t) throw new Error(`Network ${this.id}: weight ${name} is not loaded`);
    return t as tf.Tensor<R>;
  }

  /** One node's output; `relu`: the ReLU node after a conv or sum runs here too (#fusedRelus). */
  #run(
    node: GraphNode,
    values: Map<string, tf.Tensor4D>,
    pooling: "max" | "avg",
    relu = false,
    foldedPad?: ExplicitPads,
  ): tf.Tensor4D {
    const x = node.op === "add" ? values.get(node.inputs[0])! : values.get(node.input)!;
    switch (node.op) {
      case "conv2d":
      case "depthwiseConv2d": {
        // A zero padding folded into this conv (#foldedPads) is its explicit padding.
        const pads = foldedPad ?? node.padding;
        const padding = toTfPadding(pads);
        const k = this.#weight<tf.Rank.R4>(node.kernel);
        const kind = node.op === "conv2d" ? "conv2d" : "depthwise";
        const bias = node.bias ? this.#weight(node.bias) : undefined;
        if (preferForwardConvGrad(kind) && (kind === "conv2d" || k.shape[3] === 1)) {
          return conv2dForwardGrad(x, k, node.strides, pads, {
            kind,
            flipped: () => this.#flipped(node.kernel, k, kind),
            kernelCache: (key, make) => this.#derived(`${node.kernel} ${key}`, make),
            bias,
            relu,
          });
        }
        let y = kind === "conv2d"
          ? tf.conv2d(x, k, node.strides, padding)
          : tf.depthwiseConv2d(x, k, node.strides, padding);
        if (bias) y = tf.add(y, bias);
        return relu ? tf.relu(y) : y;
      }
      case "relu":
        return tf.relu(x);
      case "relu6":
        return tf.relu6(x);
      case "leakyRelu":
        return tf.leakyRelu(x, node.alpha ?? 0.2);
      case "softmax":
        return tf.softmax(x);
      case "add": {
        const xs = node.inputs.map((n) => values.get(n)!);
        if (relu && xs.every((t) => tf.util.arraysEqual(t.shape, x.shape))) return addRelu(xs);
        const y = xs.slice(1).reduce((a, b) => tf.add(a, b), x);
        return relu ? tf.relu(y) : y;
      }
      case "pad":
        return tf.pad(x, [[0, 0], node.padding[0], node.padding[1], [0, 0]]);
      case "maxPool":
      case "avgPool":
        return node.op === "maxPool" && pooling === "max"
          ? tf.maxPool(x, node.size, node.strides, node.padding)
          : tf.avgPool(x, node.size, node.strides, node.padding);
      case "globalAvgPool":
        return tf.mean(x, [1, 2], true);
      case "dense": {
        const k = this.#weight<tf.Rank.R2>(node.kernel);
        let y: tf.Tensor = tf.matMul(tf.reshape(x, [1, -1]), k);
        if (node.bias) y = tf.add(y, this.#weight(node.bias));
        return tf.reshape(y, [1, 1, 1, k.shape[1]]);
      }
    }
  }
}
