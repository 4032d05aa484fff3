/**
 * "Bring your own weights": turns the bytes of a downloaded weight file into a packed
 * atelier-net model. Detects the container (PyTorch zip or legacy, safetensors, Keras HDF5),
 * finds the state dict (plain, DataParallel "module.", MadryLab robustness "model" with its
 * normaliser), recognises the architecture (VGG-19, ResNet-50) from the key names, builds the
 * graph with batch norm folded and packs it. Everything wrong is refused with a message that
 * names the key, shape or byte at fault; nothing is written here (the caller installs).
 */
import type { Preprocess } from "../manifest.ts";
import { type ManifestMeta, type PackedModel, packModel } from "../pack.ts";
import { CAFFE } from "../keras_sources.ts";
import { sha256Hex } from "../sha256.ts";
import type { HostTensor } from "../tfjs_layers.ts";
import { isHdf5, kerasBnEpsilon, readKerasH5 } from "./keras_h5.ts";
import type { PickledTensor, PickleValue } from "./pickle.ts";
import { buildResnet50, looksLikeResnet, type ResnetVariant } from "./resnet50.ts";
import { isSafetensors, readSafetensors } from "./safetensors.ts";
import { isTorchLegacy, isTorchZip, readTorchCheckpoint } from "./torch_checkpoint.ts";
import { buildVgg19, looksLikeVgg } from "./vgg19.ts";

/** torchvision's ImageNet normalisation (RGB in [0, 1]). */
export const TORCH_IMAGENET: Preprocess = {
  kind: "torch",
  order: "rgb",
  scale: 1,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Container formats the importer reads. */
export type WeightFormat = "torch-zip" | "torch-legacy" | "safetensors" | "keras-h5";

/** The file is not something the importer can read; the message says what it looks like. */
export class UnsupportedFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedFormatError";
  }
}

/** Recognises the container from its first bytes. */
export function detectFormat(bytes: Uint8Array, file = "file"): WeightFormat {
  if (isTorchZip(bytes)) return "torch-zip";
  if (isTorchLegacy(bytes)) return "torch-legacy";
  if (isHdf5(bytes)) return "keras-h5";
  if (isSafetensors(bytes)) return "safetensors";
  if (new TextDecoder().decode(bytes.subarray(257, 262)) === "ustar") {
    throw new UnsupportedFormatError(
      `${file}: old torch serialization (tar); re-save it with torch>=1.6 (torch.save(torch.load(f), f2))`,
    );
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new UnsupportedFormatError(
    `${file}: unknown format (first bytes ${head}): expected a PyTorch checkpoint (.pth/.pt/.ckpt), safetensors or a Keras .h5 file`,
  );
}

/** Options of importWeights(). */
export interface ImportOptions {
  /** File name or URL, for messages and the default id. */
  file: string;
  id?: string;
  name?: string;
  dtype?: "float16" | "float32";
  /** Override the ResNet layout (e.g. "keras-v1" for a torch-named dict of Keras weights). */
  variant?: ResnetVariant;
  /**
   * Override the input preprocessing: torch-layout files say nothing about it, so Keras
   * weights re-saved with torch names need CAFFE here.
   */
  preprocess?: Preprocess;
  /** Provenance recorded in the manifest; defaults to the file name and its sha256. */
  source?: ManifestMeta["source"];
  licence?: string;
  description?: string;
}

/** A converted model and what was recognised. */
export interface ImportResult {
  packed: PackedModel;
  format: WeightFormat;
  /** Human-readable notes: state dict layout, normaliser, head. */
  notes: string[];
}

const isTensor = (v: PickleValue): v is PickledTensor =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map) &&
  v.kind === "tensor";

/** Finds the state dict in a checkpoint's root: itself, or under "model" / "state_dict". */
function findStateDict(root: PickleValue, file: string): Map<PickleValue, PickleValue> {
  if (!(root instanceof Map)) {
    throw new TypeError(`${file}: the checkpoint holds a ${describe(root)}, not a dict of tensors`);
  }
  const values = [...root.values()];
  if (values.length && values.some(isTensor)) return root;
  for (const key of ["model", "state_dict", "model_state_dict"]) {
    const v = root.get(key);
    if (v instanceof Map) return v;
  }
  throw new TypeError(
    `${file}: no state dict found: top-level keys are ${
      [...root.keys()].map(String).join(", ")
    }; expected tensors, or "model" / "state_dict"`,
  );
}

function describe(v: PickleValue): string {
  if (Array.isArray(v)) return "list";
  if (v === null) return "None";
  return typeof v === "object" ? (v as { kind?: string }).kind ?? "object" : typeof v;
}

/**
 * Strips wrappers: DataParallel's "module.", robustness's AttackerModel ("model." is the
 * network, "attacker.model." a second reference to it, "normalizer.new_mean/new_std" the input
 * normalisation, which is returned).
 */
