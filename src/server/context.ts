/** What every route module gets from createApp: the stores, the limits and the clock. */
import { type Context, HTTPException } from "./deps.ts";
import { sha256Hex, timingSafeEqual } from "./hash.ts";
import type { ImagePool } from "./image_pool.ts";
import type { Limits } from "./limits.ts";
import type { KvRateLimiter } from "./rate_limit.ts";
import type { GalleryStore } from "./store/gallery_store.ts";
import type { ModelStore } from "./store/model_store.ts";

export interface ServerContext {
  gallery: GalleryStore;
  models: ModelStore;
  limits: Limits;
  writes: KvRateLimiter;
  /** Decodes uploads in workers, a few at a time. */
  images: ImagePool;
  /** The moderator's token (--admin-token / ADMIN_TOKEN); undefined: no admin. */
  adminToken?: string;
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
 * The client's address: the socket peer, or with trustProxy the LAST X-Forwarded-For hop, the
 * one our proxy appended. Earlier hops are written by the client and prove nothing (issue 11).
 * app.request() in tests has no peer, so it counts as "local".
 */
export function clientAddress(c: Context<ServeEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (fwd) return fwd;
  }
  return c.env?.remoteAddr?.hostname ?? "local";
}

/** The `Authorization: Bearer <token>` of a request, if any. */
export function bearerToken(c: Context): string | undefined {
  return /^Bearer\s+(\S{1,200})$/i.exec(c.req.header("authorization") ?? "")?.[1];
}

/** Whether `token` is the admin token (compared as sha256 digests, in constant time). */
export async function isAdmin(ctx: ServerContext, token: string | undefined): Promise<boolean> {
  if (!ctx.adminToken || !token) return false;
  return timingSafeEqual(await sha256Hex(token), await sha256Hex(ctx.adminToken));
}

/** Throws 403 unless the request carries the admin token. */
export async function requireAdmin(ctx: ServerContext, c: Context): Promise<void> {
  if (!(await isAdmin(ctx, bearerToken(c)))) {
    throw new HTTPException(403, { message: "This needs the admin token as a Bearer token" });
  }
}
