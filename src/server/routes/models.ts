/**
 * Installed models: GET /api/models lists ModelSummary; GET /models/:id/manifest.json and
 * GET /models/:id/:file serve the files the client loader fetches. Shard names carry the first
 * 16 hex digits of their sha256, so a shard URL is immutable; the manifest is revalidated with
 * a strong ETag. Only files a manifest lists are served, by strict names resolved inside
 * modelsDir. Single byte ranges are supported (resumable downloads of large shards).
 */
import type { ServeEnv, ServerContext } from "../context.ts";
import { type Context, Hono } from "../deps.ts";
import { ApiError, methodNotAllowed } from "../errors.ts";
import { fileBody } from "../file_body.ts";
import { MODEL_ID_RE, SHARD_FILE_RE } from "../store/model_store.ts";

export function modelRoutes(ctx: ServerContext): { api: Hono<ServeEnv>; files: Hono<ServeEnv> } {
  const api = new Hono<ServeEnv>();
  api.get("/", async (c) => {
    c.header("Cache-Control", "no-cache");
    return c.json((await ctx.models.list()).map((m) => m.summary));
  });
  api.all("/", () => methodNotAllowed("GET, HEAD"));

  const files = new Hono<ServeEnv>();
  files.get("/:id/:file", async (c) => {
    const id = c.req.param("id");
    const file = c.req.param("file");
    if (!MODEL_ID_RE.test(id) || !SHARD_FILE_RE.test(file)) {
      throw new ApiError(
        400,
        "bad_request",
        "Model id or file name has characters outside [A-Za-z0-9._-]",
      );
    }
    const model = await ctx.models.get(id);
    if (!model) throw new ApiError(404, "not_found", `No model "${id}" is installed`);
    if (file === "manifest.json") {
      const etag = `"${model.summary.manifestSha256}"`;
      c.header("ETag", etag);
      c.header("Cache-Control", "no-cache");
      if (matches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
      c.header("Content-Type", "application/json");
      return c.body(model.manifestBytes as Uint8Array<ArrayBuffer>);
    }
    const shard = model.shards.get(file);
    const path = ctx.models.filePath(id, file);
    if (!shard || !path) {
      throw new ApiError(404, "not_found", `Model "${id}" has no file "${file}"`);
    }
    return await serveShard(c, path, shard.sha256, file.includes(shard.sha256.slice(0, 16)));
  });
  files.all("/:id/:file", () => methodNotAllowed("GET, HEAD"));
  return { api, files };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => t.trim() === etag || t.trim() === "*");
}

/** Parses a single "bytes=" range; null means "serve everything", "bad" means 416. */
function parseRange(header: string, size: number): { start: number; end: number } | null | "bad" {
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return null; // another unit: ignored (RFC 9110 §14.2)
  if (m[1].includes(",")) return null; // multipart ranges are not supported: send it all
  const r = /^(\d*)-(\d*)$/.exec(m[1].trim());
  if (!r || (r[1] === "" && r[2] === "")) return "bad";
  if (r[1] === "") {
    const n = Number(r[2]);
    if (n === 0 || size === 0) return "bad";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (start >= size || end < start) return "bad";
  return { start, end };
}

async function serveShard(
  c: Context<ServeEnv>,
  path: string,
  sha256: string,
  contentAddressed: boolean,
): Promise<Response> {
  const etag = `"${sha256}"`;
  c.header("ETag", etag);
  c.header("Accept-Ranges", "bytes");
  c.header(
    "Cache-Control",
    contentAddressed ? "public, max-age=31536000, immutable" : "no-cache",
  );
  if (matches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    throw new ApiError(404, "not_found", "The model file is missing on the server");
  }
  try {
    const size = (await file.stat()).size;
    c.header("Content-Type", "application/octet-stream");
    const rangeHeader = c.req.header("range");
    const ifRange = c.req.header("if-range");
    const range = rangeHeader && (!ifRange || ifRange.trim() === etag)
      ? parseRange(rangeHeader, size)
      : null;
    if (range === "bad") {
      file.close();
      throw new ApiError(416, "range_not_satisfiable", `The file has ${size} bytes`, {
        headers: { "Content-Range": `bytes */${size}` },
      });
    }
    if (!range) {
      c.header("Content-Length", String(size));
      return fileBody(c, file);
    }
    await file.seek(range.start, Deno.SeekMode.Start);
    const length = range.end - range.start + 1;
    c.header("Content-Range", `bytes ${range.start}-${range.end}/${size}`);
    c.header("Content-Length", String(length));
    return fileBody(c, file, {
      status: 206,
      stream: c.req.method === "HEAD" ? undefined : file.readable.pipeThrough(limitBytes(length)),
    });
  } catch (e) {
    try {
      file.close();
    } catch { /* already closed by its stream */ }
    throw e;
  }
}

/** Passes the first `n` bytes through and ends the stream (closing the file behind it). */
function limitBytes(n: number): TransformStream<Uint8Array, Uint8Array> {
  let left = n;
  return new TransformStream({
    transform(chunk, ctl) {
      if (left <= 0) return;
      const part = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
      left -= part.byteLength;
      ctl.enqueue(part);
      if (left <= 0) ctl.terminate();
    },
  });
}