function unwrap(
  tensors: Map<string, HostTensor>,
  notes: string[],
): { tensors: Map<string, HostTensor>; normalizer?: { mean: number[]; std: number[] } } {
  let keys = [...tensors.keys()];
  let out = tensors;
  if (keys.length && keys.every((k) => k.startsWith("module."))) {
    out = new Map(keys.map((k) => [k.slice(7), tensors.get(k)!]));
    keys = [...out.keys()];
    notes.push('stripped the DataParallel prefix "module."');
  }
  if (!keys.some((k) => k.startsWith("model."))) return { tensors: out };
  const net = new Map<string, HostTensor>();
  let ignored = 0;
  for (const k of keys) {
    if (k.startsWith("model.")) net.set(k.slice(6), out.get(k)!);
    else if (k.startsWith("attacker.")) ignored++;
    else if (!k.startsWith("normalizer.")) net.set(k, out.get(k)!); // reported as unexpected
  }
  notes.push(
    `robustness checkpoint: using model.* (${net.size} tensors), ignoring ${ignored} attacker.* copies`,
  );
  const mean = out.get("normalizer.new_mean");
  const std = out.get("normalizer.new_std");
  if (mean && std && mean.data.length === 3 && std.data.length === 3) {
    notes.push(
      `input normaliser: mean [${[...mean.data].map((v) => v.toFixed(4))}], std [${
        [...std.data].map((v) => v.toFixed(4))
      }]`,
    );
    return { tensors: net, normalizer: { mean: [...mean.data], std: [...std.data] } };
  }
  return { tensors: net };
}

/** Reads, recognises and converts a weight file; throws naming what is wrong. */
export async function importWeights(bytes: Uint8Array, opts: ImportOptions): Promise<ImportResult> {
  const file = opts.file;
  const format = detectFormat(bytes, file);
  const notes: string[] = [];
  let tensors: Map<string, HostTensor>;
  let eps: number | undefined;
  if (format === "torch-zip" || format === "torch-legacy") {
    const ckpt = readTorchCheckpoint(bytes, file);
    const sd = findStateDict(ckpt.root, file);
    tensors = new Map();
    for (const [k, v] of sd) {
      if (!isTensor(v)) {
        throw new TypeError(
          `${file}: state dict entry ${String(k)} is a ${describe(v)}, not a tensor`,
        );
      }
      tensors.set(String(k), ckpt.tensor(v));
    }
  } else if (format === "safetensors") {
    tensors = readSafetensors(bytes, file);
  } else {
    const h5 = readKerasH5(bytes, file);
    tensors = h5.weights;
    eps = kerasBnEpsilon(h5);
    if (h5.kerasVersion) notes.push(`Keras ${h5.kerasVersion} weight file`);
  }
  const { tensors: sd, normalizer } = unwrap(tensors, notes);
  const keys = new Set(sd.keys());
  const vggLayout = looksLikeVgg(keys);
  const resLayout = looksLikeResnet(keys);
  let built;
  let architecture: string;
  let variant: string;
  let layout;
  if (vggLayout) {
    layout = vggLayout;
    built = buildVgg19(sd, vggLayout);
    architecture = "vgg19";
    variant = vggLayout === "torch" ? "torchvision" : "keras";
  } else if (resLayout) {
    layout = resLayout;
    const r = buildResnet50(sd, { variant: opts.variant, eps });
    built = r;
    architecture = "resnet50";
    variant = r.variant;
  } else {
    const sample = [...keys].slice(0, 6).join(", ");
    throw new TypeError(
      `${file}: unknown architecture: expected VGG-19 or ResNet-50 keys (features.0.weight, layer1.0.conv1.weight, block1_conv1/kernel, res2a_branch2a/kernel, conv2_block1_1_conv/kernel); found ${sample}`,
    );
  }
  const hasHead = built.layers.some((l) => l.kind === "logits");
  notes.push(`${architecture} (${variant}), ${hasHead ? "with" : "without"} classifier head`);
  const preprocess: Preprocess = opts.preprocess ?? (layout === "keras" ? CAFFE : normalizer
    ? {
      kind: "robustness",
      order: "rgb",
      scale: 1,
      mean: normalizer.mean as Preprocess["mean"],
      std: normalizer.std as Preprocess["std"],
    }
    : TORCH_IMAGENET);
  const sha256 = await sha256Hex(bytes);
  const base = file.split(/[\\/]/).pop()!.replace(/\?.*$/, "").replace(/\.[^.]*$/, "");
  const id = opts.id ??
    (base.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 64) ||
      architecture);
  const meta: ManifestMeta = {
    id,
    name: opts.name ?? `${architecture === "vgg19" ? "VGG-19" : "ResNet-50"} (${base})`,
    architecture,
    variant,
    description: opts.description ??
      `Imported from ${format} weights (${notes.join("; ")}); batch norm folded.`,
    licence: opts.licence ?? "unknown: user-supplied weights; check the licence of their source",
    source: opts.source ?? { url: file, sha256 },
    preprocess,
  };
  const packed = await packModel(meta, {
    dtype: opts.dtype ?? "float16",
    graph: built.graph,
    weights: built.weights,
    headWeights: built.headWeights,
    layers: built.layers,
  });
  return { packed, format, notes };
}
