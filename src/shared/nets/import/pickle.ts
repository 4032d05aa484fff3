/**
 * A strict reader for the subset of Python's pickle that `torch.save` writes (protocol 2 and
 * the framed protocols up to 5 for the same opcodes). It never executes anything: a GLOBAL is
 * resolved against a short allow-list (OrderedDict, torch's tensor/parameter rebuilders and
 * storage types) and any other name is refused with an error naming it, before it could be
 * called. Values come back as plain JS: dicts are Maps, lists and tuples arrays, tensors
 * PickledTensor records that still point at their storage.
 */
import { allowed, call, persistent } from "./_torch_globals.ts";

/** Element type of a torch storage. */
export type StorageDtype = "float32" | "float16" | "bfloat16" | "float64" | "int64" | "int32";

/** A persistent-id reference to a storage held outside the pickle (zip entry or legacy blob). */
export interface StorageRef {
  kind: "storage";
  dtype: StorageDtype;
  key: string;
  numel: number;
}

/** A tensor as torch pickles it: a view into a storage. */
export interface PickledTensor {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

/** An allowed global, before it is called. */
export interface Global {
  kind: "global";
  name: string;
}

/** A value the unpickler produces. */
export type PickleValue =
  | null
  | boolean
  | number
  | string
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickledTensor
  | StorageRef
  | Global;

/** The pickle is malformed or asks for something that is not allowed. */
export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PickleError";
  }
}

const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK;

/** Options of unpickle(). */
export interface UnpickleOptions {
  /** Where the pickle starts in `bytes` (legacy torch files hold several pickles back to back). */
  offset?: number;
  /** Name used in error messages, e.g. "archive/data.pkl". */
  file?: string;
}

/** Result of unpickle(): the value and the offset just past the STOP opcode. */
export interface UnpickleResult {
  value: PickleValue;
  end: number;
}

/** Reads one pickle from `bytes`; throws PickleError naming what is wrong. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions = {}): UnpickleResult {
  const file = opts.file ?? "pickle";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder("utf-8", { fatal: true });
  const latin1 = new TextDecoder("latin1");
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = opts.offset ?? 0;

  const fail = (msg: string): never => {
    throw new PickleError(`${file}: ${msg} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail("unexpected end of data: the file is truncated");
  };
  /**
   * A length read from the data: it must be a non-negative integer no larger than what is left,
   * or a negative BINSTRING length would move `pos` backwards and loop (issue 11).
   */
  const length = (n: number, what: string): number => {
    const left = bytes.length - pos;
    if (!Number.isSafeInteger(n) || n < 0 || n > left) {
      fail(`${what} length ${n} is invalid: only ${left} bytes remain`);
    }
    return n;
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), pos += 2, view.getUint16(pos - 2, true));
  const u32 = () => (need(4), pos += 4, view.getUint32(pos - 4, true));
  const i32 = () => (need(4), pos += 4, view.getInt32(pos - 4, true));
  const take = (n: number, what: string) => (
    length(n, what), pos += n, bytes.subarray(pos - n, pos)
  );
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("unexpected end of data in a text line: the file is truncated");
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail("stack underflow");
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail("stack underflow");
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail("MARK expected on the stack");
    const items = stack.splice(i) as PickleValue[];
    items.shift();
    return items;
  };
  const global = (module: string, name: string): Global => {
    const full = `${module}.${name}`;
    if (!allowed(full)) {
      fail(
        `refusing global ${full}: only tensors, storages and plain containers may be unpickled`,
      );
    }
    return { kind: "global", name: full };
  };
  const setItems = (d: PickleValue, items: PickleValue[]) => {
    if (!(d instanceof Map)) fail("SETITEM(S) on something that is not a dict");
    if (items.length % 2) fail("SETITEMS with an odd number of items");
    for (let i = 0; i < items.length; i += 2) {
      (d as Map<PickleValue, PickleValue>).set(items[i], items[i + 1]);
    }
  };
  const appendItems = (l: PickleValue, items: PickleValue[]) => {
    if (!Array.isArray(l)) fail("APPEND(S) on something that is not a list");
    (l as PickleValue[]).push(...items);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("unsupported pickle protocol");
        break;
      case 0x95: { // FRAME: a length prefix only; the frame must fit in what is left
        const lo = u32(), hi = u32();
        length(hi * 2 ** 32 + lo, "FRAME");
        break;
      }
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: { // DICT
        const d = new Map<PickleValue, PickleValue>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text.decode(take(u32(), "BINUNICODE")));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text.decode(take(u8(), "SHORT_BINUNICODE")));
        break;
      case 0x8d: { // BINUNICODE8
        const lo = u32(), hi = u32();
        stack.push(text.decode(take(hi * 2 ** 32 + lo, "BINUNICODE8")));
        break;
      }
      case 0x55: // SHORT_BINSTRING (python 2 str)
        stack.push(latin1.decode(take(u8(), "SHORT_BINSTRING")));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(i32(), "BINSTRING")));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: { // LONG1: little-endian two's complement
        const b = take(u8(), "LONG1");
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo entry ${i} is not defined`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          fail("STACK_GLOBAL needs two strings");
        }
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop(), fail));
        break;
      case 0x52: { // REDUCE
        const args = pop(), fn = pop();
        stack.push(call(fn, args, fail));
        break;
      }
      case 0x62: { // BUILD: only OrderedDict's instance state (torch's _metadata), ignored
        const state = pop();
        const obj = top();
        if (!(obj instanceof Map) || !(state instanceof Map || state === null)) {
          fail("BUILD is only allowed on an OrderedDict");
        }
        break;
      }
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, "0")} is not allowed in a torch checkpoint`);
    }
  }
}
