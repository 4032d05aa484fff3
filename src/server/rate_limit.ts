/**
 * Per-client write limits in Deno KV, so every server process on the same KV (several local
 * processes, or Deno Deploy isolates in front of the hosted KV) shares one limit. A fixed
 * window of one minute per client: the count is read and written back in one atomic commit
 * guarded by its versionstamp (retried on conflict), and the key expires on its own after two
 * windows, so rotating client addresses leave nothing behind. A fixed window allows up to twice
 * the limit across a window boundary; that is the price of one key per client and minute.
 */
import { sha256Hex } from "./hash.ts";
import { rateKey } from "./store/keys.ts";

export const WINDOW_MS = 60_000;

/** Options of KvRateLimiter. */
export interface RateLimiterOptions {
  /** Requests per client and minute. */
  perMinute: number;
  /** Names the limit in its keys; default "writes". */
  bucket?: string;
  now?: () => number;
}

export class KvRateLimiter {
  private readonly now: () => number;
  private readonly bucket: string;

  constructor(private readonly kv: Deno.Kv, private readonly opts: RateLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.bucket = opts.bucket ?? "writes";
  }

  /** Counts one request of `client`: 0 when allowed, else the seconds until the next window. */
  async take(client: string): Promise<number> {
    const now = this.now();
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const wait = Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
    if (this.opts.perMinute <= 0) return wait;
    // Hashed: the key length stays fixed whatever the client address looks like.
    const key = rateKey(this.bucket, (await sha256Hex(client)).slice(0, 32), start);
    for (let attempt = 0; attempt < 50; attempt++) {
      const cur = await this.kv.get<number>(key);
      const count = cur.value ?? 0;
      if (count >= this.opts.perMinute) return wait;
      const res = await this.kv.atomic().check(cur)
        .set(key, count + 1, { expireIn: 2 * WINDOW_MS })
        .commit();
      if (res.ok) return 0;
    }
    throw new Error(`rate limit: the count of one client kept conflicting`);
  }
}
