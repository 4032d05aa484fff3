/**
 * Reads Keras HDF5 weight files with jsfive (pure JS): both `model.save()` files (weights
 * under /model_weights, topology in the root attribute model_config) and `save_weights()`
 * files such as the keras-applications downloads (layers at the root). Each layer group lists
 * its weights in the attribute weight_names; they come back keyed "<layer>/<weight>" with the
 * ":0" suffix dropped (e.g. "block1_conv1/kernel"), in Keras's own [kh, kw, in, out] layout.
 */
import type { HostTensor } from "../tfjs_layers.ts";
import { jsfive } from "./deps.ts";

/** HDF5 files start with this 8-byte signature. */
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` starts with the HDF5 signature. */
export function isHdf5(bytes: Uint8Array): boolean {
  return HDF5_MAGIC.every((b, i) => bytes[i] === b);
}

/** A Keras weight file read into memory. */
export interface KerasH5 {
  /** "<layer>/<weight>" -> tensor. */
  weights: Map<string, HostTensor>;
  /** Layer names in the file's order. */
  layerNames: string[];
  /** Parsed model_config attribute of full-model files. */
  modelConfig?: {
    class_name: string;
    config: { layers?: { class_name: string; config: Record<string, unknown> }[] };
  };
  kerasVersion?: string;
}

// Canonical weight names by the number of weights a layer has, for Keras 1 files whose names
// ("block1_conv1_W_1:0") do not say: Keras loads by position in this same order.
const BY_POSITION: Record<number, string[]> = {
  1: ["kernel"],
  2: ["kernel", "bias"],
  4: ["gamma", "beta", "moving_mean", "moving_variance"],
};
const KNOWN = new Set([
  "kernel",
  "bias",
  "gamma",
  "beta",
  "moving_mean",
  "moving_variance",
  "depthwise_kernel",
]);

interface H5Node {
  attrs: Record<string, unknown>;
  keys?: string[];
  get(path: string): H5Node | null;
  shape?: number[];
  value?: ArrayLike<number>;
}

const clean = (s: unknown) => String(s).replace(/\0+$/, "");
const strings = (
  v: unknown,
): string[] => (Array.isArray(v) ? v.map(clean) : v === undefined ? [] : [clean(v)]);

/** Reads a Keras .h5 file; throws naming the file and what is wrong. */
export function readKerasH5(bytes: Uint8Array, file = "weights.h5"): KerasH5 {
  if (!isHdf5(bytes)) throw new TypeError(`${file}: not an HDF5 file`);
  try {
    return read(bytes, file);
  } catch (e) {
    if (e instanceof KerasH5Error) throw e;
    throw new KerasH5Error(
      `${file}: the HDF5 file is truncated or corrupt (${(e as Error).message ?? e})`,
    );
  }
}

/** The HDF5 file is not a Keras weight file or is damaged. */
export class KerasH5Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KerasH5Error";
  }
}

function read(bytes: Uint8Array, file: string): KerasH5 {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const f = new jsfive.File(buffer, file) as unknown as H5Node;
  const root = f.keys?.includes("model_weights") ? f.get("model_weights")! : f;
  const layerNames = strings(root.attrs.layer_names);
  if (!layerNames.length) {
    throw new KerasH5Error(`${file}: no layer_names attribute: not a Keras weight file`);
  }
  const weights = new Map<string, HostTensor>();
  for (const layer of layerNames) {
    const g = root.get(layer);
    if (!g) throw new KerasH5Error(`${file}: layer group ${layer} is missing`);
    const names = strings(g.attrs.weight_names);
    names.forEach((wn, i) => {
      const d = g.get(wn);
      if (!d || !d.shape || !d.value) {
        throw new KerasH5Error(`${file}: dataset ${layer}/${wn} is missing`);
      }
      const shape = [...d.shape];
      const count = shape.reduce((a, b) => a * b, 1);
      if (d.value.length !== count) {
        throw new KerasH5Error(`${file}: dataset ${layer}/${wn} is truncated`);
      }
      let short = wn.replace(/:\d+$/, "").split("/").pop()!;
      if (!KNOWN.has(short)) short = BY_POSITION[names.length]?.[i] ?? short;
      weights.set(`${layer}/${short}`, { shape, data: Float32Array.from(d.value) });
    });
  }
  let modelConfig: KerasH5["modelConfig"];
  if (f.attrs.model_config !== undefined) {
    try {
      modelConfig = JSON.parse(clean(f.attrs.model_config));
    } catch {
      throw new KerasH5Error(`${file}: model_config attribute is not valid JSON`);
    }
  }
  const kv = root.attrs.keras_version ?? f.attrs.keras_version;
  return {
    weights,
    layerNames,
    modelConfig,
    ...(kv !== undefined ? { kerasVersion: clean(kv) } : {}),
  };
}

/** The batch-norm epsilon recorded in a full model's topology, if any. */
export function kerasBnEpsilon(h5: KerasH5): number | undefined {
  const layers = h5.modelConfig?.config?.layers ?? [];
  const bn = layers.find((l) => l.class_name === "BatchNormalization");
  const eps = bn?.config?.epsilon;
  return typeof eps === "number" ? eps : undefined;
}
