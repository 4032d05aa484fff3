/** GET /api/presets: per-architecture defaults and the named presets (validated in createApp). */
import { ARCH_DEFAULTS, PRESETS } from "../../shared/presets.ts";
import type { ServeEnv } from "../context.ts";
import { Hono } from "../deps.ts";
import { methodNotAllowed } from "../errors.ts";

export function presetRoutes(): Hono<ServeEnv> {
  const app = new Hono<ServeEnv>();
  const body = JSON.stringify({ defaults: ARCH_DEFAULTS, presets: PRESETS });
  app.get("/", (c) => {
    c.header("Cache-Control", "no-cache");
    c.header("Content-Type", "application/json");
    return c.body(body);
  });
  app.all("/", () => methodNotAllowed("GET, HEAD"));
  return app;
}
