/**
 * Loads an atelier-net manifest and its shards with `fetch` (http(s) in the browser, http and
 * file URLs in Deno), checks every shard's size and sha256 and the manifest's consistency, and
 * builds a Net. Nothing half-loaded stays in memory: on any error all tensors made are freed.
 */
import { concatBytes } from "./_bytes.ts";
import * as tf from "@tensorflow/tfjs-core";
import { fromHalf } from "./_float16.ts";
import {
  bytesPerElement,
  ModelLoadError,
  parseManifest,
  sizeOf,
  type WeightGroup,
} from "./manifest.ts";
import { Net } from "./net.ts";
import { sha256Hex } from "./sha256.ts";

// The manifest parser lives with the schema (the server uses it too); re-exported for callers.
export { ModelLoadError, parseManifest };

/** Options of loadNet(). */
export interface LoadNetOptions {
  /** Weight groups to load: "body" always; add "head" for classification. */
  groups?: WeightGroup[];
  pooling?: "max" | "avg";
  /**
   * Anti-aliased forward pass by default (Zhang 2019; see net.ts). A run passes its recipe's
   * `net.antialias` to every forward call, whatever the net was loaded with.
   */
  antialias?: boolean;
  /** fetch to use (e.g. one that reads through a browser cache). */
  fetch?: typeof fetch;
  /** Called after each shard with bytes loaded so far and the total to load. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
}

async function fetchBytes(f: typeof fetch, url: URL, signal?: AbortSignal): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await f(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ModelLoadError(url.href, `could not be fetched (${(e as Error).message})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ModelLoadError(url.href, `HTTP ${res.status} ${res.statusText}`.trim());
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** Loads the network whose manifest is at `manifestUrl`. */
export async function loadNet(manifestUrl: string | URL, opts: LoadNetOptions = {}): Promise<Net> {
  const f = opts.fetch ?? fetch;
  const url = new URL(manifestUrl);
  const manifestBytes = await fetchBytes(f, url, opts.signal);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (e) {
    throw new ModelLoadError(url.href, `is not JSON (${(e as Error).message})`);
  }
  const manifest = parseManifest(json, url.href);
  const groups = new Set<WeightGroup>(opts.groups ?? ["body"]);
  groups.add("body");
  const shards = manifest.shards.filter((s) => groups.has(s.group));
  const total = shards.reduce((n, s) => n + s.bytes, 0);
  let loaded = 0;
  // Fetch in order with a small window, so progress is smooth and memory stays bounded.
  const bytesOf = new Map<string, Uint8Array>();
  const window = 4;
  for (let i = 0; i < shards.length; i += window) {
    await Promise.all(
      shards.slice(i, i + window).map(async (s) => {
        const shardUrl = new URL(s.path, url);
        const bytes = await fetchBytes(f, shardUrl, opts.signal);
        if (bytes.length !== s.bytes) {
          throw new ModelLoadError(
            shardUrl.href,
            `is ${bytes.length} bytes, expected ${s.bytes} (truncated or wrong file)`,
          );
        }
        const sha = await sha256Hex(bytes);
        if (sha !== s.sha256) {
          throw new ModelLoadError(
            shardUrl.href,
            `sha256 is ${sha}, expected ${s.sha256} (corrupted shard; fetch the model again)`,
          );
        }
        bytesOf.set(s.path, bytes);
        loaded += bytes.length;
        opts.onProgress?.(loaded, total);
      }),
    );
  }
  const weights = new Map<string, tf.Tensor>();
  try {
    for (const group of groups) {
      const all = concatBytes(
        shards.filter((s) => s.group === group).map((s) => bytesOf.get(s.path)!),
      );
      let offset = 0;
      for (const w of manifest.weights.filter((w) => w.group === group)) {
        const n = sizeOf(w.shape);
        const values = manifest.dtype === "float16"
          ? fromHalf(new Uint16Array(all.buffer, offset, n))
          : new Float32Array(all.buffer.slice(offset, offset + n * 4));
        offset += n * bytesPerElement(manifest.dtype);
        weights.set(w.name, tf.tensor(values, w.shape, "float32"));
      }
    }
    return new Net(manifest, weights, {
      pooling: opts.pooling,
      antialias: opts.antialias,
      manifestSha256: await sha256Hex(manifestBytes),
    });
  } catch (e) {
    for (const t of weights.values()) t.dispose();
    throw e;
  }
}
