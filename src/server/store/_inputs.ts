/**
 * Input images of gallery entries (the photo and the paintings), stored once per content hash
 * for GalleryStore (private to store/). A record ["gallery", "input", sha] counts the entries
 * that use it; its bytes are chunks under (sha, gen), where gen is the id of the entry whose
 * upload first wrote them. Because each generation has its own keys, removing the chunks of a
 * record whose count reached 0 can never delete the chunks of a newer upload of the same bytes.
 */
import { deletePrefix } from "./_sweep.ts";
import { inputChunkPrefix, inputKey } from "./keys.ts";

/** An input as an entry records it. */
export interface InputRef {
  sha256: string;
  type: string;
  width: number;
  height: number;
  bytes: number;
}

/** The stored record of one input image. */
export interface InputBlob extends InputRef {
  chunks: number;
  /** Id of the entry whose upload wrote the chunks. */
  gen: string;
  /** Entries that use these bytes (each entry counts once, even with the image twice). */
  refs: number;
}

/** An input of an upload: its reference and its re-encoded bytes. */
export interface NewInput {
  ref: InputRef;
  bytes: Uint8Array;
}

/** The inputs of an entry: `content` is null when the photo is private. */
export interface EntryInputs<T> {
  content: T | null;
  styles: T[];
}

/** Distinct inputs of an entry, by hash. */
export function distinctInputs<T extends { sha256: string } | NewInput>(
  inputs: EntryInputs<T> | undefined,
): Map<string, T> {
  const out = new Map<string, T>();
  if (!inputs) return out;
  for (const x of [inputs.content, ...inputs.styles]) {
    if (x) out.set("ref" in x ? x.ref.sha256 : x.sha256, x);
  }
  return out;
}

/**
 * Adds to `op` what entry `id` needs of its inputs: a check on each input record as read now,
 * and its count + 1, or a new record for bytes not stored yet, whose chunks are written first
 * under gen = id (through `write`; their hashes go into `wrote`). Returns the records read.
 */
export async function addInputRefs(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  inputs: Map<string, NewInput>,
  opts: {
    id: string;
    wrote: Set<string>;
    chunkBytes: number;
    write: (prefix: Deno.KvKey, bytes: Uint8Array) => Promise<void>;
  },
): Promise<Deno.KvEntryMaybe<InputBlob>[]> {
  const stored = await kv.getMany<InputBlob[]>([...inputs.keys()].map(inputKey));
  for (const r of stored) {
    const sha = r.key[2] as string;
    op.check(r);
    if (r.value) {
      op.set(r.key, { ...r.value, refs: r.value.refs + 1 });
      continue;
    }
    const input = inputs.get(sha)!;
    if (!opts.wrote.has(sha)) {
      await opts.write(inputChunkPrefix(sha, opts.id), input.bytes);
      opts.wrote.add(sha);
    }
    const blob: InputBlob = {
      ...input.ref,
      chunks: Math.ceil(input.bytes.byteLength / opts.chunkBytes),
      gen: opts.id,
      refs: 1,
    };
    op.set(r.key, blob);
  }
  return stored;
}

/**
 * Adds to `op` the release of inputs `shas` by one entry: a check on each record, its count
 * - 1, or its deletion at 0. Returns the (sha, gen) chunks to remove once `op` has committed.
 */
export async function releaseInputRefs(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  shas: string[],
): Promise<[string, string][]> {
  const stored = await kv.getMany<InputBlob[]>(shas.map(inputKey));
  const freed: [string, string][] = [];
  for (const s of stored) {
    op.check(s);
    if (!s.value) continue; // never counted: nothing to release
    if (s.value.refs > 1) op.set(s.key, { ...s.value, refs: s.value.refs - 1 });
    else {
      op.delete(s.key);
      freed.push([s.value.sha256, s.value.gen]);
    }
  }
  return freed;
}

/** The bytes of a stored input. */
export async function readInput(kv: Deno.Kv, blob: InputBlob): Promise<Uint8Array> {
  const out = new Uint8Array(blob.bytes);
  let at = 0;
  for await (const e of kv.list<Uint8Array>({ prefix: inputChunkPrefix(blob.sha256, blob.gen) })) {
    out.set(e.value, at);
    at += e.value.byteLength;
  }
  if (at !== out.byteLength) throw new Error(`gallery: input ${blob.sha256} is incomplete`);
  return out;
}

export const getInput = async (kv: Deno.Kv, sha256: string) =>
  await kv.get<InputBlob>(inputKey(sha256));

/** Removes the chunks of generations that lost a race or whose record went. */
export async function dropGenerations(kv: Deno.Kv, gens: [string, string][]): Promise<void> {
  for (const [sha, gen] of gens) await deletePrefix(kv, inputChunkPrefix(sha, gen));
}
