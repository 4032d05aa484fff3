/**
 * The one way routes answer with an open file. Hono answers HEAD by running the GET handler and
 * dropping the response body without cancelling it, so a handler that returned `file.readable`
 * to a HEAD left the file open for good (one handle per request: issue 11). fileBody() closes
 * the file on HEAD and streams it otherwise; the stream closes the file when it ends or is
 * cancelled.
 */
import type { ContentfulStatusCode, Context } from "./deps.ts";

/** Options of fileBody(). */
export interface FileBodyOptions {
  /** Status of a full answer; default 200. */
  status?: ContentfulStatusCode;
  /** What to stream instead of the whole file (e.g. a byte range through a limiting stream). */
  stream?: ReadableStream<Uint8Array>;
}

/** Responds with `file` (its headers already set on `c`); takes ownership of the file. */
export function fileBody(c: Context, file: Deno.FsFile, opts: FileBodyOptions = {}): Response {
  const status = opts.status ?? 200;
  if (c.req.method === "HEAD") {
    opts.stream?.cancel().catch(() => {});
    try {
      file.close();
    } catch { /* already closed by the cancelled stream */ }
    return c.body(null, status);
  }
  return c.body(opts.stream ?? file.readable, status);
}
