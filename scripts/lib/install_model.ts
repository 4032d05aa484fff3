/**
 * Installs a packed atelier-net model into <outDir>/<id>/ atomically: shards and manifest are
 * written to a temporary sibling folder, which then replaces the old install by rename, so a
 * reader never sees a half-written model and a failed install leaves the old one untouched.
 */
import { join } from "node:path";
import type { PackedModel } from "../../src/shared/nets/pack.ts";

/** Options of installModel(). */
export interface InstallOptions {
  /** Progress lines; defaults to none. */
  log?: (msg: string) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes `packed` into `outDir/<id>` atomically; returns the model's folder. */
export async function installModel(
  packed: PackedModel,
  outDir: string,
  opts: InstallOptions = {},
): Promise<string> {
  const id = packed.manifest.id;
  await Deno.mkdir(outDir, { recursive: true });
  const tmp = join(outDir, `.tmp-${id}-${crypto.randomUUID()}`);
  const dest = join(outDir, id);
  await Deno.mkdir(tmp);
  try {
    for (const [path, bytes] of packed.files) await Deno.writeFile(join(tmp, path), bytes);
    await Deno.writeTextFile(join(tmp, "manifest.json"), JSON.stringify(packed.manifest, null, 1));
    const old = join(outDir, `.old-${id}-${crypto.randomUUID()}`);
    if (await exists(dest)) await Deno.rename(dest, old);
    await Deno.rename(tmp, dest);
    if (await exists(old)) await Deno.remove(old, { recursive: true });
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  const m = packed.manifest;
  opts.log?.(
    `${id}: installed ${packed.files.size} shards, ${(m.totalBytes / 1e6).toFixed(1)} MB body + ${
      (m.headBytes / 1e6).toFixed(1)
    } MB head (${m.dtype})`,
  );
  return dest;
}
