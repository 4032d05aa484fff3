/**
 * The gallery in Deno KV (key shapes: keys.ts).
 *
 * KV values are limited to 64 KiB and an atomic commit to ~800 KB, so bytes are split into
 * 60 000-byte chunks written ten per commit. A pending marker (with its start time) is written
 * before the chunks; the entry, its indexes and the removal of the marker happen in ONE final
 * commit that checks the id is new. A crash therefore leaves at most chunks plus a marker, never
 * a half entry, and sweep() removes those once they are older than sweepAgeMs. Input images
 * (_inputs.ts) are stored once per content hash and counted in that same final commit.
 *
 * Reports never delete: at `reportsToHide` distinct reporters an entry is hidden (its list
 * indexes go) and queued for review; its owner or an admin can un-hide it, and only the owner's
 * or an admin's delete removes it (_moderation.ts).
 */
import type { Recipe } from "../../shared/types.ts";
import { timingSafeEqual } from "../hash.ts";
import {
  addInputRefs,
  distinctInputs,
  dropGenerations,
  type EntryInputs,
  getInput,
  type InputBlob,
  type InputRef,
  type NewInput,
  readInput,
  releaseInputRefs,
} from "./_inputs.ts";
import { reportEntry, reviewQueue, unhideEntry } from "./_moderation.ts";
import { deletePrefix, sweepAbandoned } from "./_sweep.ts";
import {
  type BlobPart,
  chunkPrefix,
  entryKey,
  GALLERY_PREFIX,
  pendingKey,
  reportPrefix,
  reviewKey,
  tagKey,
  tagPrefix,
  TIME_PREFIX,
  timeKey,
} from "./keys.ts";

export type { BlobPart, EntryInputs, InputBlob, InputRef, NewInput };

export const CHUNK_BYTES = 60_000;
/** 10 x 60 000 bytes = 600 kB per commit, under the ~800 KB atomic limit with room for keys. */
const CHUNKS_PER_COMMIT = 10;

export interface StoredBlob {
  type: string;
  width: number;
  height: number;
  bytes: number;
  chunks: number;
  sha256: string;
}

/** What a list shows: denormalised into the index values so a page is one range read. */
export interface GallerySummary {
  id: string;
  title: string;
  createdAt: number;
  backbone: string;
  architecture: string | null;
  width: number;
  height: number;
}

export interface GalleryRecord extends GallerySummary {
  recipe: Recipe;
  tags: string[];
  image: StoredBlob;
  thumb: StoredBlob;
  tokenHash: string;
  reports: number;
  hidden: boolean;
  /** When reports hid the entry (ms); absent while visible. */
  hiddenAt?: number;
  /** The photo (null: private) and paintings it was made from; absent on older entries. */
  inputs?: EntryInputs<InputRef>;
}

/** One entry waiting for review: hidden by reports. */
export interface ReviewItem extends GallerySummary {
  reports: number;
  hiddenAt: number;
}

export interface NewEntry {
  record: GalleryRecord;
  image: Uint8Array;
  thumb: Uint8Array;
  /** Re-encoded inputs; their refs must match record.inputs. */
  inputs?: EntryInputs<NewInput>;
}

export interface ListPage {
  items: GallerySummary[];
  nextCursor: string | null;
}

export interface ReportResult {
  counted: boolean;
  hidden: boolean;
}

export function summaryOf(r: GalleryRecord): GallerySummary {
  const { id, title, createdAt, backbone, architecture, width, height } = r;
  return { id, title, createdAt, backbone, architecture, width, height };
}

/** List pages are cached this long (ms) and dropped on every write through this store. */
const PAGE_TTL_MS = 1000;

export class GalleryStore {
  /**
   * Read-through cache of list pages: the gallery list is the hottest read. Writes through this
   * instance clear it at once; the TTL bounds staleness if another process writes the same KV.
   */
  private pages = new Map<string, { at: number; page: ListPage }>();

  private generation = 0;

  constructor(readonly kv: Deno.Kv, readonly now: () => number = Date.now) {}

  private invalidate(): void {
    this.generation++;
    this.pages.clear();
  }

