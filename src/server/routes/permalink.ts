/**
 * GET /g/:id: a server-rendered permalink page. Crawlers get OpenGraph and Twitter card tags
 * (absolute URLs from the configured public URL, else the validated Host); people get the image, the recipe and a
 * "Remix in the studio" link; the client, when built, boots with the recipe from a JSON script
 * block. Every user string is HTML-escaped and the JSON is escaped for a script element.
 */
import type { Recipe } from "../../shared/types.ts";
import { clientBoot } from "../client_dir.ts";
import type { ServeEnv, ServerContext } from "../context.ts";
import { Hono } from "../deps.ts";
import { ApiError, methodNotAllowed } from "../errors.ts";
import { escapeHtml, jsonForScript } from "../html.ts";
import { requestOrigin } from "../origin.ts";
import type { GalleryRecord } from "../store/gallery_store.ts";
import { GALLERY_ID_RE } from "./_gallery_input.ts";

export function permalinkRoutes(ctx: ServerContext): Hono<ServeEnv> {
  const app = new Hono<ServeEnv>();
  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const record = GALLERY_ID_RE.test(id) ? await ctx.gallery.get(id) : null;
    if (!record) throw new ApiError(404, "not_found", `No gallery entry "${id.slice(0, 40)}"`);
    const origin = requestOrigin(c, ctx.publicOrigin);
    c.header("Cache-Control", "no-cache");
    return c.html(
      renderPermalink(record, { origin, boot: (await clientBoot(ctx.clientDir))?.head }),
    );
  });
  app.all("/:id", () => methodNotAllowed("GET, HEAD"));
  return app;
}

/** One line for og:description: backbone, size and iterations. */
export function describeRecipe(r: Recipe): string {
  const styles = r.styles.length === 1 ? "1 style image" : `${r.styles.length} style images`;
  return `${r.net.id} backbone, ${r.size} px, ${r.iterations} iterations, ${r.optimizer.kind}, ${styles}`;
}

export interface PermalinkOptions {
  /** Public scheme, host and port (see origin.ts), for absolute og:image URLs. */
  origin: string;
  /** Client stylesheet and script tags, when the client is built. */
  boot?: string;
}

export function renderPermalink(r: GalleryRecord, opts: PermalinkOptions): string {
  const e = escapeHtml;
  const title = e(r.title);
  const desc = e(describeRecipe(r.recipe));
  const image = `${opts.origin}/api/gallery/${r.id}/image`;
  const thumb = `${opts.origin}/api/gallery/${r.id}/thumb`;
  const page = `${opts.origin}/g/${r.id}`;
  const rows: [string, string][] = [
    ["Backbone", `${r.recipe.net.id} (${r.recipe.net.pooling} pooling)`],
    ["Size", `${r.recipe.size} px`],
    ["Iterations", String(r.recipe.iterations)],
    ["Optimizer", r.recipe.optimizer.kind],
    [
      "Weights",
      `content ${r.recipe.weights.content}, style ${r.recipe.weights.style}, tv ${r.recipe.weights.tv}`,
    ],
    ["Style layers", r.recipe.layers.style.map((l) => l.layer).join(", ")],
    ["Content layers", r.recipe.layers.content.map((l) => l.layer).join(", ") || "none"],
    ["Seed", String(r.recipe.seed)],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Atelier</title>
<meta name="description" content="${desc}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Atelier">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${desc}">
<meta property="og:url" content="${e(page)}">
<meta property="og:image" content="${e(image)}">
<meta property="og:image:type" content="${e(r.image.type)}">
<meta property="og:image:width" content="${r.image.width}">
<meta property="og:image:height" content="${r.image.height}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${desc}">
<meta name="twitter:image" content="${e(image)}">
<link rel="canonical" href="${e(page)}">
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}
img{max-width:100%;height:auto;display:block}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
.remix{display:inline-block;margin:1rem 0;padding:.5rem 1rem;background:#234;color:#fff;border-radius:.3rem;text-decoration:none}
</style>
${opts.boot ?? ""}
</head>
<body>
<main>
<article class="permalink">
<h1>${title}</h1>
<a href="${
    e(image)
  }"><img src="/api/gallery/${r.id}/image" width="${r.image.width}" height="${r.image.height}" alt="${title}"></a>
<p><a class="remix" href="/?remix=${r.id}">Remix in the studio</a></p>
<h2>Recipe</h2>
<dl>
${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("\n")}
</dl>
<p><small>Shared ${e(new Date(r.createdAt).toISOString())} · <a href="${
    e(thumb)
  }">thumbnail</a></small></p>
</article>
</main>
<script type="application/json" id="atelier-recipe">${
    jsonForScript({ id: r.id, title: r.title, recipe: r.recipe })
  }</script>
${opts.boot ? `<div id="app"></div>` : ""}
</body>
</html>
`;
}
