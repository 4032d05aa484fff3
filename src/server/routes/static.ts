/**
 * The built client at /: index.html (no-cache, so a new build is picked up at once) and its
 * content-hashed assets (immutable). Without a build, / explains how to make one.
 */
import type { ServeEnv, ServerContext } from "../context.ts";
import { Hono } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { fileBody } from "../file_body.ts";
import { clientPath, contentType, isHashed } from "../client_dir.ts";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atelier: client not built</title></head>
<body><h1>Atelier</h1><p>The studio client is not built. Run <code>deno task build</code>
and reload this page. The API is up: <a href="/api/models">/api/models</a>.</p></body></html>
`;

export function staticRoutes(ctx: ServerContext): Hono<ServeEnv> {
  const app = new Hono<ServeEnv>();
  app.get("/", async (c) => {
    c.header("Cache-Control", "no-cache");
    try {
      return c.html(await Deno.readTextFile(`${ctx.clientDir}/index.html`));
    } catch {
      return c.html(NOT_BUILT);
    }
  });
  app.get("/:file", async (c) => {
    const name = c.req.param("file");
    const path = clientPath(ctx.clientDir, name);
    if (!path) throw new ApiError(404, "not_found", `Nothing at /${name.slice(0, 100)}`);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch {
      throw new ApiError(404, "not_found", `Nothing at /${name}`);
    }
    const stat = await file.stat();
    if (!stat.isFile) {
      file.close();
      throw new ApiError(404, "not_found", `Nothing at /${name}`);
    }
    const size = stat.size;
    c.header("Content-Type", contentType(name));
    c.header("Content-Length", String(size));
    c.header(
      "Cache-Control",
      isHashed(name) ? "public, max-age=31536000, immutable" : "no-cache",
    );
    return fileBody(c, file);
  });
  return app;
}
