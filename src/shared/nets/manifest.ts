/**
 * Atelier's own sharded network format ("atelier-net/1"): a manifest.json that describes the
 * network as a small op graph over named weights, plus weight shards of at most 4 MiB, each
 * checked by sha256. The same manifest expresses the Keras ResNet v1 layout (stride in the
 * first 1x1 conv) and the torchvision v1.5 layout (stride in the 3x3 conv): strides and
 * paddings are per node. Batch norm is folded into the convolutions at conversion time.
 */
import { z } from "zod";
import { describeIssues } from "../types.ts";

export const MANIFEST_FORMAT = "atelier-net/1";
/** Largest shard the converter writes (bytes). */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024;

const id = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "lowercase letters, digits, _ . -");
const nodeName = z.string().min(1).max(128);
const pad2 = z.tuple([z.number().int().min(0), z.number().int().min(0)]);
/** "same" and "valid" follow TensorFlow; explicit: [[top, bottom], [left, right]]. */
const padding = z.union([z.literal("same"), z.literal("valid"), z.tuple([pad2, pad2])]);
const pair = z.tuple([z.number().int().min(1), z.number().int().min(1)]);

const ConvNode = z.object({
  op: z.literal("conv2d"),
  name: nodeName,
  input: nodeName,
  kernel: nodeName,
  bias: nodeName.optional(),
  strides: pair,
  padding,
}).strict();
const DepthwiseNode = ConvNode.extend({ op: z.literal("depthwiseConv2d") }).strict();
const ActNode = z.object({
  op: z.enum(["relu", "relu6", "leakyRelu", "softmax"]),
  name: nodeName,
  input: nodeName,
  alpha: z.number().optional(),
}).strict();
const AddNode = z.object({
  op: z.literal("add"),
  name: nodeName,
  inputs: z.array(nodeName).min(2),
}).strict();
const PadNode = z.object({
  op: z.literal("pad"),
  name: nodeName,
  input: nodeName,
  padding: z.tuple([pad2, pad2]),
}).strict();
const PoolNode = z.object({
  op: z.enum(["maxPool", "avgPool"]),
  name: nodeName,
  input: nodeName,
  size: pair,
  strides: pair,
  padding: z.union([z.literal("same"), z.literal("valid")]),
}).strict();
const GapNode = z.object({
  op: z.literal("globalAvgPool"),
  name: nodeName,
  input: nodeName,
}).strict();
const DenseNode = z.object({
  op: z.literal("dense"),
  name: nodeName,
  input: nodeName,
  kernel: nodeName,
  bias: nodeName.optional(),
}).strict();

export const GraphNodeSchema = z.discriminatedUnion("op", [
  ConvNode,
  DepthwiseNode,
  ActNode,
  AddNode,
  PadNode,
  PoolNode,
  GapNode,
  DenseNode,
]);
export type GraphNode = z.infer<typeof GraphNodeSchema>;

export const WeightGroupSchema = z.enum(["body", "head"]);
export type WeightGroup = z.infer<typeof WeightGroupSchema>;

export const WeightSpecSchema = z.object({
  name: nodeName,
  shape: z.array(z.number().int().min(1)).min(1).max(4),
  group: WeightGroupSchema,
}).strict();
export type WeightSpec = z.infer<typeof WeightSpecSchema>;

