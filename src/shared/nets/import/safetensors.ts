/**
 * Reads safetensors files (an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to its dtype, shape and byte range, then the raw data) into float32 tensors.
 * Only the floating dtypes weights come in (F32, F16, BF16, F64) and I64 for counters.
 */
import type { HostTensor } from "../tfjs_layers.ts";
import { decodeElements, ELEMENT_BYTES } from "./_decode.ts";
import type { StorageDtype } from "./pickle.ts";

const DTYPES: Record<string, StorageDtype> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  F64: "float64",
  I64: "int64",
  I32: "int32",
};

/** Whether `bytes` plausibly starts a safetensors file (sane header length, then "{"). */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n > 1n && n < 100_000_000n && bytes[8] === 0x7b;
}

/** Reads every tensor of a safetensors file; throws naming the tensor or header at fault. */
export function readSafetensors(bytes: Uint8Array, file = "safetensors"): Map<string, HostTensor> {
  if (!isSafetensors(bytes)) throw new TypeError(`${file}: not a safetensors file`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) {
    throw new RangeError(`${file}: truncated: the header needs ${n} bytes, the file is shorter`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new TypeError(`${file}: malformed JSON header (${(e as Error).message})`);
  }
  const data = bytes.subarray(8 + n);
  const out = new Map<string, HostTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: range } = info as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    const dt = DTYPES[dtype];
    if (!dt) throw new TypeError(`${file}: tensor ${name} has unsupported dtype ${dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (range[1] - range[0] !== count * ELEMENT_BYTES[dt]) {
      throw new RangeError(`${file}: tensor ${name}: byte range does not match shape [${shape}]`);
    }
    if (range[1] > data.length) {
      throw new RangeError(`${file}: truncated: tensor ${name} ends past the end of the file`);
    }
    out.set(name, { shape, data: decodeElements(data, dt, range[0], count) });
  }
  return out;
}
