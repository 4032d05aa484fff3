/**
 * The public gallery API. Uploads are multipart/form-data with an `image` (PNG, JPEG or WebP,
 * re-encoded by image.ts in a worker, image_pool.ts), a `recipe` (JSON, RecipeSchema, at most
 * maxRecipeBytes), an optional `title`, and the inputs that make the entry re-runnable: one
 * `style` file per recipe painting and, only if its owner shares it, the `content` photo.
 * Inputs are re-encoded like results and stored once per sha256 of the re-encoded bytes
 * (GET /inputs/:sha; `?style=<sha>` lists the entries with that painting). The delete token is
 * returned once and only its sha256 is stored. Writes
 * (upload, delete, report, unhide) share one per-client limit kept in KV (rate_limit.ts).
 * Reports hide an entry into a review queue; its owner (delete token) or the admin un-hides it
 * with POST /:id/unhide, and the admin token also deletes (see routes/admin.ts).
 */
import { ARCH_DEFAULTS } from "../../shared/presets.ts";
import { readForm } from "../body.ts";
import {
  bearerToken,
  clientAddress,
  isAdmin,
  type ServeEnv,
  type ServerContext,
} from "../context.ts";
import { type Context, Hono } from "../deps.ts";
import { ApiError, methodNotAllowed } from "../errors.ts";
import {
  idParam,
  ownerToken,
  parseRecipe,
  parseTitle,
  parseUploadInputs,
  SHA256_RE,
  shaParam,
  UPLOAD_FIELDS,
} from "./_gallery_input.ts";
import { randomId, sha256Hex } from "../hash.ts";
import {
  type BlobPart,
  CHUNK_BYTES,
  type GalleryRecord,
  type GallerySummary,
  type InputRef,
  type NewInput,
} from "../store/gallery_store.ts";
import { styleTag } from "../store/keys.ts";
import type { EncodedImage } from "../image.ts";

const TAG_RE = /^[A-Za-z0-9_.:\-/]{1,64}$/;
const CURSOR_RE = /^[A-Za-z0-9_=+/-]{1,512}$/;

