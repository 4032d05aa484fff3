/**
 * The server's JSON API as the studio uses it. Every call throws an Error whose message says
 * which request failed and how, ready for an alert.
 */
import type { ModelSummary, Preset, RecipeInput } from "../../shared/types.ts";

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new Error(`${url}: the server could not be reached (${(e as Error).message})`);
  }
  if (!res.ok) {
    let detail = res.statusText;
    try {
      const body = await res.json();
      // The server answers { error: { code, message } }.
      detail = body.error?.message ?? body.message ?? detail;
    } catch {
      // Not JSON: the status text is all there is.
    }
    throw new Error(`${url}: HTTP ${res.status} ${detail}`.trim());
  }
  return await res.json() as T;
}

export const listModels = () => json<ModelSummary[]>("/api/models");

export const getPresets = () => json<{ defaults: unknown; presets: Preset[] }>("/api/presets");

export interface ShareResult {
  id: string;
  permalink: string;
  deleteToken: string;
}

/** The inputs sent with a share: the paintings always, the photo only when its owner says so. */
export interface ShareInputs {
  /** Omitted: the photo stays private. */
  content?: Blob;
  styles: Blob[];
}

export function share(
  image: Blob,
  recipe: RecipeInput,
  title: string,
  inputs?: ShareInputs,
): Promise<ShareResult> {
  const form = new FormData();
  form.append("image", image, "result.png");
  form.append("recipe", JSON.stringify(recipe));
  form.append("title", title);
  if (inputs?.content) form.append("content", inputs.content, "content.png");
  for (const s of inputs?.styles ?? []) form.append("style", s, "style.png");
  return json<ShareResult>("/api/gallery", { method: "POST", body: form });
}

export interface GalleryItem {
  id: string;
  title: string;
  createdAt?: string | number;
  backbone?: string;
  recipe?: RecipeInput;
  [key: string]: unknown;
}

export interface GalleryPage {
  items: GalleryItem[];
  nextCursor?: string | null;
}

/** A stored input image of an entry (src/server/routes/gallery.ts inputItem). */
export interface EntryInput {
  url: string;
  sha256: string;
  width: number;
  height: number;
}

/** One entry with its recipe and inputs: null for entries shared without them. */
export interface GalleryEntry extends GalleryItem {
  recipe: RecipeInput;
  inputs: { content: EntryInput | null; styles: EntryInput[] } | null;
}

/** `style` (a painting's sha256) lists the entries made with that painting. */
export function listGallery(
  opts: { cursor?: string; backbone?: string; style?: string; limit?: number },
) {
  const q = new URLSearchParams();
  if (opts.cursor) q.set("cursor", opts.cursor);
  if (opts.style) q.set("style", opts.style);
  else if (opts.backbone) q.set("backbone", opts.backbone);
  q.set("limit", String(opts.limit ?? 24));
  return json<GalleryPage>(`/api/gallery?${q}`);
}

export const getEntry = (id: string) =>
  json<GalleryEntry>(`/api/gallery/${encodeURIComponent(id)}`);

/** The bytes of a stored input image. */
export async function getInput(input: EntryInput): Promise<Blob> {
  const res = await fetch(input.url).catch((e) => {
    throw new Error(`${input.url}: the server could not be reached (${(e as Error).message})`);
  });
  if (!res.ok) throw new Error(`${input.url}: HTTP ${res.status} ${res.statusText}`.trim());
  return await res.blob();
}

/** Backbone id of a gallery item, whatever the server calls it. */
export function backboneOf(item: GalleryItem): string {
  return item.backbone ?? item.recipe?.net.id ?? "";
}

/** An experiment report the server can serve (src/server/routes/experiments.ts). */
export interface ExperimentSummary {
  name: string;
  /** From results.json meta.date, when present. */
  date?: string;
  report: string;
}

export const listExperiments = () => json<{ experiments: ExperimentSummary[] }>("/api/experiments");

/** One cell of an experiment's results.json, as far as the Reports view reads it. */
export interface ExperimentCell {
  net: string;
  fix: string;
  init: string;
  /** Relative to the experiment folder, e.g. "images/<file>.png". */
  image?: string;
  /** The judges' style distance the style weight was chosen by (lower is better). */
  headline?: number;
  seconds?: number;
}

/** What the Reports view reads of results.json (scripts/experiment.ts writes it). */
export interface ExperimentResults {
  meta: {
    date?: string;
    quick?: boolean;
    size?: number;
    iterations?: number;
    backend?: string;
    seconds?: number;
    judges?: string[];
  };
  cells: ExperimentCell[];
}

/** An experiment's results.json; cells without the fields the view needs are dropped. */
export async function getExperimentResults(name: string): Promise<ExperimentResults> {
  const raw = await json<{ meta?: ExperimentResults["meta"]; cells?: unknown[] }>(
    `/experiments/${encodeURIComponent(name)}/results.json`,
  );
  const cells = (Array.isArray(raw.cells) ? raw.cells : []).filter((c): c is ExperimentCell =>
    typeof c === "object" && c !== null && typeof (c as ExperimentCell).net === "string" &&
    typeof (c as ExperimentCell).fix === "string" && typeof (c as ExperimentCell).init === "string"
  );
  return { meta: raw.meta ?? {}, cells };
}
