/**
 * Reads PyTorch checkpoints without Python: the zip format of torch >= 1.6 (`<name>/data.pkl`
 * plus one entry per storage under `<name>/data/`) and the older "legacy" stream (several
 * pickles back to back, then the raw storages). The pickles go through the strict unpickler,
 * so a checkpoint can only ever produce tensors and plain containers.
 */
import type { HostTensor } from "../tfjs_layers.ts";
import { decodeElements, ELEMENT_BYTES } from "./_decode.ts";
import { unzipSync } from "./deps.ts";
import { type PickledTensor, type PickleValue, type StorageRef, unpickle } from "./pickle.ts";

/** A checkpoint read into memory: the unpickled root and a way to materialise its tensors. */
export interface TorchCheckpoint {
  /** "zip" (torch >= 1.6) or "legacy". */
  format: "zip" | "legacy";
  root: PickleValue;
  /** Decodes a tensor to float32 in its own (row-major, torch) layout. */
  tensor(t: PickledTensor): HostTensor;
}

/** The checkpoint is not a readable torch file; the message says why. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
// torch/serialization.py MAGIC_NUMBER and PROTOCOL_VERSION of the legacy stream.
const LEGACY_MAGIC = Number(0x1950a86a20f9469cfc6cn);
const LEGACY_PROTOCOL = 1001;

/** Whether `bytes` starts like a torch zip checkpoint. */
export function isTorchZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** Whether `bytes` starts like a legacy torch checkpoint (a pickle of the magic number). */
export function isTorchLegacy(bytes: Uint8Array): boolean {
  // PROTO 2, LONG1 with 10 bytes: the magic number.
  return bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a;
}

/** Reads a torch checkpoint; `file` names it in error messages. */
export function readTorchCheckpoint(bytes: Uint8Array, file = "checkpoint"): TorchCheckpoint {
  if (isTorchZip(bytes)) return readZip(bytes, file);
  if (isTorchLegacy(bytes)) return readLegacy(bytes, file);
  throw new CheckpointError(`${file}: not a PyTorch checkpoint (neither zip nor legacy format)`);
}

function readZip(bytes: Uint8Array, file: string): TorchCheckpoint {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new CheckpointError(
      `${file}: the zip container is truncated or corrupt (${(e as Error).message})`,
    );
  }
  const pkl = Object.keys(entries).find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) {
    throw new CheckpointError(`${file}: zip has no <name>/data.pkl: not a torch checkpoint`);
  }
  const prefix = pkl.slice(0, -"data.pkl".length);
  const order = entries[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order).trim() !== "little") {
    throw new CheckpointError(`${file}: big-endian checkpoints are not supported`);
  }
  const { value } = unpickle(entries[pkl], { file: `${file}:${pkl}` });
  return {
    format: "zip",
    root: value,
    tensor: (t) => {
      const data = entries[`${prefix}data/${t.storage.key}`];
      if (!data) {
        throw new CheckpointError(`${file}: storage ${t.storage.key} is missing from the zip`);
      }
      return materialise(t, data, 0, `${file}: storage ${t.storage.key}`);
    },
  };
}

function readLegacy(bytes: Uint8Array, file: string): TorchCheckpoint {
  let at = 0;
  const next = (what: string) => {
    const r = unpickle(bytes, { offset: at, file: `${file} (${what})` });
    at = r.end;
    return r.value;
  };
  if (next("magic number") !== LEGACY_MAGIC) {
    throw new CheckpointError(`${file}: bad magic number: not a torch checkpoint`);
  }
  if (next("protocol version") !== LEGACY_PROTOCOL) {
    throw new CheckpointError(`${file}: unsupported legacy torch protocol version`);
  }
  const sys = next("system info");
  if (sys instanceof Map && sys.get("little_endian") === false) {
    throw new CheckpointError(`${file}: big-endian checkpoints are not supported`);
  }
  const root = next("data");
  const keys = next("storage keys");
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw new CheckpointError(`${file}: malformed storage key list`);
  }
  // Storage refs by key, to know each storage's dtype while walking the raw blobs.
  const refs = new Map<string, StorageRef>();
  const visit = (v: PickleValue) => {
    if (v instanceof Map) v.forEach(visit);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object" && v.kind === "tensor") refs.set(v.storage.key, v.storage);
  };
  visit(root);
  const blobs = new Map<string, number>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const ref = refs.get(key);
    if (at + 8 > bytes.length) {
      throw new CheckpointError(`${file}: truncated before storage ${key}`);
    }
    const numel = Number(view.getBigInt64(at, true));
    at += 8;
    blobs.set(key, at);
    at += numel * (ref ? ELEMENT_BYTES[ref.dtype] : 4);
    if (at > bytes.length) throw new CheckpointError(`${file}: storage ${key} is truncated`);
  }
  return {
    format: "legacy",
    root,
    tensor: (t) => {
      const start = blobs.get(t.storage.key);
      if (start === undefined) {
        throw new CheckpointError(`${file}: storage ${t.storage.key} is missing`);
      }
      return materialise(t, bytes, start, `${file}: storage ${t.storage.key}`);
    },
  };
}

/** Gathers a strided view into a dense row-major float32 array. */
function materialise(t: PickledTensor, bytes: Uint8Array, base: number, what: string): HostTensor {
  const size = ELEMENT_BYTES[t.storage.dtype];
  const count = t.shape.reduce((a, b) => a * b, 1);
  let last = t.offset;
  t.shape.forEach((d, i) => (last += (d - 1) * t.stride[i]));
  if (count > 0 && base + (last + 1) * size > bytes.length) {
    throw new CheckpointError(`${what} is truncated: the tensor needs ${(last + 1) * size} bytes`);
  }
  const contiguous = t.stride.every((s, i) =>
    s === t.shape.slice(i + 1).reduce((a, b) => a * b, 1) || t.shape[i] === 1
  );
  if (contiguous) {
    return {
      shape: t.shape,
      data: decodeElements(bytes, t.storage.dtype, base + t.offset * size, count),
    };
  }
  const all = decodeElements(bytes, t.storage.dtype, base, last + 1);
  const data = new Float32Array(count);
  const idx = new Array(t.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let src = t.offset;
    for (let d = 0; d < idx.length; d++) src += idx[d] * t.stride[d];
    data[i] = all[src];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: t.shape, data };
}
