/**
 * Per-client token buckets for gallery writes. In memory, per process: a restart refills every
 * bucket and several server processes each count separately (fine for one edge process; put a
 * shared limiter in front for more). Buckets idle long enough to be full are dropped.
 */

export interface TokenBucketOptions {
  /** Tokens added per minute, and the bucket size (a burst of a full minute is allowed). */
  perMinute: number;
  now?: () => number;
}

export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private readonly now: () => number;

  constructor(readonly opts: TokenBucketOptions) {
    this.perMs = opts.perMinute / 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Takes one token: 0 when allowed, otherwise the seconds until one is available. */
  take(client: string): number {
    const now = this.now();
    const cap = this.opts.perMinute;
    const b = this.buckets.get(client) ?? { tokens: cap, at: now };
    b.tokens = Math.min(cap, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.set(client, b);
    if (this.buckets.size > 10_000) this.prune(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return this.perMs > 0 ? Math.ceil((1 - b.tokens) / this.perMs / 1000) : 60;
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.opts.perMinute) this.buckets.delete(k);
    }
  }
}
