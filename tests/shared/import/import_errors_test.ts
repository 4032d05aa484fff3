/**
 * Bad weight files are refused with a message naming what is wrong: unknown format,
 * truncation, missing / unexpected keys, wrong shapes, and pickles that reference anything
 * but tensors and plain containers. The bad variants are made here from the good fixtures.
 */
import assert from "node:assert/strict";
import {
  importWeights,
  PickleError,
  unpickle,
  UnsupportedFormatError,
  WeightMismatchError,
} from "../../../src/shared/nets/import/mod.ts";
import { unzipSync, zipSync } from "../../../src/shared/nets/import/deps.ts";
import { fixture } from "./_fixtures.ts";

const enc = new TextEncoder();

function replaceBytes(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const a = enc.encode(from), b = enc.encode(to);
  const hex = (x: Uint8Array) => Array.from(x, (v) => String.fromCharCode(v)).join("");
  const s = hex(bytes);
  assert.ok(s.includes(hex(a)), `fixture does not contain ${from}`);
  const out = s.split(hex(a)).join(hex(b));
  return Uint8Array.from(out, (c) => c.charCodeAt(0));
}

/** Rewrites the data.pkl of a torch zip checkpoint. */
async function editPickle(
  name: string,
  edit: (pkl: Uint8Array) => Uint8Array,
): Promise<Uint8Array> {
  const entries = unzipSync(await fixture(name));
  const key = Object.keys(entries).find((k) => k.endsWith("/data.pkl"))!;
  entries[key] = edit(entries[key]) as Uint8Array<ArrayBuffer>;
  return zipSync(entries, { level: 0 });
}

/** Rewrites the JSON header of a safetensors file. */
async function editSafetensors(
  edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void,
): Promise<Uint8Array> {
  const bytes = await fixture("vgg19_features_f16.safetensors");
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const h = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(bytes.subarray(8 + n), 8 + h.length);
  return out;
}

