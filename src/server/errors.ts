/**
 * API errors: every rejection leaves the server as JSON `{ error: { code, message } }` with
 * the matching status. Handlers throw ApiError; app.onError (errorHandler) renders it and
 * turns anything unexpected into a 500 without leaking a stack trace.
 */
import { type ContentfulStatusCode, type Context, HTTPException } from "./deps.ts";

/** Stable machine-readable codes, one per kind of rejection. */
export type ErrorCode =
  | "bad_request"
  | "bad_json"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "image_too_large"
  | "recipe_too_large"
  | "unsupported_media_type"
  | "range_not_satisfiable"
  | "invalid_image"
  | "invalid_recipe"
  | "rate_limited"
  | "busy"
  | "internal";

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  416: "range_not_satisfiable",
  422: "invalid_recipe",
  429: "rate_limited",
  503: "busy",
};

/** An HTTP rejection with a stable code and a message that says what was expected. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    opts: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(status, { message, cause: opts.cause });
    this.code = code;
    this.headers = opts.headers ?? {};
  }
}

/** JSON body of an error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Renders an error response; used by app.onError and app.notFound. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  c.header("Cache-Control", "no-store");
  return c.json({ error: { code, message } } satisfies ErrorBody, status);
}

/** app.onError: known errors keep their status and message, the rest become a bare 500. */
export function errorHandler(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return errorResponse(c, err.status as ContentfulStatusCode, err.code, err.message, err.headers);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return errorResponse(c, status, CODE_OF_STATUS[status] ?? "bad_request", err.message);
  }
  console.error(`${c.req.method} ${c.req.path}:`, err);
  return errorResponse(c, 500, "internal", "internal server error");
}

/** Throws 405 for a path that exists with other methods. */
export function methodNotAllowed(allow: string): never {
  throw new ApiError(405, "method_not_allowed", `Allowed methods: ${allow}`, {
    headers: { Allow: allow },
  });
}
