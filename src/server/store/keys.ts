/**
 * Every Deno KV key shape of the server, in one place (denoland/saaskit utils/db.ts).
 *
 *   ["gallery", "entry", id]                          -> GalleryRecord
 *   ["gallery", "by_time", createdAt, id]             -> GallerySummary (newest first via reverse)
 *   ["gallery", "by_tag", tag, createdAt, id]         -> GallerySummary (tag: net id, architecture,
 *                                                        or "style:<sha256>" of a painting)
 *   ["gallery", "chunk", id, "image" | "thumb", n]    -> Uint8Array of <= CHUNK_BYTES
 *   ["gallery", "pending", id]                        -> { startedAt } while chunks are written
 *   ["gallery", "report", id, clientHash]             -> reportedAt
 *   ["gallery", "review", hiddenAt, id]               -> GallerySummary of an entry hidden by reports
 *   ["gallery", "input", sha256]                      -> InputBlob: a shared input image (content-
 *                                                        addressed), its chunk generation and refs
 *   ["gallery", "input_chunk", sha256, gen, n]        -> Uint8Array; gen is the id of the entry whose
 *                                                        upload first stored these bytes
 *   ["rate", bucket, clientHash, windowStart]         -> count (expires after two windows)
 */
import type { GallerySummary } from "./gallery_store.ts";

export type BlobPart = "image" | "thumb";

export const entryKey = (id: string): Deno.KvKey => ["gallery", "entry", id];
export const pendingKey = (id: string): Deno.KvKey => ["gallery", "pending", id];
export const PENDING_PREFIX: Deno.KvKey = ["gallery", "pending"];
export const timeKey = (r: GallerySummary): Deno.KvKey => ["gallery", "by_time", r.createdAt, r.id];
export const TIME_PREFIX: Deno.KvKey = ["gallery", "by_time"];
export const tagKey = (tag: string, r: GallerySummary): Deno.KvKey => [
  "gallery",
  "by_tag",
  tag,
  r.createdAt,
  r.id,
];
export const tagPrefix = (tag: string): Deno.KvKey => ["gallery", "by_tag", tag];
export const CHUNK_PREFIX: Deno.KvKey = ["gallery", "chunk"];
export const chunkPrefix = (id: string, part?: BlobPart): Deno.KvKey =>
  part ? ["gallery", "chunk", id, part] : ["gallery", "chunk", id];
/** The key after every chunk of `id` ("~" sorts after "image" and "thumb"). */
export const afterChunks = (id: string): Deno.KvKey => ["gallery", "chunk", id, "~"];
export const reportKey = (id: string, client: string): Deno.KvKey => [
  "gallery",
  "report",
  id,
  client,
];
export const reportPrefix = (id: string): Deno.KvKey => ["gallery", "report", id];
export const reviewKey = (hiddenAt: number, id: string): Deno.KvKey => [
  "gallery",
  "review",
  hiddenAt,
  id,
];
export const REVIEW_PREFIX: Deno.KvKey = ["gallery", "review"];
export const GALLERY_PREFIX: Deno.KvKey = ["gallery"];
export const rateKey = (bucket: string, client: string, windowStart: number): Deno.KvKey => [
  "rate",
  bucket,
  client,
  windowStart,
];
/** Tag of the entries that used the painting whose re-encoded bytes hash to `sha256`. */
export const styleTag = (sha256: string): string => `style:${sha256}`;
export const inputKey = (sha256: string): Deno.KvKey => ["gallery", "input", sha256];
export const INPUT_CHUNK_PREFIX: Deno.KvKey = ["gallery", "input_chunk"];
export const inputChunkPrefix = (sha256: string, gen?: string): Deno.KvKey =>
  gen ? ["gallery", "input_chunk", sha256, gen] : ["gallery", "input_chunk", sha256];
/** The key after every chunk of (`sha256`, `gen`): booleans sort after numbers in KV. */
export const afterInputChunks = (sha256: string, gen: string): Deno.KvKey => [
  "gallery",
  "input_chunk",
  sha256,
  gen,
  true,
];