export function galleryRoutes(ctx: ServerContext): Hono<ServeEnv> {
  const app = new Hono<ServeEnv>();

  async function takeWrite(c: Context<ServeEnv>): Promise<void> {
    const wait = await ctx.writes.take(clientAddress(c, ctx.trustProxy));
    if (wait > 0) {
      throw new ApiError(429, "rate_limited", `Too many writes: try again in ${wait} s`, {
        headers: { "Retry-After": String(wait) },
      });
    }
  }

  /** The entry of :id; a hidden one only for the admin (who reviews it). */
  async function entryOr404(c: Context<ServeEnv>): Promise<GalleryRecord> {
    const id = idParam(c);
    const record = await ctx.gallery.get(id, { hidden: await isAdmin(ctx, bearerToken(c)) });
    if (!record) throw new ApiError(404, "not_found", `No gallery entry "${id}"`);
    return record;
  }

  app.post("/", async (c) => {
    await takeWrite(c);
    const form = await readForm(c.req.raw, {
      maxBytes: ctx.limits.maxBodyBytes,
      maxParts: ctx.limits.maxFormParts,
    });
    for (const key of form.keys()) {
      if (!UPLOAD_FIELDS.has(key)) {
        throw new ApiError(
          400,
          "bad_request",
          `Unknown form field "${key.slice(0, 40)}": expected ${[...UPLOAD_FIELDS].join(", ")}`,
        );
      }
    }
    const recipe = parseRecipe(form.get("recipe"), ctx.limits.maxRecipeBytes);
    const title = parseTitle(form.get("title"));
    const file = form.get("image");
    if (!(file instanceof File)) {
      throw new ApiError(400, "bad_request", "The form needs an `image` file field");
    }
    const files = parseUploadInputs(form, recipe);
    const { image, thumb } = await ctx.images.process(
      new Uint8Array(await file.arrayBuffer()),
      ctx.limits,
    );
    // Inputs go through the same worker decode and re-encode as the result (metadata stripped,
    // size capped); their thumbnails are not kept.
    const reencode = async (f: File): Promise<NewInput> =>
      newInputOf(
        (await ctx.images.process(new Uint8Array(await f.arrayBuffer()), ctx.limits)).image,
      );
    const styles = await Promise.all(files.styles.map(reencode));
    const content = files.content ? await reencode(files.content) : null;
    const inputs = styles.length ? { content, styles } : undefined;
    const installed = await ctx.models.get(recipe.net.id);
    const architecture = installed?.summary.architecture ??
      // Object.hasOwn: `in` would accept inherited names such as "constructor".
      (Object.hasOwn(ARCH_DEFAULTS, recipe.net.id) ? recipe.net.id : null);
    const token = randomId(32);
    const base = {
      title,
      createdAt: ctx.now(),
      backbone: recipe.net.id,
      architecture,
      width: image.width,
      height: image.height,
      recipe,
      tags: [
        ...new Set([
          recipe.net.id,
          architecture ?? recipe.net.id,
          ...styles.map((s) => styleTag(s.ref.sha256)),
        ]),
      ],
      image: blob(image, await sha256Hex(image.bytes)),
      thumb: blob(thumb, await sha256Hex(thumb.bytes)),
      tokenHash: await sha256Hex(token),
      reports: 0,
      hidden: false,
      ...(inputs
        ? { inputs: { content: inputs.content?.ref ?? null, styles: styles.map((s) => s.ref) } }
        : {}),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = randomId(16);
      const ok = await ctx.gallery.put({
        record: { id, ...base },
        image: image.bytes,
        thumb: thumb.bytes,
        inputs,
      });
      if (!ok) continue;
      c.header("Location", `/api/gallery/${id}`);
      return c.json({ id, permalink: `/g/${id}`, deleteToken: token }, 201);
    }
    throw new Error("gallery: could not find a free id");
  });

  app.get("/", async (c) => {
    const q = c.req.query();
    const limit = q.limit === undefined ? 24 : Number(q.limit);
    if (!/^\d{1,3}$/.test(q.limit ?? "24") || limit < 1 || limit > 50) {
      throw new ApiError(400, "bad_request", `limit is "${q.limit}": expected 1 to 50`);
    }
    if (q.backbone !== undefined && q.backbone !== "" && !TAG_RE.test(q.backbone)) {
      throw new ApiError(400, "bad_request", "backbone must be a net id or an architecture");
    }
    if (q.style !== undefined && q.style !== "" && !SHA256_RE.test(q.style)) {
      throw new ApiError(400, "bad_request", "style must be an input id: 64 lowercase hex digits");
    }
    if (q.style && q.backbone) {
      throw new ApiError(400, "bad_request", "Filter by backbone or by style, not both");
    }
    if (q.cursor !== undefined && q.cursor !== "" && !CURSOR_RE.test(q.cursor)) {
      throw new ApiError(400, "bad_request", "cursor is not one this server returned");
    }
    let page;
    try {
      const tag = q.style ? styleTag(q.style) : q.backbone || undefined;
      page = await ctx.gallery.list({ limit, cursor: q.cursor, tag });
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError || /cursor/i.test(String(e))) {
        throw new ApiError(400, "bad_request", "cursor is not one this server returned");
      }
      throw e;
    }
    c.header("Cache-Control", "no-cache");
    return c.json({ items: page.items.map(listItem), nextCursor: page.nextCursor });
  });
  app.all("/", () => methodNotAllowed("GET, HEAD, POST"));

  app.get("/:id", async (c) => {
    const r = await entryOr404(c);
    c.header("Cache-Control", "no-cache");
    return c.json({
      ...listItem(r),
      recipe: r.recipe,
      image: { url: `/api/gallery/${r.id}/image`, ...publicBlob(r.image) },
      thumb: { url: `/api/gallery/${r.id}/thumb`, ...publicBlob(r.thumb) },
      // null: shared before inputs were stored. content null: the photo is private.
      inputs: r.inputs
        ? {
          content: r.inputs.content && inputItem(r.inputs.content),
          styles: r.inputs.styles.map(inputItem),
        }
        : null,
    });
  });

  // Registered before /:id/... so "inputs" is never read as an entry id.
  app.get("/inputs/:sha", async (c) => {
    const sha = shaParam(c);
    const etag = `"${sha}"`;
    c.header("ETag", etag);
    if (c.req.header("if-none-match")?.split(",").some((t) => t.trim() === etag)) {
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(null, 304);
    }
    const found = await ctx.gallery.input(sha);
    if (!found) throw new ApiError(404, "not_found", `No input image ${sha}`);
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    c.header("Content-Type", found.blob.type);
    c.header("Content-Disposition", "inline");
    return c.body(found.bytes as Uint8Array<ArrayBuffer>);
  });
  app.all("/inputs/:sha", () => methodNotAllowed("GET, HEAD"));

  app.delete("/:id", async (c) => {
    await takeWrite(c);
    const id = idParam(c);
    const token = await ownerToken(c);
    const admin = await isAdmin(ctx, token);
    const result = await ctx.gallery.delete(id, await sha256Hex(token), { admin });
    if (result === "not_found") throw new ApiError(404, "not_found", `No gallery entry "${id}"`);
    if (result === "forbidden") throw new ApiError(403, "forbidden", "The delete token is wrong");
    return c.json({ deleted: true });
  });
  app.all("/:id", () => methodNotAllowed("GET, HEAD, DELETE"));

  for (const part of ["image", "thumb"] as BlobPart[]) {
    app.get(`/:id/${part}`, async (c) => {
      const r = await entryOr404(c);
      const etag = `"${r[part].sha256}"`;
      c.header("ETag", etag);
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      if (c.req.header("if-none-match")?.split(",").some((t) => t.trim() === etag)) {
        return c.body(null, 304);
      }
      c.header("Content-Type", r[part].type);
      c.header("Content-Disposition", "inline");
      return c.body(await ctx.gallery.readBlob(r, part) as Uint8Array<ArrayBuffer>);
    });
    app.all(`/:id/${part}`, () => methodNotAllowed("GET, HEAD"));
  }

  app.post("/:id/report", async (c) => {
    await takeWrite(c);
    const r = await entryOr404(c);
    const client = (await sha256Hex(`report:${clientAddress(c, ctx.trustProxy)}`)).slice(0, 32);
    const result = await ctx.gallery.report(r.id, client, ctx.limits.reportsToHide);
    if (!result) throw new ApiError(404, "not_found", `No gallery entry "${r.id}"`);
    return c.json({ reported: result.counted, hidden: result.hidden });
  });
  app.all("/:id/report", () => methodNotAllowed("POST"));

  app.post("/:id/unhide", async (c) => {
    await takeWrite(c);
    const id = idParam(c);
    const token = await ownerToken(c);
    const admin = await isAdmin(ctx, token);
    const result = await ctx.gallery.unhide(id, await sha256Hex(token), { admin });
    if (result === "not_found") throw new ApiError(404, "not_found", `No gallery entry "${id}"`);
    if (result === "forbidden") throw new ApiError(403, "forbidden", "The delete token is wrong");
    return c.json({ hidden: false, restored: result === "restored" });
  });
  app.all("/:id/unhide", () => methodNotAllowed("POST"));
  return app;
}

