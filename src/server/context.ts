/** What every route module gets from createApp: the stores, the limits and the clock. */
import type { Context } from "./deps.ts";
import type { Limits } from "./limits.ts";
import type { TokenBuckets } from "./rate_limit.ts";
import type { GalleryStore } from "./store/gallery_store.ts";
import type { ModelStore } from "./store/model_store.ts";

export interface ServerContext {
  gallery: GalleryStore;
  models: ModelStore;
  limits: Limits;
  writes: TokenBuckets;
  clientDir: string;
  trustProxy: boolean;
  /** Configured public origin (--public-url); undefined: the validated Host. */
  publicOrigin?: string;
  now: () => number;
}

/** Bindings that main.ts passes to app.fetch: the peer address from Deno.serve. */
export interface ServeEnv {
  Bindings: { remoteAddr?: Deno.NetAddr };
}

/**
 * The client's address: the socket peer, or with trustProxy the first X-Forwarded-For hop.
 * app.request() in tests has no peer, so it counts as "local".
 */
export function clientAddress(c: Context<ServeEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (fwd) return fwd;
  }
  return c.env?.remoteAddr?.hostname ?? "local";
}
