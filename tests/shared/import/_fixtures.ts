/** Fixture files and reference activations written by tests/fixtures/import/make_fixtures.py. */
import { fileURLToPath } from "node:url";

export const FIXTURES = new URL("../../fixtures/import/", import.meta.url);

/** Bytes of a fixture file. */
export function fixture(name: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(name, FIXTURES));
}

/** Path of a fixture file (for the CLI). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(name, FIXTURES));
}

/** One fixture's reference: torch's activations (NHWC) at `size` px, logits at `logits_size`. */
export interface Reference {
  size: number;
  logits_size?: number;
  layers: Record<string, { shape: number[]; data: Float32Array }>;
}

/** Reads reference.json and decodes its base64 float32 arrays. */
export async function references(): Promise<Record<string, Reference>> {
  const json = JSON.parse(await Deno.readTextFile(new URL("reference.json", FIXTURES)));
  const out: Record<string, Reference> = {};
  for (const [name, ref] of Object.entries(json.fixtures as Record<string, Reference>)) {
    const layers: Reference["layers"] = {};
    for (const [layer, v] of Object.entries(ref.layers)) {
      const bin = Uint8Array.from(atob(v.data as unknown as string), (c) => c.charCodeAt(0));
      layers[layer] = { shape: v.shape, data: new Float32Array(bin.buffer) };
    }
    out[name] = { ...ref, layers };
  }
  return out;
}

/** ||a - b|| / ||b||. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}
