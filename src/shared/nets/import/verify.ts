/**
 * Checks a freshly converted model before anything is installed: loads it through the real
 * loader (shard sizes, sha256, manifest consistency) from memory, runs a forward pass on a
 * small deterministic image to every layer, and refuses non-finite activations.
 */
import * as tf from "@tensorflow/tfjs-core";
import { loadNet } from "../loader.ts";
import type { Net } from "../net.ts";
import type { PackedModel } from "../pack.ts";

const BASE = "http://packed.invalid/";

/** Loads a packed model from memory (caller disposes the Net). */
export function loadPacked(
  packed: PackedModel,
  opts: { groups?: ("body" | "head")[]; pooling?: "max" | "avg" } = {},
): Promise<Net> {
  const files = new Map(packed.files);
  files.set("manifest.json", new TextEncoder().encode(JSON.stringify(packed.manifest)));
  const serve = (input: RequestInfo | URL): Promise<Response> => {
    const name = new URL(input instanceof Request ? input.url : input).pathname.slice(1);
    const bytes = files.get(name);
    return Promise.resolve(
      bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : new Response(null, { status: 404 }),
    );
  };
  return loadNet(`${BASE}manifest.json`, { ...opts, fetch: serve as typeof fetch });
}

/**
 * A smooth RGB test image in [0, 1] (caller disposes):
 * x[h, w, c] = 0.5 + 0.45 sin(0.31 h + 0.17 w (c + 1) + 1.3 c), the formula the fixture
 * generator uses for its reference activations.
 */
export function testImage(size: number): tf.Tensor4D {
  const data = new Float32Array(size * size * 3);
  for (let h = 0, i = 0; h < size; h++) {
    for (let w = 0; w < size; w++) {
      for (let c = 0; c < 3; c++, i++) {
        data[i] = 0.5 + 0.45 * Math.sin(0.31 * h + 0.17 * w * (c + 1) + 1.3 * c);
      }
    }
  }
  return tf.tensor4d(data, [1, size, size, 3]);
}

/** Result of verifyNet(): per layer, its shape and largest absolute activation. */
export type VerifyReport = Record<string, { shape: number[]; maxAbs: number }>;

/**
 * Runs `net` on the test image at `size` px to every feature layer (and the logits at 224 px
 * when the head is loaded); throws a RangeError naming the first non-finite layer.
 */
export async function verifyNet(net: Net, size = 64): Promise<VerifyReport> {
  const report: VerifyReport = {};
  const run = async (names: string[], px: number) => {
    if (!names.length) return;
    const img = testImage(px);
    const feats = net.forward(img, names);
    img.dispose();
    try {
      for (const name of names) {
        const data = await feats[name].data();
        let maxAbs = 0;
        for (const v of data) {
          if (!Number.isFinite(v)) {
            throw new RangeError(`${net.id}: layer ${name} has non-finite activations`);
          }
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        report[name] = { shape: feats[name].shape, maxAbs };
      }
    } finally {
      for (const t of Object.values(feats)) t.dispose();
    }
  };
  await run(net.layers.filter((l) => l.kind === "feature").map((l) => l.name), size);
  // The VGG classifier flattens a 7x7 map, so logits are checked at the training size.
  if (net.hasHead) await run(net.layers.filter((l) => l.kind === "logits").map((l) => l.name), 224);
  return report;
}
