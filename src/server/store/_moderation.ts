/**
 * Moderation of gallery entries for GalleryStore (private to store/): reports that hide an
 * entry into the review queue, un-hiding by its owner or the admin, and the queue itself. Each
 * change is one atomic commit guarded by the entry's versionstamp, retried on conflict.
 */
import { timingSafeEqual } from "../hash.ts";
import {
  type GalleryRecord,
  type GallerySummary,
  type ReportResult,
  type ReviewItem,
  summaryOf,
} from "./gallery_store.ts";
import { entryKey, reportKey, REVIEW_PREFIX, reviewKey, tagKey, timeKey } from "./keys.ts";

/**
 * Counts one report per client; at `toHide` reports hides the entry (drops its list indexes)
 * and queues it for review. Nothing is deleted.
 */
export async function reportEntry(
  kv: Deno.Kv,
  id: string,
  opts: { client: string; toHide: number; clock: () => number },
): Promise<ReportResult | null> {
  const { client, toHide, clock } = opts;
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await kv.get<GalleryRecord>(entryKey(id));
    if (!r.value || r.value.hidden) return null;
    const rk = reportKey(id, client);
    if ((await kv.get(rk)).versionstamp) return { counted: false, hidden: false };
    const reports = r.value.reports + 1;
    const hidden = reports >= toHide;
    const now = clock();
    const next: GalleryRecord = {
      ...r.value,
      reports,
      hidden,
      ...(hidden ? { hiddenAt: now } : {}),
    };
    let op = kv.atomic().check(r).check({ key: rk, versionstamp: null })
      .set(rk, now).set(entryKey(id), next);
    if (hidden) {
      op = op.delete(timeKey(r.value)).set(reviewKey(now, id), summaryOf(r.value));
      for (const tag of r.value.tags) op = op.delete(tagKey(tag, r.value));
    }
    if ((await op.commit()).ok) return { counted: true, hidden };
  }
  throw new Error(`gallery: report on ${id} kept conflicting`);
}

/**
 * Un-hides an entry when `tokenHash` matches its delete token or `admin` is set: "restored",
 * "forbidden", "not_found" or "visible" (nothing to do). Its indexes come back and its review
 * item goes in one commit; the report count restarts at 0 while the reporters' keys stay, so
 * the same clients cannot hide it again.
 */
export async function unhideEntry(
  kv: Deno.Kv,
  id: string,
  tokenHash: string,
  opts: { admin?: boolean } = {},
): Promise<"restored" | "forbidden" | "not_found" | "visible"> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await kv.get<GalleryRecord>(entryKey(id));
    if (!r.value) return "not_found";
    if (!opts.admin && !timingSafeEqual(r.value.tokenHash, tokenHash)) return "forbidden";
    if (!r.value.hidden) return "visible";
    const { hiddenAt, ...rest } = r.value;
    const record: GalleryRecord = { ...rest, hidden: false, reports: 0 };
    const summary = summaryOf(record);
    let op = kv.atomic().check(r).set(entryKey(id), record).set(timeKey(record), summary);
    for (const tag of record.tags) op = op.set(tagKey(tag, record), summary);
    if (hiddenAt !== undefined) op = op.delete(reviewKey(hiddenAt, id));
    if ((await op.commit()).ok) return "restored";
  }
  throw new Error(`gallery: unhide of ${id} kept conflicting`);
}

/** The review queue: entries hidden by reports, oldest first (at most `limit`). */
export async function reviewQueue(kv: Deno.Kv, limit: number): Promise<ReviewItem[]> {
  const out: ReviewItem[] = [];
  for await (const e of kv.list<GallerySummary>({ prefix: REVIEW_PREFIX }, { limit })) {
    const r = await kv.get<GalleryRecord>(entryKey(e.value.id));
    if (!r.value?.hidden) continue;
    out.push({ ...summaryOf(r.value), reports: r.value.reports, hiddenAt: e.key[2] as number });
  }
  return out;
}
