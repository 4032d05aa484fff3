/**
 * Input of the gallery routes, checked at the edge: ids, the owner's token, the recipe and the
 * title of an upload. Each rejection is an ApiError that says what was expected.
 */
import { describeIssues, type Recipe, RecipeSchema } from "../../shared/types.ts";
import { readJson } from "../body.ts";
import { bearerToken, type ServeEnv } from "../context.ts";
import type { Context } from "../deps.ts";
import { ApiError } from "../errors.ts";

/** 16 random bytes, base64url: 128 bits. */
export const GALLERY_ID_RE = /^[A-Za-z0-9_-]{22}$/;
export const MAX_TITLE = 120;

export function idParam(c: Context<ServeEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!GALLERY_ID_RE.test(id)) {
    throw new ApiError(400, "bad_request", "A gallery id is 22 characters of [A-Za-z0-9_-]");
  }
  return id;
}

/** The delete token (or the admin token): a Bearer token or JSON {token}; 403 without one. */
export async function ownerToken(c: Context<ServeEnv>): Promise<string> {
  let token = bearerToken(c);
  if (!token) {
    const body = await readJson(c.req.raw, 4096);
    const t = (body as { token?: unknown } | undefined)?.token;
    if (typeof t === "string") token = t;
  }
  if (!token || token.length > 200) {
    throw new ApiError(
      403,
      "forbidden",
      "Send the delete token as `Authorization: Bearer <token>` or JSON {token}",
    );
  }
  return token;
}

export function parseRecipe(raw: FormDataEntryValue | null, maxBytes: number): Recipe {
  if (typeof raw !== "string") {
    throw new ApiError(400, "bad_request", "The form needs a `recipe` field holding JSON");
  }
  const bytes = new TextEncoder().encode(raw).byteLength;
  if (bytes > maxBytes) {
    throw new ApiError(
      413,
      "recipe_too_large",
      `The recipe is ${bytes} bytes: the maximum is ${maxBytes} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ApiError(400, "bad_json", "The recipe is not valid JSON");
  }
  const r = RecipeSchema.safeParse(json);
  if (!r.success) {
    throw new ApiError(
      422,
      "invalid_recipe",
      `The recipe is invalid: ${describeIssues(r.error).slice(0, 1000)}`,
    );
  }
  return r.data;
}

export function parseTitle(raw: FormDataEntryValue | null): string {
  if (raw === null) return "Untitled";
  if (typeof raw !== "string") throw new ApiError(400, "bad_request", "`title` must be text");
  // Control characters never belong in a title; markup is kept and escaped on output.
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  const title = raw.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if ([...title].length > MAX_TITLE) {
    throw new ApiError(
      400,
      "bad_request",
      `The title is ${[...title].length} characters: the maximum is ${MAX_TITLE}`,
    );
  }
  return title || "Untitled";
}
