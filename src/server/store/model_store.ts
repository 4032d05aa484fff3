/**
 * Read-only view of the models directory written by scripts/fetch_models.ts:
 * `<modelsDir>/<id>/manifest.json` plus the shard files it lists. A directory whose manifest
 * is unreadable or refused by the engine's parseManifest (the same rules the client loader
 * applies) is skipped with a warning, never served. The scan is cached and
 * refreshed at most every `refreshMs`, so models fetched while the server runs appear.
 */
import { resolve, sep as SEPARATOR } from "node:path";
import { parseManifest, type Shard } from "../../shared/nets/manifest.ts";
import type { ModelSummary } from "../../shared/types.ts";
import { sha256Hex } from "../hash.ts";

/** Model ids and shard file names the server will ever touch: no separators, no "..". */
export const MODEL_ID_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,63}$/;
export const SHARD_FILE_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,127}$/;

/** One shard as listed by a manifest. */
export type ShardInfo = Shard;

/** An installed model: its summary for /api/models and what is needed to serve its files. */
export interface InstalledModel {
  summary: ModelSummary;
  manifestBytes: Uint8Array;
  shards: Map<string, ShardInfo>;
}

/** Options of createModelStore. */
export interface ModelStoreOptions {
  /** Rescan the directory when the cache is older than this (ms); default 5000. */
  refreshMs?: number;
  now?: () => number;
}

/** Cached index of the models directory. */
export interface ModelStore {
  list(): Promise<InstalledModel[]>;
  get(id: string): Promise<InstalledModel | undefined>;
  /** Absolute path of a file inside modelsDir, or null when it would escape it. */
  filePath(id: string, file: string): string | null;
}

export function createModelStore(modelsDir: string, opts: ModelStoreOptions = {}): ModelStore {
  const root = resolve(modelsDir);
  const refreshMs = opts.refreshMs ?? 5000;
  const now = opts.now ?? Date.now;
  let cache: { at: number; models: Promise<Map<string, InstalledModel>> } | null = null;

  function current(): Promise<Map<string, InstalledModel>> {
    if (!cache || now() - cache.at > refreshMs) cache = { at: now(), models: scan(root) };
    return cache.models;
  }

  return {
    async list() {
      return [...(await current()).values()].sort((a, b) =>
        a.summary.id.localeCompare(b.summary.id)
      );
    },
    async get(id) {
      return (await current()).get(id);
    },
    filePath(id, file) {
      if (!MODEL_ID_RE.test(id) || !SHARD_FILE_RE.test(file)) return null;
      const path = resolve(root, id, file);
      return path.startsWith(root + SEPARATOR) ? path : null;
    },
  };
}

async function scan(root: string): Promise<Map<string, InstalledModel>> {
  const out = new Map<string, InstalledModel>();
  let dirs: Deno.DirEntry[];
  try {
    dirs = await Array.fromAsync(Deno.readDir(root));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) console.warn(`models: cannot read ${root}: ${e}`);
    return out;
  }
  for (const d of dirs) {
    if (!MODEL_ID_RE.test(d.name) || !(d.isDirectory || await isDirLink(resolve(root, d.name)))) {
      continue;
    }
    try {
      const model = await readModel(root, d.name);
      out.set(model.summary.id, model);
    } catch (e) {
      console.warn(`models: skipping ${d.name}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** A model folder may be a link (e.g. to another disk): follow it. */
async function isDirLink(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function readModel(root: string, dirName: string): Promise<InstalledModel> {
  const manifestBytes = await Deno.readFile(resolve(root, dirName, "manifest.json"));
  const file = `${dirName}/manifest.json`;
  // The engine's own parser: the server serves exactly the manifests a client can load.
  const m = parseManifest(JSON.parse(new TextDecoder().decode(manifestBytes)), file);
  if (m.id !== dirName) throw new Error(`${file}: id "${m.id}" is not the folder name`);
  const shards = new Map<string, ShardInfo>();
  for (const s of m.shards) shards.set(s.path, s);
  return {
    summary: {
      id: m.id,
      name: m.name,
      architecture: m.architecture,
      variant: m.variant,
      dtype: m.dtype,
      bytes: m.totalBytes,
      headBytes: m.headBytes,
      manifestSha256: await sha256Hex(manifestBytes),
    },
    manifestBytes,
    shards,
  };
}
