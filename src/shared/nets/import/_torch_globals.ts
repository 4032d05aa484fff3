/**
 * The only globals a torch checkpoint's pickle may name, and what calling them means: storage
 * types resolve persistent ids, OrderedDict() makes a Map, and the tensor/parameter rebuilders
 * make PickledTensor views. Nothing here runs code from the file.
 */
import type { Global, PickledTensor, PickleValue, StorageDtype, StorageRef } from "./pickle.ts";

const STORAGE_TYPES: Record<string, StorageDtype> = {
  "torch.FloatStorage": "float32",
  "torch.HalfStorage": "float16",
  "torch.BFloat16Storage": "bfloat16",
  "torch.DoubleStorage": "float64",
  "torch.LongStorage": "int64",
  "torch.IntStorage": "int32",
};
const TORCH_DTYPES: Record<string, StorageDtype> = {
  "torch.float32": "float32",
  "torch.float16": "float16",
  "torch.bfloat16": "bfloat16",
  "torch.float64": "float64",
  "torch.int64": "int64",
  "torch.int32": "int32",
};
const CALLABLES = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
]);

export function allowed(name: string): boolean {
  // Object.hasOwn, not `in`: "in" also finds inherited names such as "constructor".
  return CALLABLES.has(name) || Object.hasOwn(STORAGE_TYPES, name) ||
    Object.hasOwn(TORCH_DTYPES, name);
}

export function persistent(pid: PickleValue, fail: (m: string) => never): StorageRef {
  // torch.save: ("storage", storage_type, key, location, numel); the legacy format appends a
  // view description (always None for the checkpoints we accept).
  if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) {
    return fail(`unsupported persistent id ${JSON.stringify(pid)}`);
  }
  const [, type, key, , numel] = pid;
  const g = type as Global;
  const dtype = g?.kind === "global" ? STORAGE_TYPES[g.name] ?? TORCH_DTYPES[g.name] : undefined;
  if (!dtype) return fail(`unsupported storage type ${JSON.stringify(type)}`);
  if (typeof key !== "string" || typeof numel !== "number") {
    return fail("malformed storage reference");
  }
  if (pid.length > 5 && pid[5] !== null) return fail("storage views are not supported");
  return { kind: "storage", dtype, key, numel };
}

function ints(v: PickleValue, what: string, fail: (m: string) => never): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
    return fail(`${what} must be a tuple of integers`);
  }
  return v as number[];
}

export function call(fn: PickleValue, args: PickleValue, fail: (m: string) => never): PickleValue {
  const g = fn as Global;
  if (g?.kind !== "global" || !Array.isArray(args)) {
    return fail("REDUCE needs a global and a tuple");
  }
  switch (g.name) {
    case "collections.OrderedDict":
      if (args.length) fail("OrderedDict() takes no arguments here");
      return new Map();
    case "torch._utils._rebuild_tensor_v2": {
      const [storage, offset] = args;
      if ((storage as StorageRef)?.kind !== "storage" || typeof offset !== "number") {
        return fail("_rebuild_tensor_v2 needs a storage and an offset");
      }
      const shape = ints(args[2], "tensor size", fail);
      const stride = ints(args[3], "tensor stride", fail);
      if (shape.length !== stride.length) fail("tensor size and stride differ in length");
      return { kind: "tensor", storage: storage as StorageRef, offset, shape, stride };
    }
    case "torch._utils._rebuild_parameter": {
      const t = args[0] as PickledTensor;
      if (t?.kind !== "tensor") return fail("_rebuild_parameter needs a tensor");
      return t;
    }
    default:
      return fail(`${g.name} may not be called`);
  }
}