export const ShardSchema = z.object({
  path: z.string().regex(/^[a-z0-9_.-]{1,100}\.bin$/, "a plain file name ending in .bin"),
  bytes: z.number().int().min(1).max(MAX_SHARD_BYTES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  group: WeightGroupSchema,
}).strict();
export type Shard = z.infer<typeof ShardSchema>;

/** A layer users can pick (style/content layers, feature visualisation). */
export const LayerInfoSchema = z.object({
  /** Name shown in the UI and used in recipes. */
  name: nodeName,
  /** Graph node whose output this layer is. */
  node: nodeName,
  /** Layer of the source model this corresponds to (for verification). */
  source: z.string().optional(),
  channels: z.number().int().min(1),
  /** Total stride relative to the input. */
  stride: z.number().int().min(1),
  /** "feature" layers are in the body; "logits" needs the head group. */
  kind: z.enum(["feature", "logits"]),
}).strict();
export type LayerInfo = z.infer<typeof LayerInfoSchema>;

/** Input preprocessing: x' = (x * scale - mean) / std, channels in `order`, x RGB in [0, 1]. */
export const PreprocessSchema = z.object({
  /** Human-readable name, e.g. "caffe" or "torch". */
  kind: z.string(),
  order: z.enum(["rgb", "bgr"]),
  scale: z.number().positive(),
  /** Per channel, in `order`. */
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
}).strict();
export type Preprocess = z.infer<typeof PreprocessSchema>;

export const ModelManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  id,
  name: z.string().min(1).max(100),
  architecture: z.string().min(1).max(64),
  /** Layout or training variant, e.g. "keras-v1" or "torchvision-v1.5". */
  variant: z.string().max(64),
  description: z.string().max(2000).default(""),
  licence: z.string().max(200),
  source: z.object({
    url: z.string().max(500),
    sha256: z.string().max(64).optional(),
    note: z.string().max(1000).optional(),
  }).strict(),
  preprocess: PreprocessSchema,
  dtype: z.enum(["float16", "float32"]),
  /** Bytes of the body group (what style transfer downloads). */
  totalBytes: z.number().int().min(0),
  headBytes: z.number().int().min(0),
  layers: z.array(LayerInfoSchema).min(1),
  graph: z.array(GraphNodeSchema).min(1),
  weights: z.array(WeightSpecSchema),
  shards: z.array(ShardSchema).min(1),
  /** Class labels of the head's logits, in output order. */
  labels: z.array(z.string()).optional(),
}).strict();
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** The feature or logits layer `name` of `manifest`; a RangeError when it has none. */
export function manifestLayer(manifest: ModelManifest, name: string): LayerInfo {
  const layer = manifest.layers.find((l) => l.name === name);
  if (!layer) throw new RangeError(`Unknown layer "${name}" for network ${manifest.id}`);
  return layer;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes per stored element for a dtype. */
export function bytesPerElement(dtype: ModelManifest["dtype"]): number {
  return dtype === "float16" ? 2 : 4;
}

/** A problem with a model file; `file` names the manifest or shard at fault. */
export class ModelLoadError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "ModelLoadError";
    this.file = file;
  }
}

/** Parses and checks a manifest's internal consistency; throws ModelLoadError naming `file`. */
export function parseManifest(json: unknown, file: string): ModelManifest {
  const parsed = ModelManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelLoadError(
      file,
      `not a valid atelier-net manifest: ${describeIssues(parsed.error)}`,
    );
  }
  const m = parsed.data;
  const bpe = bytesPerElement(m.dtype);
  const names = new Set(m.weights.map((w) => w.name));
  for (const group of ["body", "head"] as const) {
    const want = m.weights.filter((w) => w.group === group)
      .reduce((n, w) => n + sizeOf(w.shape) * bpe, 0);
    const have = m.shards.filter((s) => s.group === group).reduce((n, s) => n + s.bytes, 0);
    if (want !== have) {
      throw new ModelLoadError(
        file,
        `the ${group} weights need ${want} bytes but its shards hold ${have} bytes`,
      );
    }
    const declared = group === "body" ? m.totalBytes : m.headBytes;
    if (declared !== have) {
      throw new ModelLoadError(file, `declares ${declared} ${group} bytes, shards hold ${have}`);
    }
  }
  const nodes = new Set(["input"]);
  for (const n of m.graph) {
    const inputs = n.op === "add" ? n.inputs : [n.input];
    for (const i of inputs) {
      if (!nodes.has(i)) throw new ModelLoadError(file, `node ${n.name} uses undefined input ${i}`);
    }
    for (const w of ["kernel" in n ? n.kernel : undefined, "bias" in n ? n.bias : undefined]) {
      if (w && !names.has(w)) {
        throw new ModelLoadError(file, `node ${n.name} uses unknown weight ${w}`);
      }
    }
    nodes.add(n.name);
  }
  for (const l of m.layers) {
    if (!nodes.has(l.node)) {
      throw new ModelLoadError(file, `layer ${l.name} refers to unknown node ${l.node}`);
    }
  }
  return m;
}
