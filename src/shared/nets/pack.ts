/**
 * Packs a converted graph into the atelier-net/1 format: weights in manifest order, grouped
 * into "body" (features) and "head" (classifier, downloaded only when asked), encoded as
 * float16 or float32, cut into shards of at most 4 MiB named after their sha256.
 */
import { concatBytes } from "./_bytes.ts";
import { encodeHalf } from "./_float16.ts";
import {
  bytesPerElement,
  type GraphNode,
  type LayerInfo,
  MANIFEST_FORMAT,
  MAX_SHARD_BYTES,
  type ModelManifest,
  ModelManifestSchema,
  type Shard,
  sizeOf,
  type WeightGroup,
  type WeightSpec,
} from "./manifest.ts";
import { sha256Hex } from "./sha256.ts";
import type { HostTensor } from "./tfjs_layers.ts";

/** Descriptive fields of a manifest that the packer does not compute. */
export type ManifestMeta = Pick<
  ModelManifest,
  | "id"
  | "name"
  | "architecture"
  | "variant"
  | "description"
  | "licence"
  | "source"
  | "preprocess"
  | "labels"
>;

/** Options of packModel(). */
export interface PackOptions {
  dtype: "float16" | "float32";
  graph: GraphNode[];
  weights: Map<string, HostTensor>;
  /** Weights used only by head nodes; everything else is body. */
  headWeights: Set<string>;
  layers: LayerInfo[];
  maxShardBytes?: number;
}

/** A packed model: its manifest and the bytes of each shard. */
export interface PackedModel {
  manifest: ModelManifest;
  files: Map<string, Uint8Array>;
}

/** Encodes weights and cuts them into shards; returns a validated manifest and the shard bytes. */
export async function packModel(meta: ManifestMeta, opts: PackOptions): Promise<PackedModel> {
  const used = new Set<string>();
  for (const n of opts.graph) {
    if ("kernel" in n) used.add(n.kernel);
    if ("bias" in n && n.bias) used.add(n.bias);
  }
  const specs: WeightSpec[] = [];
  const files = new Map<string, Uint8Array>();
  const shards: Shard[] = [];
  const bpe = bytesPerElement(opts.dtype);
  const max = opts.maxShardBytes ?? MAX_SHARD_BYTES;
  const totals: Record<WeightGroup, number> = { body: 0, head: 0 };
  for (const group of ["body", "head"] as const) {
    const names = [...used].filter((n) => opts.headWeights.has(n) === (group === "head"));
    const encoded: Uint8Array[] = [];
    for (const name of names) {
      const w = opts.weights.get(name);
      if (!w) throw new TypeError(`weight ${name} is used by the graph but missing`);
      if (sizeOf(w.shape) !== w.data.length) {
        throw new RangeError(
          `weight ${name}: shape ${w.shape} does not match ${w.data.length} values`,
        );
      }
      specs.push({ name, shape: w.shape, group });
      encoded.push(
        opts.dtype === "float16"
          ? new Uint8Array(encodeHalf(w.data).buffer)
          : new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength),
      );
    }
    const all = concatBytes(encoded);
    const total = all.length;
    totals[group] = total;
    if (total === 0) continue;
    // Shards cut at multiples of the element size, so no value straddles two shards' checks.
    const step = Math.floor(max / bpe) * bpe;
    for (let start = 0, i = 0; start < total; start += step, i++) {
      const bytes = all.slice(start, Math.min(total, start + step));
      const sha256 = await sha256Hex(bytes);
      const path = `${group}-${i}-${sha256.slice(0, 16)}.bin`;
      files.set(path, bytes);
      shards.push({ path, bytes: bytes.length, sha256, group });
    }
  }
  const manifest = ModelManifestSchema.parse({
    format: MANIFEST_FORMAT,
    ...meta,
    dtype: opts.dtype,
    totalBytes: totals.body,
    headBytes: totals.head,
    layers: opts.layers,
    graph: opts.graph,
    weights: specs,
    shards,
  });
  return { manifest, files };
}

/**
 * Static shape walk: channels and total stride of every node, from the weights' shapes.
 * Used to fill the layer table.
 */
export function inferShapes(
  graph: GraphNode[],
  weights: Map<string, { shape: number[] }>,
): Map<string, { channels: number; stride: number }> {
  const out = new Map<string, { channels: number; stride: number }>();
  out.set("input", { channels: 3, stride: 1 });
  const get = (n: string) => {
    const v = out.get(n);
    if (!v) throw new TypeError(`graph: node input ${n} is not defined before use`);
    return v;
  };
  for (const n of graph) {
    switch (n.op) {
      case "conv2d":
      case "depthwiseConv2d": {
        const k = weights.get(n.kernel)!.shape;
        const i = get(n.input);
        const channels = n.op === "conv2d" ? k[3] : k[2] * k[3];
        out.set(n.name, { channels, stride: i.stride * n.strides[0] });
        break;
      }
      case "maxPool":
      case "avgPool": {
        const i = get(n.input);
        out.set(n.name, { channels: i.channels, stride: i.stride * n.strides[0] });
        break;
      }
      case "dense":
        get(n.input);
        out.set(n.name, { channels: weights.get(n.kernel)!.shape[1], stride: 1 });
        break;
      case "add":
        out.set(n.name, get(n.inputs[0]));
        break;
      default:
        out.set(n.name, get(n.input));
    }
  }
  return out;
}
