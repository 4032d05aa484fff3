/**
 * The built client in dist/client (scripts/build_client.ts): which files may be served, which
 * are content-hashed (immutable).
 */
import { extname, resolve } from "node:path";

/** Flat file names only: the build writes no folders. */
export const CLIENT_FILE_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,127}$/;
/** esbuild "[name]-[hash]" (8 base32 chars) or a 16-hex content hash before the extension. */
const HASHED_RE = /-(?:[A-Z0-9]{8}|[0-9a-f]{16,64})\.[a-z0-9]+$/;

export const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".txt": "text/plain; charset=utf-8",
};

export function isHashed(name: string): boolean {
  return HASHED_RE.test(name);
}

export function contentType(name: string): string {
  return CONTENT_TYPES[extname(name)] ?? "application/octet-stream";
}

/** Absolute path of a client file, or null for a name that is not a plain served file. */
export function clientPath(dir: string, name: string): string | null {
  if (!CLIENT_FILE_RE.test(name) || !Object.hasOwn(CONTENT_TYPES, extname(name))) return null;
  return resolve(dir, name);
}
