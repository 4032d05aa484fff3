/** Third-party imports of the server, in one place. */
export { Hono } from "hono";
export type { Context, MiddlewareHandler } from "hono";
export { HTTPException } from "hono/http-exception";
export type { ContentfulStatusCode } from "hono/utils/http-status";
