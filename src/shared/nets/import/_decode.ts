/**
 * Decodes the raw little-endian element types found in checkpoints (torch storages,
 * safetensors) into float32, which is what the converters work in.
 */
import type { StorageDtype } from "./pickle.ts";

/** Bytes per element of each storage dtype. */
export const ELEMENT_BYTES: Record<StorageDtype, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
};

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decodes `count` elements of `dtype` starting at byte `offset` of `bytes`. */
export function decodeElements(
  bytes: Uint8Array,
  dtype: StorageDtype,
  offset: number,
  count: number,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const n = ELEMENT_BYTES[dtype];
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let i = 0, at = offset; i < count; i++, at += n) {
    switch (dtype) {
      case "float32":
        out[i] = view.getFloat32(at, true);
        break;
      case "float16":
        out[i] = half(view.getUint16(at, true));
        break;
      case "bfloat16":
        // bfloat16 is the top half of a float32.
        bits[0] = view.getUint16(at, true) << 16;
        out[i] = asFloat[0];
        break;
      case "float64":
        out[i] = view.getFloat64(at, true);
        break;
      case "int64":
        out[i] = Number(view.getBigInt64(at, true));
        break;
      case "int32":
        out[i] = view.getInt32(at, true);
        break;
    }
  }
  return out;
}
