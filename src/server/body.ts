/**
 * Bounded request bodies: a declared Content-Length over the limit is refused before a byte is
 * read, and a chunked (or lying) body is cut off as soon as it passes the limit, so a 200 MB
 * upload costs at most maxBodyBytes of memory.
 */
import { ApiError } from "./errors.ts";

/** Throws 413 when the declared Content-Length is over `max`, 400 when it is not a number. */
export function checkContentLength(req: Request, max: number): void {
  const raw = req.headers.get("content-length");
  if (raw === null) return;
  if (!/^\d{1,16}$/.test(raw.trim())) {
    throw new ApiError(400, "bad_request", `Content-Length is "${raw}": expected a byte count`);
  }
  const n = Number(raw);
  if (n > max) {
    throw new ApiError(
      413,
      "payload_too_large",
      `The body is ${n} bytes: the maximum is ${max} bytes`,
    );
  }
}

/** Reads the whole body, failing with 413 as soon as more than `max` bytes have arrived. */
export async function readBounded(
  req: Request,
  max: number,
): Promise<Uint8Array<ArrayBuffer>> {
  checkContentLength(req, max);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        throw new ApiError(
          413,
          "payload_too_large",
          `The body is over ${max} bytes: the maximum is ${max} bytes`,
        );
      }
      parts.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, "bad_request", "The request body could not be read", { cause: e });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Options of readForm(). */
export interface ReadFormOptions {
  /** Largest body, bytes. */
  maxBytes: number;
  /** Most parts; counted from the boundary lines before parsing. */
  maxParts: number;
}

/**
 * Counts the parts of a multipart body: the boundary delimiter lines, less the closing one.
 * Stops counting past `stop` so a body of 291k tiny fields costs one scan, not a parse
 * (FormData parsing holds the event loop: issue 11).
 */
export function countParts(bytes: Uint8Array, boundary: string, stop: number): number {
  const text = new TextDecoder("latin1").decode(bytes);
  const delimiter = `--${boundary}`;
  let n = 0;
  for (
    let at = text.indexOf(delimiter);
    at >= 0 && n <= stop + 1;
    at = text.indexOf(delimiter, at + 1)
  ) {
    n++;
  }
  return Math.max(0, n - 1);
}

/** Parses a multipart/form-data body read with readBounded, refusing too many parts (400). */
export async function readForm(req: Request, opts: ReadFormOptions): Promise<FormData> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `Content-Type is "${type.slice(0, 80)}": expected multipart/form-data`,
    );
  }
  const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(type);
  if (!boundary) {
    throw new ApiError(400, "bad_request", "The multipart Content-Type has no boundary");
  }
  const bytes = await readBounded(req, opts.maxBytes);
  const parts = countParts(bytes, boundary[1] ?? boundary[2], opts.maxParts);
  if (parts > opts.maxParts) {
    throw new ApiError(
      400,
      "bad_request",
      `The form has more than ${opts.maxParts} parts: expected image, recipe and title`,
    );
  }
  try {
    return await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new ApiError(400, "bad_request", "The multipart/form-data body could not be parsed");
  }
}

/** Reads a small JSON body (at most `max` bytes); undefined when the body is empty. */
export async function readJson(req: Request, max: number): Promise<unknown> {
  const bytes = await readBounded(req, max);
  if (bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, "bad_json", "The body is not valid JSON");
  }
}