const refuse = (bytes: Uint8Array, pattern: RegExp, type?: new (...a: never[]) => Error) =>
  assert.rejects(() => importWeights(bytes, { file: "bad.bin" }), (e: Error) => {
    if (type) assert.ok(e instanceof type, `expected ${type.name}, got ${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });

Deno.test("importWeights() refuses an unknown format, showing its first bytes", async () => {
  await refuse(
    enc.encode("GIF89a not a checkpoint at all"),
    /bad\.bin: unknown format \(first bytes 47 49 46/,
    UnsupportedFormatError,
  );
});

Deno.test("importWeights() refuses truncated files of every format", async () => {
  for (
    const [name, pattern] of [
      ["resnet50_torchvision.pth", /truncated or corrupt/],
      ["resnet50_salman_l2.ckpt", /truncated/],
      ["vgg19_keras_notop.h5", /truncated or corrupt/],
      ["vgg19_features_f16.safetensors", /truncated/],
    ] as const
  ) {
    const bytes = await fixture(name);
    await refuse(bytes.slice(0, Math.floor(bytes.length * 0.6)), pattern);
  }
});

Deno.test("importWeights() names missing and unexpected keys of a torch state dict", async () => {
  const bytes = await editPickle(
    "resnet50_torchvision.pth",
    (p) => replaceBytes(p, "layer4.2.bn3.running_var", "layer4.2.bn3.running_vax"),
  );
  await refuse(
    bytes,
    /missing keys: layer4\.2\.bn3\.running_var; unexpected keys: layer4\.2\.bn3\.running_vax/,
    WeightMismatchError,
  );
});

Deno.test("importWeights() names an extra key", async () => {
  const bytes = await editSafetensors((h) => {
    h["features.99.weight"] = { ...h["features.0.bias"] };
  });
  await refuse(bytes, /unexpected keys: features\.99\.weight/, WeightMismatchError);
});

Deno.test("importWeights() names a misshapen key with the expected and actual shapes", async () => {
  const bytes = await editSafetensors((h) => {
    h["features.2.weight"].shape = [4, 4, 1, 9]; // same byte count as [4, 4, 3, 3]
  });
  await refuse(
    bytes,
    /features\.2\.weight has shape \[4, 4, 1, 9\], expected \[\*, 4, 3, 3\]/,
    WeightMismatchError,
  );
});

Deno.test("importWeights() refuses a checkpoint whose pickle calls os.system, before calling anything", async () => {
  // Swap the first global (collections.OrderedDict) for os.system: GLOBAL is "c<module>\n<name>\n".
  const bytes = await editPickle(
    "resnet50_torchvision.pth",
    (p) => replaceBytes(p, "ccollections\nOrderedDict\n", "cos\nsystem\n"),
  );
  await refuse(bytes, /refusing global os\.system/, PickleError);
});

Deno.test("unpickle() refuses builtins.eval and numpy reconstruction by name", () => {
  // PROTO 2, SHORT_BINUNICODE module, SHORT_BINUNICODE name, STACK_GLOBAL, ..., REDUCE, STOP
  const pickle = (module: string, name: string) => {
    const s = (t: string) => [0x8c, t.length, ...enc.encode(t)];
    return new Uint8Array([0x80, 2, ...s(module), ...s(name), 0x93, ...s("1+1"), 0x85, 0x52, 0x2e]);
  };
  assert.throws(() => unpickle(pickle("builtins", "eval")), /refusing global builtins\.eval/);
  assert.throws(
    () => unpickle(pickle("numpy.core.multiarray", "_reconstruct")),
    /refusing global numpy\.core\.multiarray\._reconstruct/,
  );
});

Deno.test("unpickle() reads the plain containers torch writes", () => {
  // {"a": [1, 2.5, True, None], "b": (-3, "x")} as protocol 2 with memo and MARK/SETITEMS.
  const s = (t: string) => [0x58, t.length, 0, 0, 0, ...enc.encode(t)];
  const f = new Uint8Array(9);
  f[0] = 0x47;
  new DataView(f.buffer).setFloat64(1, 2.5, false);
  const bytes = new Uint8Array([
    0x80,
    2,
    0x7d,
    0x71,
    0,
    0x28,
    ...s("a"),
    0x5d,
    0x71,
    1,
    0x28,
    0x4b,
    1,
    ...f,
    0x88,
    0x4e,
    0x65,
    ...s("b"),
    0x4a,
    0xfd,
    0xff,
    0xff,
    0xff,
    0x8c,
    1,
    0x78,
    0x86,
    0x75,
    0x2e,
  ]);
  const { value } = unpickle(bytes);
  assert.deepEqual(
    value,
    new Map<unknown, unknown>([["a", [1, 2.5, true, null]], ["b", [-3, "x"]]]),
  );
});

Deno.test("importWeights() refuses a state dict of an unknown architecture, listing keys", async () => {
  const bytes = await editSafetensors((h) => {
    for (const k of Object.keys(h)) {
      if (k.startsWith("features.")) {
        h[k.replace("features.", "encoder.")] = h[k];
        delete h[k];
      }
    }
  });
  await refuse(bytes, /unknown architecture: expected VGG-19 or ResNet-50 keys .*found encoder\./);
});

Deno.test("unpickle() refuses a negative or overlong length instead of seeking backwards", () => {
  // PROTO 2, BINSTRING with int32 length -5 (fb ff ff ff), STOP: the length would move the
  // read position 5 bytes back to the PROTO opcode and loop (issue 11: 20-45 s, then a crash).
  const negative = new Uint8Array([0x80, 0x02, 0x54, 0xfb, 0xff, 0xff, 0xff, 0x2e]);
  const t0 = performance.now();
  assert.throws(() => unpickle(negative), (e: Error) => {
    assert.ok(e instanceof PickleError, `${e.name}: ${e.message}`);
    assert.match(e.message, /length -5/);
    return true;
  });
  assert.ok(performance.now() - t0 < 1000, "refused at once, not after a spin");
  // Lengths past the end: BINUNICODE says 1000 bytes with 2 left, FRAME says 2^40 bytes.
  const long = new Uint8Array([0x80, 0x02, 0x58, 0xe8, 0x03, 0, 0, 0x61, 0x2e]);
  assert.throws(() => unpickle(long), /length 1000 .*only 2 bytes? remain/);
  const frame = new Uint8Array([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 1, 0, 0, 0x2e]);
  assert.throws(() => unpickle(frame), /FRAME length .*remain/);
});

Deno.test("importWeights() refuses a zip checkpoint whose data.pkl has a negative BINSTRING", async () => {
  const bytes = await editPickle(
    "resnet50_torchvision.pth",
    () => new Uint8Array([0x80, 0x02, 0x54, 0xfb, 0xff, 0xff, 0xff, 0x2e]),
  );
  const t0 = performance.now();
  await refuse(bytes, /length -5/, PickleError);
  assert.ok(performance.now() - t0 < 5000, "refused at once, not after a spin");
});