function blob(
  img: { type: string; width: number; height: number; bytes: Uint8Array },
  sha256: string,
) {
  return {
    type: img.type,
    width: img.width,
    height: img.height,
    bytes: img.bytes.byteLength,
    chunks: Math.ceil(img.bytes.byteLength / CHUNK_BYTES),
    sha256,
  };
}

async function newInputOf(img: EncodedImage): Promise<NewInput> {
  return { ref: inputRef(img, await sha256Hex(img.bytes)), bytes: img.bytes };
}

function inputRef(img: EncodedImage, sha256: string): InputRef {
  return {
    sha256,
    type: img.type,
    width: img.width,
    height: img.height,
    bytes: img.bytes.byteLength,
  };
}

/** An input as the API shows it. */
export function inputItem(r: InputRef) {
  return {
    url: inputUrl(r.sha256),
    sha256: r.sha256,
    type: r.type,
    width: r.width,
    height: r.height,
  };
}

export const inputUrl = (sha256: string) => `/api/gallery/inputs/${sha256}`;

function publicBlob(b: GalleryRecord["image"]) {
  return { type: b.type, width: b.width, height: b.height, bytes: b.bytes };
}

function listItem(s: GallerySummary) {
  return {
    id: s.id,
    title: s.title,
    createdAt: new Date(s.createdAt).toISOString(),
    backbone: s.backbone,
    architecture: s.architecture,
    width: s.width,
    height: s.height,
    permalink: `/g/${s.id}`,
    imageUrl: `/api/gallery/${s.id}/image`,
    thumbUrl: `/api/gallery/${s.id}/thumb`,
  };
}
