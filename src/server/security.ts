/**
 * Response headers every page and asset gets: cross-origin isolation (COOP same-origin + COEP
 * require-corp on the documents and workers, CORP same-origin on what they load), which WASM
 * SIMD and SharedArrayBuffer need, and a CSP that allows only our own scripts and WASM
 * compilation. No blob: scripts or workers: tfjs 4.22 would start its WASM pthreads from blob:
 * URLs, so the build serves those scripts from our origin instead (scripts/build_client.ts,
 * src/client/wasm_threads.ts), and threads run under this CSP.
 */
import type { MiddlewareHandler } from "./deps.ts";

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "strict-origin-when-cross-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
    h.set("Content-Security-Policy", CSP);
    // COEP also on scripts: a dedicated worker takes its policy from its own script response.
    h.set("Cross-Origin-Embedder-Policy", "require-corp");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
  };
}
