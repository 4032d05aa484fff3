/**
 * The example photos and paintings the server ships beside the client (scripts/build_examples.ts
 * writes /examples.json): listed once per page, and loaded as input images on a click.
 */
import type { ExamplesManifest } from "../../../scripts/build_examples.ts";
import { type InputImage, readImage } from "./images.ts";

export type { Example, ExamplesManifest, HeroImage } from "../../../scripts/build_examples.ts";

let listing: Promise<ExamplesManifest> | undefined;

/** The examples manifest; an empty one when the build has none (no ../shared at build time). */
export function listExamples(): Promise<ExamplesManifest> {
  listing ??= fetch("/examples.json")
    .then((r) => (r.ok ? r.json() as Promise<ExamplesManifest> : { examples: [], hero: [] }))
    .catch(() => ({ examples: [], hero: [] }));
  return listing;
}

/** Downloads an example's working copy and decodes it like a user's file. */
export async function loadExample(ex: { id: string; image: string }): Promise<InputImage> {
  const r = await fetch(ex.image);
  if (!r.ok) throw new Error(`The example ${ex.id} could not be loaded: HTTP ${r.status}`);
  const blob = await r.blob();
  return readImage(new File([blob], `${ex.id}.webp`, { type: blob.type || "image/webp" }));
}
