/**
 * Input of the gallery routes, checked at the edge: ids, the owner's token, the recipe, the
 * title and the input images of an upload, and input hashes. Each rejection is an ApiError that says what was expected.
 */
import { describeIssues, type Recipe, RecipeSchema } from "../../shared/types.ts";
import { readJson } from "../body.ts";
import { bearerToken, type ServeEnv } from "../context.ts";
import type { Context } from "../deps.ts";
import { ApiError } from "../errors.ts";

/** 16 random bytes, base64url: 128 bits. */
export const GALLERY_ID_RE = /^[A-Za-z0-9_-]{22}$/;
export const MAX_TITLE = 120;
/** An input image's id: the lowercase hex sha256 of its re-encoded bytes. */
export const SHA256_RE = /^[0-9a-f]{64}$/;

/** The fields an upload may have; `style` repeats, one per painting of the recipe. */
export const UPLOAD_FIELDS = new Set(["image", "recipe", "title", "content", "style"]);

/** The raw input files of an upload: the photo (absent: private) and the paintings. */
export interface UploadInputs {
  content: File | null;
  styles: File[];
}

/**
 * The `content` file (at most one; absent when the photo is private) and the `style` files:
 * none (an entry that cannot be re-run, as older clients share) or one per recipe style.
 */
export function parseUploadInputs(form: FormData, recipe: Recipe): UploadInputs {
  const contents = form.getAll("content");
  const styles = form.getAll("style");
  if (contents.length > 1 || contents.some((f) => !(f instanceof File))) {
    throw new ApiError(400, "bad_request", "`content` must be at most one image file");
  }
  if (styles.some((f) => !(f instanceof File))) {
    throw new ApiError(400, "bad_request", "`style` fields must be image files");
  }
  if (styles.length !== 0 && styles.length !== recipe.styles.length) {
    throw new ApiError(
      400,
      "bad_request",
      `The upload has ${styles.length} style images: the recipe names ${recipe.styles.length}`,
    );
  }
  if (contents.length && !styles.length) {
    throw new ApiError(400, "bad_request", "A shared photo needs its paintings (`style` files)");
  }
  return { content: (contents[0] as File | undefined) ?? null, styles: styles as File[] };
}

export function shaParam(c: Context<ServeEnv>): string {
  const sha = c.req.param("sha") ?? "";
  if (!SHA256_RE.test(sha)) {
    throw new ApiError(400, "bad_request", "An input id is a sha256: 64 lowercase hex digits");
  }
  return sha;
}

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
