/**
 * Clean-up of what crashed uploads and deletes leave in KV, for GalleryStore (private to store/).
 */
import type { InputBlob } from "./_inputs.ts";
import {
  afterChunks,
  afterInputChunks,
  CHUNK_PREFIX,
  chunkPrefix,
  entryKey,
  INPUT_CHUNK_PREFIX,
  inputChunkPrefix,
  inputKey,
  PENDING_PREFIX,
  pendingKey,
} from "./keys.ts";

/** Deletes every key under `prefix`, 100 per commit; returns how many went. */
export async function deletePrefix(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  while (true) {
    const keys: Deno.KvKey[] = [];
    for await (const e of kv.list({ prefix }, { limit: 100 })) keys.push(e.key);
    if (!keys.length) return n;
    const op = kv.atomic();
    for (const k of keys) op.delete(k);
    await op.commit();
    n += keys.length;
  }
}

/**
 * Removes chunks of a pending upload older than `maxAgeMs`, chunks whose id has neither an
 * entry nor a pending marker, and input chunks of a generation that is neither its input's
 * record nor a pending upload. Returns the number of ids and input generations cleaned.
 */
export async function sweepAbandoned(
  kv: Deno.Kv,
  maxAgeMs: number,
  now: () => number,
): Promise<number> {
  let cleaned = 0;
  for await (const p of kv.list<{ startedAt: number }>({ prefix: PENDING_PREFIX })) {
    if (now() - p.value.startedAt < maxAgeMs) continue;
    const id = p.key[2] as string;
    if (!(await kv.get(entryKey(id))).versionstamp) await deletePrefix(kv, chunkPrefix(id));
    await kv.atomic().check(p).delete(p.key).commit();
    cleaned++;
  }
  let start: Deno.KvKey | undefined;
  while (true) {
    const sel = start ? { prefix: CHUNK_PREFIX, start } : { prefix: CHUNK_PREFIX };
    const [first] = await Array.fromAsync(kv.list(sel, { limit: 1 }));
    if (!first) return cleaned + await sweepInputs(kv);
    const id = first.key[2] as string;
    const [entry, pending] = await kv.getMany([entryKey(id), pendingKey(id)]);
    if (!entry.versionstamp && !pending.versionstamp) {
      await deletePrefix(kv, chunkPrefix(id));
      cleaned++;
    }
    start = afterChunks(id); // the next list starts at the following id
  }
}

/** Input chunks whose generation lost a race or outlived its record, with no upload pending. */
async function sweepInputs(kv: Deno.Kv): Promise<number> {
  let cleaned = 0;
  let start: Deno.KvKey | undefined;
  while (true) {
    const sel = start ? { prefix: INPUT_CHUNK_PREFIX, start } : { prefix: INPUT_CHUNK_PREFIX };
    const [first] = await Array.fromAsync(kv.list(sel, { limit: 1 }));
    if (!first) return cleaned;
    const sha = first.key[2] as string;
    const gen = first.key[3] as string;
    const [input, pending] = await kv.getMany<[InputBlob, unknown]>([
      inputKey(sha),
      pendingKey(gen),
    ]);
    if (input.value?.gen !== gen && !pending.versionstamp) {
      await deletePrefix(kv, inputChunkPrefix(sha, gen));
      cleaned++;
    }
    start = afterInputChunks(sha, gen);
  }
}
