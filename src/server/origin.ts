/**
 * The public origin of the server, for the absolute URLs crawlers need (og:url, og:image, the
 * canonical link). The Host header is written by the client, so it is never trusted as is: a
 * configured public URL (--public-url / PUBLIC_URL) wins, and otherwise a Host of the form
 * hostname[:port] is used. Any other Host is refused with 400 before routing, because Deno
 * builds the request URL from it and a Host with a path would change which route answers.
 *
 * Writes (POST, DELETE, ...) are refused with 403 when a browser says they come from another
 * site: Sec-Fetch-Site other than "same-origin", or an Origin that is not ours. Browsers always
 * send Origin on a cross-site POST, so a request with neither header is not a cross-site browser
 * request; it is a script or a command-line client, which holds no victim's cookies or
 * network position and is allowed (rate limits still apply).
 */
import type { Context, MiddlewareHandler } from "./deps.ts";
import { ApiError } from "./errors.ts";

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/** hostname (DNS labels or an IPv4 address), or a bracketed IPv6 address, then an optional port. */
const HOST_RE = new RegExp(
  `^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::(\\d{1,5}))?$`,
);

/** Whether `host` is hostname[:port] with a port of at most 65535. */
export function isValidHost(host: string): boolean {
  const m = HOST_RE.exec(host);
  return m !== null && (m[1] === undefined || Number(m[1]) <= 65535);
}

/**
 * The origin of a configured public URL ("https://atelier.example"); throws a RangeError for
 * anything but an http(s) URL without a path, query or credentials.
 */
export function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RangeError(`--public-url is "${raw}": expected a URL like https://atelier.example`);
  }
  if (
    !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash ||
    url.username || url.password
  ) {
    throw new RangeError(
      `--public-url is "${raw}": expected http(s)://host[:port] with no path, query or credentials`,
    );
  }
  return url.origin;
}

/** Middleware: 400 for a Host header that is not hostname[:port]. */
export function hostGuard(): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (host !== undefined && !isValidHost(host)) {
      throw new ApiError(400, "bad_request", "The Host header must be hostname[:port]");
    }
    await next();
  };
}

/** The public origin: `configured` when set, else the request's scheme and validated Host. */
export function requestOrigin(c: Context, configured: string | undefined): string {
  if (configured) return configured;
  const url = c.req.url;
  const scheme = url.slice(0, url.indexOf("://"));
  // hostGuard has run: the Host header, when present, is hostname[:port].
  const host = c.req.header("host") ?? new URL(url).host;
  return `${scheme}://${host}`;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Middleware: 403 for a write that a browser marks as cross-site (see the module comment). */
export function sameOriginWrites(configured: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const site = c.req.header("sec-fetch-site");
      const origin = c.req.header("origin");
      if (
        (site !== undefined && site !== "same-origin") ||
        (origin !== undefined && !ours(c, origin, configured))
      ) {
        throw new ApiError(
          403,
          "forbidden",
          "Cross-site writes are refused: send them from this site",
        );
      }
    }
    await next();
  };
}

/** Whether an Origin header names this server (the public URL, or the Host behind a proxy). */
function ours(c: Context, origin: string, configured: string | undefined): boolean {
  if (configured) return origin === configured;
  let url: URL;
  try {
    url = new URL(origin); // "null" (sandboxed frames, file:) throws and is refused
  } catch {
    return false;
  }
  // Only the host is compared: a TLS-terminating proxy makes our own scheme look like http.
  return url.host === (c.req.header("host") ?? new URL(c.req.url).host);
}