  /**
   * Writes chunks, then the entry, its indexes and its inputs' reference counts atomically;
   * false when the id is taken. An input already stored is only counted, not written again.
   */
  async put(entry: NewEntry): Promise<boolean> {
    const { record } = entry;
    const id = record.id;
    const mark = await this.kv.atomic()
      .check({ key: entryKey(id), versionstamp: null })
      .check({ key: pendingKey(id), versionstamp: null })
      .set(pendingKey(id), { startedAt: this.now() })
      .commit();
    if (!mark.ok) return false;
    const inputs = distinctInputs(entry.inputs);
    /** Inputs whose chunks this upload wrote under gen = id. */
    const wrote = new Set<string>();
    let stored: Deno.KvEntryMaybe<InputBlob>[] | undefined;
    try {
      await this.writeChunks(chunkPrefix(id, "image"), entry.image);
      await this.writeChunks(chunkPrefix(id, "thumb"), entry.thumb);
      const summary = summaryOf(record);
      for (let attempt = 0; attempt < 10; attempt++) {
        const op = this.kv.atomic()
          .check({ key: entryKey(id), versionstamp: null })
          .check({ key: pendingKey(id), versionstamp: mark.versionstamp })
          .set(entryKey(id), record)
          .set(timeKey(record), summary)
          .delete(pendingKey(id));
        for (const tag of record.tags) op.set(tagKey(tag, record), summary);
        const read = await addInputRefs(this.kv, op, inputs, {
          id,
          wrote,
          chunkBytes: CHUNK_BYTES,
          write: (prefix, bytes) => this.writeChunks(prefix, bytes),
        });
        // Not ok: an input record changed under us, so read the counts again.
        if ((await op.commit()).ok) {
          stored = read;
          break;
        }
      }
      if (!stored) throw new Error(`gallery: entry ${id} kept conflicting on its inputs`);
    } catch (e) {
      await deletePrefix(this.kv, chunkPrefix(id)).catch(() => {});
      await dropGenerations(this.kv, [...wrote].map((sha) => [sha, id])).catch(() => {});
      await this.kv.delete(pendingKey(id)).catch(() => {});
      throw e;
    }
    this.invalidate();
    // Committed. Chunks written before another upload of the same bytes created the record
    // first are unused; if this clean-up fails, sweep() removes them.
    const lost = stored.filter((r) => r.value && wrote.has(r.key[2] as string));
    await dropGenerations(this.kv, lost.map((r) => [r.key[2] as string, id])).catch(() => {});
    return true;
  }

