/**
 * createApp(deps) builds the whole HTTP surface as a Hono app: the JSON API under /api, model
 * files under /models, permalink pages under /g and the built client at /. main.ts only
 * serves it; tests call app.request() or serve it on loopback.
 */
import { PRESETS } from "../shared/presets.ts";
import { describeIssues, PresetSchema } from "../shared/types.ts";
import type { ServeEnv, ServerContext } from "./context.ts";
import { Hono } from "./deps.ts";
import { errorHandler, errorResponse } from "./errors.ts";
import { ImagePool } from "./image_pool.ts";
import { type Limits, resolveLimits } from "./limits.ts";
import { KvRateLimiter } from "./rate_limit.ts";
import { adminRoutes } from "./routes/admin.ts";
import { experimentRoutes } from "./routes/experiments.ts";
import { galleryRoutes } from "./routes/gallery.ts";
import { modelRoutes } from "./routes/models.ts";
import { permalinkRoutes } from "./routes/permalink.ts";
import { presetRoutes } from "./routes/presets.ts";
import { staticRoutes } from "./routes/static.ts";
import { hostGuard, parsePublicUrl, sameOriginWrites } from "./origin.ts";
import { securityHeaders } from "./security.ts";
import { GalleryStore } from "./store/gallery_store.ts";
import { createModelStore } from "./store/model_store.ts";

/** Dependencies of createApp. */
export interface AppDeps {
  kv: Deno.Kv;
  modelsDir: string;
  /** Experiment reports (one folder each, with report.html); default "experiments". */
  experimentsDir?: string;
  /** Built client (index.html + hashed assets); default "dist/client". */
  clientDir?: string;
  limits?: Partial<Limits>;
  /**
   * Origin for absolute URLs in pages (og:url, og:image, canonical), e.g.
   * "https://atelier.example"; without it the validated Host header is used.
   */
  publicUrl?: string;
  /** Token of the moderator: un-hide, delete and list the review queue. */
  adminToken?: string;
  /** Take the client address from X-Forwarded-For (only behind a trusted proxy). */
  trustProxy?: boolean;
  now?: () => number;
}

export type AtelierApp = Hono<ServeEnv>;

export function createApp(deps: AppDeps): AtelierApp {
  for (const p of PRESETS) {
    const r = PresetSchema.safeParse(p);
    if (!r.success) throw new TypeError(`Preset "${p.id}" is invalid: ${describeIssues(r.error)}`);
  }
  const now = deps.now ?? Date.now;
  const limits = resolveLimits(deps.limits);
  const ctx: ServerContext = {
    gallery: new GalleryStore(deps.kv, now),
    models: createModelStore(deps.modelsDir, { now }),
    limits,
    writes: new KvRateLimiter(deps.kv, { perMinute: limits.writesPerMinute, now }),
    images: new ImagePool({ concurrency: limits.imageWorkers }),
    adminToken: deps.adminToken || undefined,
    clientDir: deps.clientDir ?? "dist/client",
    trustProxy: deps.trustProxy ?? false,
    publicOrigin: deps.publicUrl ? parsePublicUrl(deps.publicUrl) : undefined,
    now,
  };

  const app = new Hono<ServeEnv>();
  app.use(securityHeaders());
  app.use(hostGuard());
  app.use(sameOriginWrites(ctx.publicOrigin));
  const models = modelRoutes(ctx);
  app.route("/api/models", models.api);
  app.route("/models", models.files);
  app.route("/api/presets", presetRoutes());
  app.route("/api/gallery", galleryRoutes(ctx));
  app.route("/api/admin", adminRoutes(ctx));
  app.route("/g", permalinkRoutes(ctx));
  const experiments = experimentRoutes(deps.experimentsDir ?? "experiments");
  app.route("/api/experiments", experiments.api);
  app.route("/experiments", experiments.files);
  app.route("/", staticRoutes(ctx));
  app.notFound((c) => errorResponse(c, 404, "not_found", `Nothing at ${c.req.path.slice(0, 200)}`));
  app.onError(errorHandler);
  return app;
}
