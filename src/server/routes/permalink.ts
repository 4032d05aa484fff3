/**
 * GET /g/:id: a server-rendered permalink page, complete on its own (the studio is not mounted
 * under it). The result fills the viewport with a before/after slider over the shared photo,
 * the photo (or a note that it is private) and the paintings beside it, the recipe, and
 * "Remix" / "Open in studio" links. Crawlers get OpenGraph and Twitter card tags with absolute
 * URLs (the configured public URL, else the validated Host) and the result's own size, so
 * previews keep its aspect ratio. The slider's few lines of script are served from /g/slider.js
 * (the CSP allows only same-origin scripts). Every user string is HTML-escaped and the embedded
 * JSON is escaped for a script element.
 */
import type { Recipe } from "../../shared/types.ts";
import type { ServeEnv, ServerContext } from "../context.ts";
import { Hono } from "../deps.ts";
import { ApiError, methodNotAllowed } from "../errors.ts";
import { escapeHtml, jsonForScript } from "../html.ts";
import { requestOrigin } from "../origin.ts";
import type { GalleryRecord, InputRef } from "../store/gallery_store.ts";
import { GALLERY_ID_RE } from "./_gallery_input.ts";
import { inputUrl } from "./gallery.ts";

/** Moves the before/after divider: the range input writes --pos on its figure. */
export const SLIDER_JS = `for (const r of document.querySelectorAll("input[data-compare]")) {
  const box = document.getElementById(r.dataset.compare);
  const set = () => box.style.setProperty("--pos", r.value + "%");
  r.addEventListener("input", set);
  set();
}
`;