  private async writeChunks(prefix: Deno.KvKey, bytes: Uint8Array): Promise<void> {
    const n = Math.ceil(bytes.byteLength / CHUNK_BYTES);
    for (let first = 0; first < n; first += CHUNKS_PER_COMMIT) {
      const op = this.kv.atomic();
      for (let i = first; i < Math.min(n, first + CHUNKS_PER_COMMIT); i++) {
        op.set([...prefix, i], bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
      }
      const res = await op.commit();
      if (!res.ok) throw new Error(`gallery: chunk commit under ${prefix.join("/")} failed`);
    }
  }

  /** A visible entry, or null (unknown, or hidden unless `hidden` is set). */
  async get(id: string, opts: { hidden?: boolean } = {}): Promise<GalleryRecord | null> {
    const r = await this.kv.get<GalleryRecord>(entryKey(id));
    return r.value && (opts.hidden || !r.value.hidden) ? r.value : null;
  }

  /** The bytes of an entry's image or thumbnail. */
  async readBlob(record: GalleryRecord, part: BlobPart): Promise<Uint8Array> {
    const out = new Uint8Array(record[part].bytes);
    let at = 0;
    for await (const e of this.kv.list<Uint8Array>({ prefix: chunkPrefix(record.id, part) })) {
      out.set(e.value, at);
      at += e.value.byteLength;
    }
    if (at !== out.byteLength) throw new Error(`gallery: ${record.id} ${part} is incomplete`);
    return out;
  }

  /** A stored input image (used by at least one entry) and its bytes, or null. */
  async input(sha256: string): Promise<{ blob: InputBlob; bytes: Uint8Array } | null> {
    const r = await getInput(this.kv, sha256);
    if (!r.value) return null;
    return { blob: r.value, bytes: await readInput(this.kv, r.value) };
  }

  /** Newest first; `tag` restricts to one net id or architecture. Throws on a bad cursor. */
  async list(opts: { limit: number; cursor?: string; tag?: string }): Promise<ListPage> {
    const key = `${opts.tag ?? ""}\n${opts.limit}\n${opts.cursor ?? ""}`;
    const hit = this.pages.get(key);
    if (hit && this.now() - hit.at < PAGE_TTL_MS) return hit.page;
    const gen = this.generation;
    const page = await this.listUncached(opts);
    // A write that landed while this page was read makes it stale: do not cache it.
    if (gen !== this.generation) return page;
    if (this.pages.size >= 1000) this.pages.clear();
    this.pages.set(key, { at: this.now(), page });
    return page;
  }

  private async listUncached(
    opts: { limit: number; cursor?: string; tag?: string },
  ): Promise<ListPage> {
    const prefix = opts.tag ? tagPrefix(opts.tag) : TIME_PREFIX;
    const it = this.kv.list<GallerySummary>({ prefix }, {
      reverse: true,
      limit: opts.limit + 1,
      cursor: opts.cursor || undefined,
    });
    const items: GallerySummary[] = [];
    let cursor = "";
    let more = false;
    for await (const e of it) {
      if (items.length === opts.limit) {
        more = true;
        break;
      }
      items.push(e.value);
      cursor = it.cursor;
    }
    return { items, nextCursor: more ? cursor : null };
  }

  /**
   * Deletes an entry, visible or hidden, when `tokenHash` matches its delete token or `admin`
   * is set: "deleted", "forbidden" or "not_found". The entry, its indexes, its review item and
   * its inputs' reference counts go in one commit guarded by the versionstamps of the entry and
   * of each input record; an input no other entry uses loses its record there. Chunks and
   * reports follow (sweep catches a crash).
   */
  async delete(
    id: string,
    tokenHash: string,
    opts: { admin?: boolean } = {},
  ): Promise<"deleted" | "forbidden" | "not_found"> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const r = await this.kv.get<GalleryRecord>(entryKey(id));
      if (!r.value) return "not_found";
      if (!opts.admin && !timingSafeEqual(r.value.tokenHash, tokenHash)) return "forbidden";
      let op = this.kv.atomic().check(r).delete(entryKey(id)).delete(timeKey(r.value));
      for (const tag of r.value.tags) op = op.delete(tagKey(tag, r.value));
      if (r.value.hiddenAt !== undefined) op = op.delete(reviewKey(r.value.hiddenAt, id));
      const freed = await releaseInputRefs(this.kv, op, [
        ...distinctInputs(r.value.inputs).keys(),
      ]);
      if (!(await op.commit()).ok) continue;
      this.invalidate();
      await deletePrefix(this.kv, chunkPrefix(id));
      await deletePrefix(this.kv, reportPrefix(id));
      await dropGenerations(this.kv, freed);
      return "deleted";
    }
    throw new Error(`gallery: delete of ${id} kept conflicting`);
  }

  /**
   * Counts one report per client; at `toHide` reports hides the entry (drops its list indexes)
   * and queues it for review. Nothing is deleted.
   */
  async report(id: string, client: string, toHide: number): Promise<ReportResult | null> {
    const r = await reportEntry(this.kv, id, { client, toHide, clock: this.now });
    if (r?.hidden) this.invalidate();
    return r;
  }

  /**
   * Un-hides an entry when `tokenHash` matches its delete token or `admin` is set: "restored",
   * "forbidden", "not_found" or "visible" (nothing to do). Its indexes come back and its review
   * item goes in one commit; the report count restarts at 0 while the reporters' keys stay, so
   * the same clients cannot hide it again.
   */
  async unhide(
    id: string,
    tokenHash: string,
    opts: { admin?: boolean } = {},
  ): Promise<"restored" | "forbidden" | "not_found" | "visible"> {
    const r = await unhideEntry(this.kv, id, tokenHash, opts);
    if (r === "restored") this.invalidate();
    return r;
  }

  /** The review queue: entries hidden by reports, oldest first (at most `limit`). */
  reviewQueue(limit = 100): Promise<ReviewItem[]> {
    return reviewQueue(this.kv, limit);
  }

  /**
   * Removes what crashed uploads and deletes left behind (see sweepAbandoned in _sweep.ts);
   * returns the number of ids cleaned.
   */
  sweep(maxAgeMs: number): Promise<number> {
    return sweepAbandoned(this.kv, maxAgeMs, this.now);
  }

  /** Every key under ["gallery"], grouped by kind; for consistency checks in tests. */
  async census(): Promise<Record<string, Deno.KvKey[]>> {
    const out: Record<string, Deno.KvKey[]> = {};
    for await (const e of this.kv.list({ prefix: GALLERY_PREFIX })) {
      (out[e.key[1] as string] ??= []).push(e.key);
    }
    return out;
  }
}