export function permalinkRoutes(ctx: ServerContext): Hono<ServeEnv> {
  const app = new Hono<ServeEnv>();
  // Not an id (ids are 22 characters), so it cannot shadow an entry.
  app.get("/slider.js", (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(SLIDER_JS);
  });
  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const record = GALLERY_ID_RE.test(id) ? await ctx.gallery.get(id) : null;
    if (!record) throw new ApiError(404, "not_found", `No gallery entry "${id.slice(0, 40)}"`);
    const origin = requestOrigin(c, ctx.publicOrigin);
    c.header("Cache-Control", "no-cache");
    return c.html(renderPermalink(record, { origin }));
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
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
.bar{display:flex;gap:1rem;align-items:baseline;padding:.5rem 1rem;background:#234;color:#fff}
.bar a{color:#fff}
.bar .home{font-weight:700;text-decoration:none;margin-right:auto}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(16rem,22rem);gap:1.5rem;
  padding:1rem;align-items:start}
@media (max-width:48rem){main{grid-template-columns:minmax(0,1fr)}}
.result{margin:0;min-width:0}
.compare{position:relative;width:min(100%,calc((100vh - 9rem) * var(--ar)));--pos:50%;
  background:#ddd}
.compare img{position:absolute;inset:0;width:100%;height:100%;display:block}
.compare .before{clip-path:inset(0 calc(100% - var(--pos)) 0 0)}
.result input[type=range]{display:block;width:min(100%,calc((100vh - 9rem) * var(--ar)));margin:.5rem 0 0}
.result figcaption{font-size:.85rem;color:#555}
.side{display:flex;flex-direction:column;gap:1rem;min-width:0}
.side h1{margin:0;font-size:1.4rem;overflow-wrap:anywhere}
.side h2{margin:0 0 .5rem;font-size:1rem}
.inputs{display:flex;flex-wrap:wrap;gap:.75rem}
.inputs figure{margin:0;width:9rem}
.inputs img{display:block;max-width:100%;max-height:9rem;height:auto}
.inputs figcaption{font-size:.85rem;overflow-wrap:anywhere}
.private{margin:0;width:9rem;padding:.5rem;border:1px dashed #888;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:0}
.actions a{display:inline-block;padding:.5rem 1rem;border-radius:.3rem;text-decoration:none;
  background:#234;color:#fff}
.actions a.secondary{background:#fff;color:#234;border:1px solid #234}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
small{color:#555}
`;

/** The result with its before/after slider when the photo is shared, else the result alone. */
function resultFigure(r: GalleryRecord, title: string): string {
  const photo = r.inputs?.content;
  const ar = (r.image.width / r.image.height).toFixed(6);
  const after = `<img class="after" src="/api/gallery/${r.id}/image" width="${r.image.width}" ` +
    `height="${r.image.height}" alt="${title}">`;
  const before = photo
    ? `<img class="before" src="${inputUrl(photo.sha256)}" alt="The photo before painting">`
    : "";
  const slider = photo
    ? `<input type="range" min="0" max="100" value="50" data-compare="compare" ` +
      `aria-label="Before and after: slide to show more of the photo">`
    : "";
  const caption = photo
    ? `<figcaption>Left of the line: the photo. Right: the painted result.</figcaption>`
    : "";
  return `<figure class="result" data-box="result" style="--ar:${ar}">
<div class="compare" id="compare" style="aspect-ratio:${r.image.width}/${r.image.height}${
    photo ? "" : ";--pos:0%"
  }">${after}${before}</div>
${slider}${caption}
</figure>`;
}

function inputFigure(x: InputRef, caption: string, more?: string): string {
  return `<figure><a href="${inputUrl(x.sha256)}"><img src="${
    inputUrl(x.sha256)
  }" width="${x.width}" ` +
    `height="${x.height}" alt="${escapeHtml(caption)}"></a><figcaption>${escapeHtml(caption)}${
      more ? `<br>${more}` : ""
    }</figcaption></figure>`;
}

/** Photo and paintings, or why they are missing. */
function inputsSection(r: GalleryRecord): string {
  const inputs = r.inputs;
  if (!inputs) {
    return `<section class="made-from" data-box="inputs"><h2>Made from</h2>
<p>This entry was shared without its images: Remix loads its recipe only.</p></section>`;
  }
  const photo = inputs.content
    ? inputFigure(inputs.content, `Photo: ${r.recipe.content.name}`)
    : `<p class="private" data-testid="photo-private">The photo is private: Remix asks for one of your own.</p>`;
  const paintings = inputs.styles.map((s, i) =>
    inputFigure(
      s,
      `Painting: ${r.recipe.styles[i]?.name ?? `#${i + 1}`}`,
      `<a href="/?view=gallery&amp;style=${s.sha256}">More with this painting</a>`,
    )
  );
  return `<section class="made-from" data-box="inputs"><h2>Made from</h2>
<div class="inputs">${photo}${paintings.join("")}</div></section>`;
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
      `content ${r.recipe.weights.content}, style ${r.recipe.weights.style}, tv ${r.recipe.weights.tv}${
        (r.recipe.tvOrder ?? 1) > 1 ? ` (order ${r.recipe.tvOrder})` : ""
      }`,
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
<meta property="og:image:alt" content="${title}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${desc}">
<meta name="twitter:image" content="${e(image)}">
<link rel="canonical" href="${e(page)}">
<style>${STYLE}</style>
<script src="/g/slider.js" defer></script>
</head>
<body>
<header class="bar" data-box="bar"><a class="home" href="/">Atelier</a>
<a href="/?view=gallery">Gallery</a><a href="/">Studio</a></header>
<main class="permalink">
${resultFigure(r, title)}
<aside class="side">
<h1 data-box="title">${title}</h1>
<p class="actions" data-box="actions"><a class="remix" href="/?remix=${r.id}">Remix</a>
<a class="secondary" href="/">Open in studio</a></p>
${inputsSection(r)}
<section class="recipe" data-box="recipe"><h2>Recipe</h2>
<dl>
${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("\n")}
</dl>
<p><small>Shared ${e(new Date(r.createdAt).toISOString())} · <a href="${
    e(thumb)
  }">thumbnail</a></small></p>
</section>
</aside>
</main>
<script type="application/json" id="atelier-recipe">${
    jsonForScript({ id: r.id, title: r.title, recipe: r.recipe })
  }</script>
</body>
</html>
`;
}
